"""EU financial sanctions: the official consolidated list (FSF 1.1 CSV) or the merged tracker file.

The two layouts are read in loaders/eu_layouts.py (one `Entity` per designated entity);
this module builds the records from them.

Output, per designated entity (all rows of one entity grouped):
SanctionRegime (authority "EU", the programme code), SanctionListing (regime, entity logical
id) with date, act, measures and remark, the designated Person (subject P) or Organization
(subject E) with every name alias in every script, CITIZEN_OF its states, and the
DESIGNATES / UNDER_REGIME edges. Designated persons are not targets (`is_target` false).
An entity whose Latin-script name names a state organ and ends with its state ("National
Security Agency of the Government of Eritrea") is an Agency PART_OF that State (confidence
0.8, the name cited). Any other entity is an Organization, BASED_IN each State its rows
state for it (FSF: `Address_CountryIso2Code`/`Address_CountryDescription` and
`Citizenship_*`; merged: `Addr_country` and `citizenship.countryDescription`), each link
cited by the line and the column that state it; an entity whose rows state no country is
linked to no state (in the merged file of 2022-09-13 no entity row states one: `Addr_country`
is NA throughout and an entity's citizenship is NA or UNKNOWN). Nothing is read into an
entity's name beyond the organ rule: a company called "... Security ..." is not a state organ.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph.records import Edge, Node, Provenance, Rejected
from loaders.common import file_source, state_node
from loaders.countries import country, resolve_country
from loaders.eu_layouts import NO_COUNTRY, Entity, fsf_entities, layout_of, merged_entities

NAME = "eu-sanctions"
DESCRIPTION = (
    "EU consolidated financial sanctions (FSF 1.1 CSV, or the merged FSF + travel-ban file)"
)

AUTHORITY = "EU"

#: Programme code -> regime name, for the common codes of the EU Financial Sanctions File.
#: Regimes are data: a code missing here still yields a regime, named by its code.
REGIME_NAMES: dict[str, str] = {
    "HR": "EU Global Human Rights Sanctions Regime",
    "CYB": "EU sanctions regime against cyber-attacks threatening the Union or its Member States",
    "CHEM": "EU sanctions regime against the proliferation and use of chemical weapons",
    "TERR": "EU terrorist list (Common Position 2001/931/CFSP)",
    "EUAQ": "EU autonomous sanctions regime against ISIL (Da'esh) and Al-Qaeda",
    "UKR": "EU restrictive measures in respect of actions undermining or threatening the "
    "territorial integrity, sovereignty and independence of Ukraine",
    "RUS": "EU restrictive measures in view of Russia's actions destabilising the situation "
    "in Ukraine",
    "BLR": "EU restrictive measures in respect of Belarus",
    "IRN": "EU restrictive measures against Iran",
    "SYR": "EU restrictive measures against Syria",
    "PRK": "EU restrictive measures against the Democratic People's Republic of Korea",
    "AFG": "EU restrictive measures in view of the situation in Afghanistan",
    "IRQ": "EU restrictive measures against Iraq",
    "LBY": "EU restrictive measures in view of the situation in Libya",
    "MMR": "EU restrictive measures in respect of Myanmar/Burma",
    "VEN": "EU restrictive measures in view of the situation in Venezuela",
    "NIC": "EU restrictive measures in view of the situation in Nicaragua",
    "COD": "EU restrictive measures against the Democratic Republic of the Congo",
    "TUN": "EU restrictive measures in view of the situation in Tunisia",
    "SOM": "EU restrictive measures in view of the situation in Somalia",
    "CAF": "EU restrictive measures in view of the situation in the Central African Republic",
    "YEM": "EU restrictive measures in view of the situation in Yemen",
    "MLI": "EU restrictive measures in view of the situation in Mali",
    "GNB": "EU restrictive measures in view of the situation in Guinea-Bissau",
    "SSD": "EU restrictive measures in view of the situation in South Sudan",
    "GIN": "EU restrictive measures in view of the situation in Guinea",
    "BDI": "EU restrictive measures in view of the situation in Burundi",
    "SDN": "EU restrictive measures in view of the situation in Sudan",
    "ZWE": "EU restrictive measures against Zimbabwe",
    "TUR": "EU restrictive measures in view of Turkey's unauthorised drilling activities in the "
    "Eastern Mediterranean",
}


def _records(
    ent: Entity, source_id: str, fname: str, seen: set[str]
) -> Iterator[Node | Edge | Rejected]:
    prov = Provenance(source_id, f"line {ent.line}")
    if ent.programme not in seen:
        seen.add(ent.programme)
        yield Node(
            "SanctionRegime",
            {
                "authority": AUTHORITY,
                "code": ent.programme,
                "name": REGIME_NAMES.get(ent.programme, ent.programme),
            },
            prov,
        )
    regime = Node("SanctionRegime", {"authority": AUTHORITY, "code": ent.programme}, prov).id
    if not ent.names:
        yield Rejected(fname, prov.locator, "name", f"entity {ent.key} has no name")
        return
    name = ent.primary_name()
    aliases = sorted((n for n in ent.names if n != name), key=lambda n: ent.names[n])
    states: list[Node] = []
    for text in ent.citizenships:
        if text.strip().upper() in NO_COUNTRY:
            continue
        c = _country(text)
        if c is None:
            yield Rejected(fname, prov.locator, "citizenship", f"unknown country: {text!r}")
        elif all(s.props["code"] != c for s in states):
            states.append(state_node(country(c), prov, text if len(text) > 2 else ""))
    if ent.subject == "P":
        props: dict[str, Any] = {"name": name, "aliases": aliases, "is_target": False}
        if ent.birth_dates:
            props["birth_date"] = min(ent.birth_dates)
        if states:
            props["nationality"] = [s.props["code"] for s in states]
        if ent.functions:
            props["position"] = min(ent.functions)[1]
        party = Node("Person", props, prov)
    else:
        organ = _organ_of_state(ent.names)
        if organ is None:
            party = Node("Organization", {"name": name, "aliases": aliases}, prov)
            # The states the entity's rows state (address, citizenship): where it is based.
            based: list[str] = []
            for text, column, line in ent.countries:
                c = _country(text)
                if c is None:
                    if text not in ent.citizenships:  # (rejected once, above)
                        yield Rejected(fname, f"line {line}", column, f"unknown country: {text!r}")
                    continue
                if c in based:
                    continue
                based.append(c)
                stated = Provenance(source_id, f"line {line} ({column})")
                home = state_node(country(c), stated, text if len(text) > 2 else "")
                yield home
                yield Edge("BASED_IN", party.id, home.id, stated)
        else:
            # A state organ that its listed name ties to its state: an Agency, PART_OF it.
            named = Provenance(
                source_id, f"{prov.locator} (the state named in {organ[1]!r})", ORGAN_CONFIDENCE
            )
            party = Node(
                "Agency", {"name": name, "aliases": aliases, "state_code": organ[0].code}, prov
            )
            home = state_node(organ[0], named)
            yield home
            yield Edge("PART_OF", party.id, home.id, named)
    yield party
    for state in states:
        yield state
        if party.type == "Person":
            yield Edge("CITIZEN_OF", party.id, state.id, prov)
    listing_props: dict[str, Any] = {
        "regime": f"{AUTHORITY}/{ent.programme}",
        "reference": ent.key,
        "party_name": name,
        "party_type": "person" if ent.subject == "P" else "entity",
        "listing_date": ent.listing_date or None,
        "year": int(ent.listing_date[:4]) if ent.listing_date[:4].isdigit() else None,
        "legal_act": ent.legal_act or None,
        "legal_act_url": ent.legal_act_url or None,
        "measures": ent.measures or None,
        "reason": ent.reason or None,
    }
    listing = Node("SanctionListing", listing_props, prov)
    yield listing
    yield Edge("UNDER_REGIME", listing.id, regime, prov)
    yield Edge("DESIGNATES", listing.id, party.id, prov)


#: Words of a listed entity's name that make it an organ of a state (with the state named too).
ORGAN_WORDS = frozenset(
    {
        "agency",
        "ministry",
        "police",
        "bureau",
        "prosecutor",
        "prosecutors",
        "procuratorate",
        "intelligence",
        "directorate",
        "army",
        "guard",
        "court",
        "security",
    }
)
#: Confidence of an entity's state read from its name (not stated in a column).
ORGAN_CONFIDENCE = 0.8


def _organ_of_state(names: dict[str, Any]) -> tuple[Any, str] | None:
    """(country, the name) when a Latin-script name of the entity names a state organ and, as
    whole words after "of", its state: "National Security Agency of the Government of Eritrea".
    The file has no country column for entities; nothing else is read into it."""
    for name in names:
        words = re.findall(r"[A-Za-z]+", re.sub(r"\([^)]*\)", " ", name))  # "(GRU)" is no state
        if not ORGAN_WORDS & {w.lower() for w in words}:
            continue
        lowered = [w.lower() for w in words]
        for i, w in enumerate(lowered):
            if w != "of":
                continue
            rest = words[i + 1 :]
            while rest and rest[0].lower() in ("the", "government", "of"):
                rest = rest[1:]
            c = resolve_country(" ".join(rest)) if rest else None
            if c is not None:
                return c, name
    return None


_COUNTRY_CACHE: dict[str, str | None] = {}


def _country(text: str) -> str | None:
    """ISO code for an ISO code or an EU country description ("IRAN (ISLAMIC REPUBLIC OF)")."""
    if text in _COUNTRY_CACHE:
        return _COUNTRY_CACHE[text]
    code: str | None = None
    if len(text) == 2:
        try:
            code = country(text).code
        except KeyError:
            code = None
    else:
        c = resolve_country(text) or resolve_country(re.sub(r"\s*\(was [^)]*\)", "", text))
        # "TANZANIA, UNITED REPUBLIC OF" -> "UNITED REPUBLIC OF TANZANIA"
        if c is None and "," in text:
            head, _, tail = text.partition(",")
            c = resolve_country(f"{tail.strip()} {head.strip()}") or resolve_country(head)
        code = c.code if c else None
    _COUNTRY_CACHE[text] = code
    return code


def parse(path: Path) -> Iterator[Node | Edge | Rejected]:
    path = Path(path)
    try:
        layout, delimiter = layout_of(path)
    except (OSError, UnicodeDecodeError) as exc:
        yield Rejected(path.name, "", "", f"cannot read the file: {exc}")
        return
    if not layout:
        yield Rejected(
            path.name,
            "line 1",
            "",
            "not an EU sanctions file: the header has neither "
            "Entity_LogicalId/NameAlias_WholeName (FSF 1.1) nor "
            "Entity_logical_id...2/Naal_wholename (merged)",
        )
        return
    source = file_source(path, f"EU consolidated financial sanctions ({path.name})")
    yield source
    entities = (fsf_entities if layout == "fsf" else merged_entities)(path, delimiter, path.name)
    regimes: set[str] = set()
    try:
        for item in entities:
            if isinstance(item, Rejected):
                yield item
            else:
                yield from _records(item, source.id, path.name, regimes)
    except (csv.Error, UnicodeDecodeError) as exc:
        # Entities are grouped over the whole file, so none of them is complete.
        yield Rejected(path.name, "", "", f"cannot read the file: {exc}")
