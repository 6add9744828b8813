"""FollowTheMoney entities as JSON lines (the shape of OpenSanctions' `entities.ftm.json`).

Each line: `{"id", "schema", "properties": {prop: [values]}, "datasets": [...], ...}`.

Mapping:

* Person -> Person (name, other names as aliases, birth date, `nationality`/`citizenship`
  -> CITIZEN_OF State, position, gender). A person designated by a Sanction in the file is
  marked `is_target` false (designated parties are not targets of repression).
* Organization, LegalEntity -> Organization; Company -> Organization (kind "company"), or
  Vendor when its id is one of our exports' Vendor ids (`tnr-vendor-...`, exports/ftm.py);
  `country`/`jurisdiction` -> `country` and BASED_IN State.
* PublicBody -> Agency of the state of its first country (PART_OF that State); without a
  country, Organization (kind "public-body").
* Sanction -> SanctionListing (regime "authority/code", reference = `authorityId`, else
  `unscId`, else the FtM id) + SanctionRegime (authority from `authority`, or the prefix of
  `programId`; code from `programId` without that prefix, else `program`) + UNDER_REGIME and
  DESIGNATES the entity it names.

Country codes are FtM's lowercase ISO 3166-1 alpha-2; codes without a state ("suhh", "zz")
are reported as Rejected. References between entities are FtM ids: a first pass maps them to
our node ids, a second pass writes. Other schemata (Address, Ownership, ...) are skipped and
counted in one Rejected per schema.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.records import Edge, Node, Provenance, Rejected
from loaders.common import file_source, state_node
from loaders.countries import Country, country
from loaders.eu_layouts import is_latin

NAME = "ftm"
DESCRIPTION = "FollowTheMoney entity JSON lines (OpenSanctions exports)"

PARTIES = ("Person", "Organization", "Company", "LegalEntity", "PublicBody")
#: FtM id prefix of the Vendors of our own exports (exports/ftm.py): read back as Vendor.
OUR_VENDOR = "tnr-vendor-"

#: Authority as FtM sources write it -> the short authority of our regimes.
AUTHORITIES: dict[str, str] = {
    "european union": "EU",
    "eu": "EU",
    "council of the european union": "EU",
    "office of foreign assets control": "US",
    "ofac": "US",
    "united states": "US",
    "hm treasury": "UK",
    "office of financial sanctions implementation": "UK",
    "ofsi": "UK",
    "united kingdom": "UK",
    "un security council": "UN",
    "united nations security council": "UN",
    "united nations": "UN",
}


@dataclass
class _Line:
    number: int
    id: str
    schema: str
    props: dict[str, list[Any]]


def _lines(path: Path, fname: str) -> Iterator[_Line | Rejected]:
    try:
        yield from _read_lines(path, fname)
    except (OSError, UnicodeDecodeError) as exc:
        yield Rejected(fname, "", "", f"cannot read the file past this point: {exc}")


def _read_lines(path: Path, fname: str) -> Iterator[_Line | Rejected]:
    with path.open(encoding="utf-8-sig") as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            where = f"record {number}"
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Rejected(fname, where, "", f"not JSON: {exc.msg}", text[:200])
                continue
            if not isinstance(data, dict):
                yield Rejected(fname, where, "", "not a JSON object", text[:200])
                continue
            ftm_id, schema, props = data.get("id"), data.get("schema"), data.get("properties")
            if not isinstance(ftm_id, str) or not ftm_id:
                yield Rejected(fname, where, "id", "no entity id", text[:200])
                continue
            if not isinstance(schema, str) or not schema:
                yield Rejected(fname, where, "schema", "no schema", text[:200])
                continue
            if not isinstance(props, dict):
                props = {}
            clean: dict[str, list[Any]] = {}
            for key, values in props.items():
                items = values if isinstance(values, list) else [values]
                kept = [v for v in items if isinstance(v, str | dict) and v]
                if kept:
                    clean[str(key)] = kept
            yield _Line(number, ftm_id, schema, clean)


def _texts(line: _Line, *names: str) -> list[str]:
    out: list[str] = []
    for name in names:
        for v in line.props.get(name, []):
            text = " ".join(v.split()) if isinstance(v, str) else ""
            if text and text not in out:
                out.append(text)
    return out


def _refs(line: _Line, name: str) -> list[str]:
    """FtM ids a property points to: plain ids, or nested entities (`*.nested.json` exports)."""
    out: list[str] = []
    for v in line.props.get(name, []):
        ref = v if isinstance(v, str) else v.get("id") if isinstance(v, dict) else None
        if isinstance(ref, str) and ref:
            out.append(ref)
    return out


def _countries(line: _Line, fname: str, *names: str) -> tuple[list[Country], list[Rejected]]:
    found: list[Country] = []
    bad: list[Rejected] = []
    for name in names:
        for code in _texts(line, name):
            try:
                c = country(code)
            except KeyError:
                bad.append(
                    Rejected(
                        fname,
                        f"record {line.number}",
                        name,
                        f"country code {code!r} is not a state's ISO code",
                    )
                )
                continue
            if c not in found:
                found.append(c)
    return found, bad


def _party(line: _Line, prov: Provenance, designated: set[str]) -> Node | None:
    # The first Latin-script name is the primary one (a natural key), as in the EU loader.
    names = sorted(_texts(line, "name"), key=lambda n: not is_latin(n))
    if not names:
        return None
    aliases = [n for n in _texts(line, "name", "alias", "previousName") if n != names[0]]
    if line.schema == "Person":
        props: dict[str, Any] = {"name": names[0], "aliases": aliases}
        births = sorted(_texts(line, "birthDate"))
        if births:
            props["birth_date"] = births[0]
        if pos := _texts(line, "position"):
            props["position"] = pos[0]
        if gender := _texts(line, "gender"):
            props["gender"] = gender[0]
        if line.id in designated:
            props["is_target"] = False
        return Node("Person", props, prov)
    codes = [c for c in _texts(line, "country", "jurisdiction") if len(c) == 2]
    first = None
    for code in codes:
        try:
            first = country(code)
            break
        except KeyError:
            continue
    if line.schema == "PublicBody" and first is not None:
        return Node(
            "Agency", {"name": names[0], "state_code": first.code, "aliases": aliases}, prov
        )
    kind = {"Company": "company", "PublicBody": "public-body"}.get(line.schema)
    props = {"name": names[0], "aliases": aliases, "kind": kind}
    if line.schema == "Company" and line.id.startswith(OUR_VENDOR):  # a Vendor we exported
        del props["kind"]
    if first is not None:
        props["country"] = first.code
    if url := _texts(line, "website"):
        props["url"] = url[0]
    return Node("Vendor" if "kind" not in props else "Organization", props, prov)


def _regime(line: _Line) -> tuple[str, str, str] | None:
    """(authority, code, name) of a Sanction's regime, or None if it names none."""
    authority_text = (_texts(line, "authority") or [""])[0]
    program_ids = _texts(line, "programId")
    program = (_texts(line, "program") or [""])[0]
    authority = AUTHORITIES.get(authority_text.casefold(), authority_text)
    code = program_ids[0] if program_ids else program
    if program_ids and "-" in code:
        prefix, _, rest = code.partition("-")
        if not authority:
            authority = AUTHORITIES.get(prefix.casefold(), prefix)
        if prefix.casefold() == authority.casefold() and rest:
            code = rest
    if not authority or not code:
        return None
    return authority, code, program or code


def parse(path: Path) -> Iterator[Node | Edge | Rejected]:
    path = Path(path)
    fname = path.name
    source = file_source(path, f"FollowTheMoney entities ({fname})")
    yield source
    sid = source.id

    # Pass 1: which entities are designated, and our node id for each FtM party.
    designated: set[str] = set()
    parties: dict[str, str] = {}
    for item in _lines(path, fname):
        if isinstance(item, _Line) and item.schema == "Sanction":
            designated.update(_refs(item, "entity"))
    for item in _lines(path, fname):
        if isinstance(item, _Line) and item.schema in PARTIES:
            node = _party(item, Provenance(sid), designated)
            if node is not None:
                parties[item.id] = node.id

    # Pass 2: the records.
    skipped: Counter[str] = Counter()
    regimes: set[str] = set()
    states: set[str] = set()
    for item in _lines(path, fname):
        if isinstance(item, Rejected):
            yield item
            continue
        prov = Provenance(sid, f"record {item.number}")

        def state(c: Country, prov: Provenance = prov) -> Iterator[Node]:
            if c.code not in states:
                states.add(c.code)
                yield state_node(c, prov)

        if item.schema in PARTIES:
            party = _party(item, prov, designated)
            if party is None:
                yield Rejected(fname, prov.locator, "name", f"{item.schema} without a name")
                continue
            if item.schema == "Person":
                found, bad = _countries(item, fname, "nationality", "citizenship")
                if found:
                    party.props["nationality"] = [c.code for c in found]
                yield from bad
                yield party
                for c in found:
                    yield from state(c)
                    yield Edge("CITIZEN_OF", party.id, state_node(c, prov).id, prov)
            else:
                found, bad = _countries(item, fname, "country", "jurisdiction")
                yield from bad
                yield party
                if found:
                    yield from state(found[0])
                    rel = "PART_OF" if party.type == "Agency" else "BASED_IN"
                    yield Edge(rel, party.id, state_node(found[0], prov).id, prov)
        elif item.schema == "Sanction":
            yield from _sanction(item, prov, parties, regimes, fname)
        else:
            skipped[item.schema] += 1
    for schema, n in sorted(skipped.items()):
        yield Rejected(
            fname, "", "schema", f"{n} {schema} record(s) skipped: not mapped to the graph"
        )


def _sanction(
    line: _Line, prov: Provenance, parties: dict[str, str], regimes: set[str], fname: str
) -> Iterator[Node | Edge | Rejected]:
    targets = _refs(line, "entity")
    if not targets:
        yield Rejected(fname, prov.locator, "entity", "Sanction names no entity")
        return
    regime = _regime(line)
    if regime is None:
        yield Rejected(fname, prov.locator, "program", "Sanction names no authority or programme")
        return
    authority, code, regime_name = regime
    regime_node = Node(
        "SanctionRegime", {"authority": authority, "code": code, "name": regime_name}, prov
    )
    if regime_node.id not in regimes:
        regimes.add(regime_node.id)
        yield regime_node
    dates = sorted(_texts(line, "listingDate") or _texts(line, "startDate"))
    reference = (_texts(line, "authorityId") or _texts(line, "unscId") or [line.id])[0]
    props: dict[str, Any] = {
        "regime": f"{authority}/{code}",
        "reference": reference,
        "listing_date": dates[0] if dates else None,
        "year": int(dates[0][:4]) if dates and dates[0][:4].isdigit() else None,
        "legal_act_url": next(iter(_texts(line, "sourceUrl")), None),
        "measures": _texts(line, "provisions") or None,
        "reason": "\n".join(_texts(line, "reason")) or None,
    }
    listing = Node("SanctionListing", props, prov)
    party_ids = [parties[t] for t in targets if t in parties]
    for t in targets:
        if t not in parties:
            yield Rejected(
                fname,
                prov.locator,
                "entity",
                f"Sanction points to {t!r}, which is not a named party in this file",
            )
    if not party_ids:
        return
    yield listing
    yield Edge("UNDER_REGIME", listing.id, regime_node.id, prov)
    for pid in party_ids:
        yield Edge("DESIGNATES", listing.id, pid, prov)
