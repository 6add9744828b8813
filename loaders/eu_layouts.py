"""The EU sanctions CSV in its two layouts (FSF 1.1, merged), read into one entity per designation.

Two layouts, told apart by the header:

* **FSF 1.1** (the EU's "Consolidated Financial Sanctions File 1.1", `;`-separated): one row per
  name alias, address, birth date, identification and citizenship of an entity; the rows of
  one entity share `Entity_LogicalId`.
* **merged** (simonabisiani/EU-sanctions-tracker `merged_dataset.csv`): the FSF joined in R with
  the EU travel-ban export; one row per designation, R join suffixes (`Entity_logical_id...2`),
  `NA` for empty cells, the travel-ban aliases as a stringified Python list in `nameAlias`.

All rows of one entity are grouped into an `Entity`: its programme, listing, names (with
their alias logical ids), functions, birth dates, citizenships and the countries its rows
state, each with the line and the column that state it. loaders/eu_sanctions.py builds the
records from it.

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

from graph.records import Rejected

#: The merged file's `type` column -> measures.
MEASURES: dict[str, list[str]] = {
    "financial sanction": ["asset freeze"],
    "travel ban": ["travel ban"],
    "both travel and financial sanction": ["asset freeze", "travel ban"],
}

_FSF_SUBJECT = {"P": "P", "E": "E", "PERSON": "P", "ENTERPRISE": "E"}
_LISTING_IN_REMARK = re.compile(r"date of (?:listing|designation)\s*:\s*(\d{4}-\d{2}-\d{2})", re.I)
#: Country cells that state no country.
NO_COUNTRY = {"UNKNOWN", "STATELESS", "00", ""}
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
class Entity:
    """One designated entity: what all its rows state, grouped."""

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
        if text and text.upper() not in NO_COUNTRY and all(c[0] != text for c in self.countries):
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


def layout_of(path: Path) -> tuple[str, str]:
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


def merged_entities(path: Path, delimiter: str, fname: str) -> Iterator[Entity | Rejected]:
    rows = list(_rows(path, delimiter))
    # A travel-ban-only row has no programme code: the same Council Decision on other rows of
    # this file tells it, when those rows agree on one programme.
    by_decision: dict[str, set[str]] = {}
    for _, row in rows:
        prog, url = _na(row.get("Programme")), _na(row.get("regulation.publicationUrl"))
        if prog and url:
            by_decision.setdefault(url, set()).add(prog)
    entities: dict[str, Entity] = {}
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
            ent = entities[key] = Entity(key, line, subject=subject, programme=programme)
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


def fsf_entities(path: Path, delimiter: str, fname: str) -> Iterator[Entity | Rejected]:
    entities: dict[str, Entity] = {}
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
            ent = entities[key] = Entity(key, line, subject=subject, programme=programme)
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
