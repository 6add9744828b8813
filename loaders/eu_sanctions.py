"""EU financial sanctions: the official consolidated list (FSF 1.1 CSV) or the merged tracker file.

Two layouts, told apart by the header:

* **FSF 1.1** (the EU's "Consolidated Financial Sanctions File 1.1", `;`-separated): one row per
  name alias, address, birth date, identification and citizenship of an entity; the rows of
  one entity share `Entity_LogicalId`.
* **merged** (simonabisiani/EU-sanctions-tracker `merged_dataset.csv`): the FSF joined in R with
  the EU travel-ban export; one row per designation, R join suffixes (`Entity_logical_id...2`),
  `NA` for empty cells, the travel-ban aliases as a stringified Python list in `nameAlias`.

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

The primary name (a natural key of Person) is chosen deterministically: the Latin-script alias
with the lowest alias logical id, else the first Latin-script name in file order, else the
first name; so a re-load, or the other layout of the same list, meets the same node.
"""

from __future__ import annotations

import ast
import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.records import Edge, Node, Provenance, Rejected
from loaders.common import file_source, state_node
from loaders.countries import country, resolve_country

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

#: The merged file's `type` column -> measures.
MEASURES: dict[str, list[str]] = {
    "financial sanction": ["asset freeze"],
    "travel ban": ["travel ban"],
    "both travel and financial sanction": ["asset freeze", "travel ban"],
}

_FSF_SUBJECT = {"P": "P", "E": "E", "PERSON": "P", "ENTERPRISE": "E"}
_LISTING_IN_REMARK = re.compile(r"date of (?:listing|designation)\s*:\s*(\d{4}-\d{2}-\d{2})", re.I)
_NO_COUNTRY = {"UNKNOWN", "STATELESS", "00", ""}
_LAST = 1 << 62  # sort key of a name without an alias logical id


def is_latin(name: str) -> bool:
    """True if every letter of `name` is a Latin letter (accents allowed)."""
    letters = [ch for ch in name if ch.isalpha()]
    return bool(letters) and all(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)


def iso_date(text: str) -> str | None:
    """`YYYY`, `YYYY-MM-DD` or `DD/MM/YYYY` as an ISO date; None if it is none of these."""
    text = text.strip()
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        return text
    m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
    if m:
        return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
    return None


@dataclass
class _Entity:
    key: str
    line: int
    subject: str = ""
    programme: str = ""
    listing_date: str = ""
    legal_act: str = ""
    legal_act_url: str = ""
    reason: str = ""
    measures: list[str] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)  # name -> alias logical id (sort key)
    functions: list[tuple[int, str]] = field(default_factory=list)
    birth_dates: set[str] = field(default_factory=set)
    citizenships: list[str] = field(default_factory=list)
    #: the countries an entity's rows state: (country text, column, line)
    countries: list[tuple[str, str, int]] = field(default_factory=list)

    def add_country(self, text: str, column: str, line: int) -> None:
        text = text.strip()
        if text and text.upper() not in _NO_COUNTRY and all(c[0] != text for c in self.countries):
            self.countries.append((text, column, line))

    def add_name(self, name: str, alias_id: str = "") -> None:
        name = " ".join(name.split())
        if not name:
            return
        rank = int(alias_id) if alias_id.isdigit() else _LAST + len(self.names)
        self.names[name] = min(rank, self.names.get(name, rank))

    def primary_name(self) -> str:
        ordered = sorted(self.names, key=lambda n: self.names[n])
        latin = [n for n in ordered if is_latin(n)]
        return (latin or ordered)[0]


def _na(value: str | None) -> str:
    """The merged file writes R's NA for empty cells."""
    text = (value or "").strip()
    return "" if text == "NA" else text


def _entity_id(text: str) -> str:
    text = text.strip()
    return text[:-2] if text.endswith(".0") else text


# -- layout detection and rows ----------------------------------------------------------------


def _layout(path: Path) -> tuple[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = fh.readline()
    delimiter = ";" if header.count(";") > header.count(",") else ","
    if "Entity_LogicalId" in header and "NameAlias_WholeName" in header:
        return "fsf", delimiter
    if "Entity_logical_id" in header and "Naal_wholename" in header:
        return "merged", delimiter
    return "", delimiter


def _rows(path: Path, delimiter: str) -> Iterator[tuple[int, dict[str, str]]]:
    csv.field_size_limit(1 << 24)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        line = reader.line_num + 1
        for row in reader:
            yield (
                line,
                {(k or "").strip(): (v if isinstance(v, str) else "") for k, v in row.items()},
            )
            line = reader.line_num + 1


def _merged_entities(path: Path, delimiter: str, fname: str) -> Iterator[_Entity | Rejected]:
    rows = list(_rows(path, delimiter))
    # A travel-ban-only row has no programme code: the same Council Decision on other rows of
    # this file tells it, when those rows agree on one programme.
    by_decision: dict[str, set[str]] = {}
    for _, row in rows:
        prog, url = _na(row.get("Programme")), _na(row.get("regulation.publicationUrl"))
        if prog and url:
            by_decision.setdefault(url, set()).add(prog)
    entities: dict[str, _Entity] = {}
    for line, row in rows:
        where = f"line {line}"
        key = _entity_id(_na(row.get("Entity_logical_id...2")) or _na(row.get("logicalId")))
        if not key:
            yield Rejected(
                fname,
                where,
                "Entity_logical_id...2",
                "no entity id (neither Entity_logical_id...2 nor logicalId)",
                _na(row.get("remark"))[:200],
            )
            continue
        subject = _na(row.get("Subject_type")) or _na(row.get("subjectType.classificationCode"))
        if subject not in ("P", "E"):
            yield Rejected(fname, where, "Subject_type", f"subject type is not P or E: {subject!r}")
            continue
        programme = _na(row.get("Programme")) or _na(row.get("Naal_programme"))
        if not programme:
            found = by_decision.get(_na(row.get("regulation.publicationUrl")), set())
            if len(found) != 1:
                yield Rejected(
                    fname,
                    where,
                    "Programme",
                    "no programme code, and no Council Decision in the file that names one",
                )
                continue
            programme = next(iter(found))
        ent = entities.get(key)
        if ent is None:
            ent = entities[key] = _Entity(key, line, subject=subject, programme=programme)
            ent.listing_date = _na(row.get("Leba_publication_date"))
            ent.legal_act = _na(row.get("Leba_numtitle")) or _na(row.get("regulation.numberTitle"))
            ent.legal_act_url = _na(row.get("Leba_url")) or _na(
                row.get("regulation.publicationUrl")
            )
            ent.reason = _na(row.get("Entity_remark")) or _na(row.get("remark"))
            if not ent.listing_date:
                m = _LISTING_IN_REMARK.search(_na(row.get("remark")))
                ent.listing_date = m[1] if m else ""
        kind = _na(row.get("type"))
        for measure in MEASURES.get(kind, []):
            if measure not in ent.measures:
                ent.measures.append(measure)
        ent.add_name(_na(row.get("Naal_wholename")), _na(row.get("Naal_logical_id")))
        if fn := _na(row.get("Naal_function")):
            ent.functions.append((ent.names.get(_na(row.get("Naal_wholename")), _LAST), fn))
        raw_aliases = _na(row.get("nameAlias"))
        if raw_aliases:
            try:
                aliases: Any = ast.literal_eval(raw_aliases)
                if not isinstance(aliases, list):
                    raise ValueError("not a list")
            except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
                yield Rejected(
                    fname, where, "nameAlias", f"unreadable alias list: {exc}", raw_aliases[:200]
                )
                aliases = []
            for alias in aliases:
                if isinstance(alias, dict) and isinstance(alias.get("wholeName"), str):
                    alias_id = str(alias.get("logicalId", ""))
                    ent.add_name(alias["wholeName"], alias_id)
                    if isinstance(alias.get("function"), str):
                        rank = int(alias_id) if alias_id.isdigit() else _LAST
                        ent.functions.append((rank, alias["function"]))
        ent.add_name(_na(row.get("nameAlias.wholeName")))
        if fn := _na(row.get("nameAlias.function")):
            ent.functions.append((_LAST, fn))
        for col in ("Birt_date", "birthdate.year"):
            if value := _na(row.get(col)):
                if (d := iso_date(value)) is None:
                    yield Rejected(fname, where, col, f"not a date: {value!r}")
                else:
                    ent.birth_dates.add(d)
        if value := _na(row.get("citizenship.countryDescription")):
            ent.citizenships.append(value)
            ent.add_country(value, "citizenship.countryDescription", line)
        ent.add_country(_na(row.get("Addr_country")), "Addr_country", line)
    yield from entities.values()


def _fsf_entities(path: Path, delimiter: str, fname: str) -> Iterator[_Entity | Rejected]:
    entities: dict[str, _Entity] = {}
    for line, row in _rows(path, delimiter):
        where = f"line {line}"
        key = _entity_id(row.get("Entity_LogicalId", ""))
        if not key:
            yield Rejected(fname, where, "Entity_LogicalId", "no entity logical id")
            continue
        ent = entities.get(key)
        if ent is None:
            raw_subject = (row.get("Entity_SubjectType") or "").strip().upper() or (
                row.get("Entity_SubjectType_ClassificationCode") or ""
            ).strip().upper()
            subject = _FSF_SUBJECT.get(raw_subject, "")
            programme = (row.get("Entity_Regulation_Programme") or "").strip()
            if not subject:
                yield Rejected(
                    fname,
                    where,
                    "Entity_SubjectType",
                    f"subject type is not P or E: {raw_subject!r}",
                )
                continue
            if not programme:
                yield Rejected(fname, where, "Entity_Regulation_Programme", "no programme code")
                continue
            ent = entities[key] = _Entity(key, line, subject=subject, programme=programme)
            ent.measures = ["asset freeze"]  # the FSF is the list of financial sanctions
            for col in ("Entity_DesignationDate", "Entity_Regulation_PublicationDate"):
                value = (row.get(col) or "").strip()
                if value and not ent.listing_date:
                    if (d := iso_date(value)) is None:
                        yield Rejected(fname, where, col, f"not a date: {value!r}")
                    else:
                        ent.listing_date = d
            ent.legal_act = (row.get("Entity_Regulation_NumberTitle") or "").strip()
            ent.legal_act_url = (row.get("Entity_Regulation_PublicationUrl") or "").strip()
            ent.reason = (row.get("Entity_Remark") or "").strip()
        alias_id = (row.get("NameAlias_LogicalId") or "").strip()
        ent.add_name(row.get("NameAlias_WholeName") or "", alias_id)
        if fn := (row.get("NameAlias_Function") or "").strip():
            ent.functions.append((int(alias_id) if alias_id.isdigit() else _LAST, fn))
        birth = (row.get("BirthDate_BirthDate") or "").strip() or (row.get("BirthDate_Year") or "")
        if birth.strip():
            if (d := iso_date(birth)) is None:
                yield Rejected(fname, where, "BirthDate_BirthDate", f"not a date: {birth!r}")
            else:
                ent.birth_dates.add(d)
        code = (row.get("Citizenship_CountryIso2Code") or "").strip()
        desc = (row.get("Citizenship_CountryDescription") or "").strip()
        if code or desc:
            ent.citizenships.append(code if len(code) == 2 and code.upper() != "00" else desc)
            ent.add_country(*_fsf_country(code, desc, "Citizenship"), line)
        code = (row.get("Address_CountryIso2Code") or "").strip()
        desc = (row.get("Address_CountryDescription") or "").strip()
        if code or desc:
            ent.add_country(*_fsf_country(code, desc, "Address"), line)
    yield from entities.values()


def _fsf_country(code: str, desc: str, prefix: str) -> tuple[str, str]:
    """(the country as stated, its column): the ISO code when it is one, else the description."""
    if len(code) == 2 and code.upper() != "00":
        return code, f"{prefix}_CountryIso2Code"
    return desc, f"{prefix}_CountryDescription"


# -- records ----------------------------------------------------------------------------------


def _records(
    ent: _Entity, source_id: str, fname: str, seen: set[str]
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
        if text.strip().upper() in _NO_COUNTRY:
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
        layout, delimiter = _layout(path)
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
    entities = (_fsf_entities if layout == "fsf" else _merged_entities)(path, delimiter, path.name)
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
