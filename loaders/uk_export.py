"""UK strategic export licence decisions, in the layout of CAAT's `values.csv`.

Columns: `licence_group, date, rating, count, value, country, refused`. One ExportLicence per
(licence group, rating): ref `UK-CAAT/<licence_group>` (CAAT's licence-group number, not an
ECJU licence number), control code = rating, decision date and year, count, value in GBP,
decision "refused" when `refused` is 1, else "granted". Each licence is LICENSED_BY the United
Kingdom and has a DESTINATION State.

Control descriptions come from CAAT's companion `ratings.csv` when it sits beside the values
file (as `uk_export_control_ratings.csv` or `ratings.csv`); otherwise from a small built-in table
(5A001, 5A002, 5D002, ML1..ML22).

Destinations that are not a state with an ISO code ("Channel Islands", "Continental Shelf:
United Kingdom sector", "Netherlands Antilles", "French Overseas Territory" ...): the licence is
kept (the decision is a fact of the file), the destination as written goes into the licence's
`description`, no DESTINATION edge is made, and a Rejected with the field `country` reports it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph.records import Edge, Node, Provenance, Rejected
from loaders.common import file_source, state_node
from loaders.countries import country, resolve_country

NAME = "uk-export-licences"
DESCRIPTION = "UK strategic export licence decisions (CAAT values.csv layout)"

REF_PREFIX = "UK-CAAT/"
COMPANION_FILES = ("uk_export_control_ratings.csv", "ratings.csv")
COLUMNS = ("licence_group", "date", "rating", "count", "value", "country", "refused")

#: Used when no ratings file sits beside the values file.
BUILTIN_RATINGS: dict[str, str] = {
    "5A001": "Telecommunications equipment, including interception and jamming equipment",
    "5A002": "Information security: cryptographic systems, equipment and components",
    "5D002": "Information security: software",
    "ML1": "Smooth-bore weapons with a calibre of less than 20 mm, other arms and automatic "
    "weapons with a calibre of 12.7 mm or less",
    "ML2": "Smooth-bore weapons with a calibre of 20 mm or more, other weapons or armament "
    "with a calibre greater than 12.7 mm",
    "ML3": "Ammunition and fuze setting devices",
    "ML4": "Bombs, torpedoes, rockets, missiles, other explosive devices and charges",
    "ML5": "Fire control and related alerting and warning equipment",
    "ML6": "Ground vehicles and components",
    "ML7": "Chemical or biological toxic agents, riot control agents, radioactive materials",
    "ML8": "Energetic materials",
    "ML9": "Vessels of war, special naval equipment, accessories and components",
    "ML10": "Aircraft, lighter-than-air vehicles, unmanned aerial vehicles, aero-engines and "
    "aircraft equipment",
    "ML11": "Electronic equipment not controlled elsewhere on the Military List",
    "ML12": "High velocity kinetic energy weapon systems",
    "ML13": "Armoured or protective equipment, constructions and components",
    "ML14": "Specialised equipment for military training or simulation",
    "ML15": "Imaging or countermeasure equipment",
    "ML16": "Forgings, castings and other unfinished products",
    "ML17": "Miscellaneous equipment, materials and libraries",
    "ML18": "Production equipment",
    "ML19": "Directed energy weapon systems",
    "ML20": "Cryogenic and superconductive equipment",
    "ML21": "Software",
    "ML22": "Technology",
}

#: Destination names of the CAAT file that the generic resolver does not know, by ISO code.
#: Only places that have their own ISO 3166-1 code; regions and groups stay unresolved.
DESTINATIONS: dict[str, str] = {
    "Hong Kong Special Administrative Region": "HK",
    "Falkland Islands": "FK",
    "St Helena": "SH",
    "St Lucia": "LC",
    "St Vincent (including the Grenadines)": "VC",
    "Mayotte (Grand Terre and Pamanzi)": "YT",
    "Svelbard Archipelago": "SJ",
}


def control_ratings(values_path: Path) -> dict[str, str]:
    """Rating -> description, from the companion ratings file beside `values_path` if any."""
    for name in COMPANION_FILES:
        path = values_path.with_name(name)
        if path.exists() and path != values_path:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                table = {}
                for row in csv.DictReader(fh):
                    rating = (row.get("rating") or "").strip()
                    desc = (
                        row.get("short_description") or row.get("full_description") or ""
                    ).strip()
                    if rating and desc:
                        table[rating] = desc
                return table
    return dict(BUILTIN_RATINGS)


def parse(path: Path) -> Iterator[Node | Edge | Rejected]:
    path = Path(path)
    try:
        yield from _parse(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        yield Rejected(path.name, "", "", f"cannot read the file past this point: {exc}")


def _parse(path: Path) -> Iterator[Node | Edge | Rejected]:
    fname = path.name
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            yield Rejected(
                fname,
                "line 1",
                missing[0],
                f"not a CAAT values file: missing column(s) {', '.join(missing)}",
            )
            return
        source = file_source(path, f"UK strategic export licence decisions ({fname})")
        yield source
        sid = source.id
        ratings = control_ratings(path)
        ix = [header.index(c) for c in COLUMNS]
        width = len(header)
        uk = state_node(country("GB"), Provenance(sid, "line 2"))
        yield uk
        uk_id = uk.id
        states: dict[str, str | None] = {}  # destination as written -> State id, or None
        line = 2
        for row in reader:
            where = f"line {line}"
            line = reader.line_num + 1
            if len(row) != width:
                yield Rejected(
                    fname, where, "", f"expected {width} cells, got {len(row)}", ",".join(row)[:200]
                )
                continue
            group, date, rating, count, value, dest, refused = (row[i].strip() for i in ix)
            prov = Provenance(sid, where)
            if not group:
                yield Rejected(fname, where, "licence_group", "empty licence group")
                continue
            if not rating:
                yield Rejected(fname, where, "rating", "empty control rating")
                continue
            if refused not in ("0", "1"):
                yield Rejected(fname, where, "refused", f"expected 0 or 1, got {refused!r}")
                continue
            props: dict[str, Any] = {
                "ref": REF_PREFIX + group,
                "control_code": rating,
                "control_description": ratings.get(rating),
                "decision": "refused" if refused == "1" else "granted",
                "currency": "GBP",
            }
            if date:
                if len(date) != 10 or date[4] != "-" or not date[:4].isdigit():
                    yield Rejected(fname, where, "date", f"not a date (YYYY-MM-DD): {date!r}")
                    continue
                props["decision_date"] = date
                props["year"] = int(date[:4])
            if count:
                if not count.isdigit():
                    yield Rejected(fname, where, "count", f"not a whole number: {count!r}")
                    continue
                props["count"] = int(count)
            if value:
                try:
                    props["value"] = float(value)
                except ValueError:
                    yield Rejected(fname, where, "value", f"not a number: {value!r}")
                    continue
            if dest not in states:
                c = (
                    resolve_country(dest)
                    if dest not in DESTINATIONS
                    else country(DESTINATIONS[dest])
                )
                if c is None:
                    states[dest] = None
                else:
                    node = state_node(c, prov, dest)
                    states[dest] = node.id
                    yield node
            target = states[dest]
            if target is None:
                props["description"] = f"Destination as given: {dest}" if dest else None
            licence = Node("ExportLicence", props, prov)
            yield licence
            yield Edge("LICENSED_BY", licence.id, uk_id, prov)
            if target is not None:
                yield Edge("DESTINATION", licence.id, target, prov)
            else:
                yield Rejected(
                    fname,
                    where,
                    "country",
                    f"destination {dest!r} is not a state with an ISO code; "
                    "licence kept without DESTINATION",
                )
