"""A user's own case database of incidents: CSV, a JSON list, or JSON lines.

The format is documented in docs/incidents-format.md. Fields:
`date, origin_state, host_state, tactics, target_name, target_profile, perpetrator, outcome,
source_url, source_title, verification, description, ref`.

Every row needs a `source_url` (an http(s) URL) and an `origin_state`. A row with an unknown
tactic code, an unknown country, a bad date, an unknown verification level or no source is
rejected whole, with the field at fault, so the user can fix it and load again.

Each row gives an Incident (ref as given, else derived from date, states, tactics and source
URL), ORIGIN_STATE / HOST_STATE, USED_TACTIC to the Tactic nodes of the typology (loaded from
data/curated/tactics.yaml; this loader does not create them), PERPETRATED_BY an Agency of the
origin state, TARGETED a Person marked as a target, and a Source for the URL. The facts cite
that Source; the Incident also cites the file at its line. A target's name never enters an
id, ref or title of another node.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph.records import Edge, Node, Provenance, Rejected, source_node
from graph.scope import incident_scope
from graph.vocabulary import TACTIC_CODES
from loaders.common import csv_rows, file_source, state_node
from loaders.countries import Country, resolve_country

NAME = "incidents"
DESCRIPTION = (
    "A case database of incidents (CSV, JSON list or JSON lines; docs/incidents-format.md)"
)

FIELDS = (
    "date",
    "origin_state",
    "host_state",
    "tactics",
    "target_name",
    "target_profile",
    "perpetrator",
    "outcome",
    "source_url",
    "source_title",
    "verification",
    "description",
    "ref",
)
VERIFICATION = ("verified", "reported", "alleged")
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")


def _split(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(";")
    return [s for s in (" ".join(str(i).split()) for i in items) if s]


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    return " ".join(str(value).split()) if value is not None else ""


def _rows(path: Path, fname: str) -> Iterator[tuple[str, dict[str, Any]] | Rejected]:
    with path.open(encoding="utf-8-sig") as fh:
        head = fh.read(1 << 12).lstrip()
    if path.suffix.lower() in (".json", ".jsonl", ".ndjson") or head[:1] in ("[", "{"):
        text = path.read_text(encoding="utf-8-sig")
        if text.lstrip().startswith("["):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Rejected(fname, f"line {exc.lineno}", "", f"not JSON: {exc.msg}")
                return
            for i, obj in enumerate(data, start=1):
                if isinstance(obj, dict):
                    yield f"record {i}", obj
                else:
                    yield Rejected(fname, f"record {i}", "", "not a JSON object")
            return
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Rejected(fname, f"record {number}", "", f"not JSON: {exc.msg}", line[:200])
                continue
            if isinstance(obj, dict):
                yield f"record {number}", obj
            else:
                yield Rejected(fname, f"record {number}", "", "not a JSON object", line[:200])
        return
    for line_no, row in csv_rows(path):
        yield f"line {line_no}", row


def _readable_rows(path: Path, fname: str) -> Iterator[tuple[str, dict[str, Any]] | Rejected]:
    """`_rows`, with a file that is not UTF-8 (or a broken CSV) reported instead of raised."""
    try:
        yield from _rows(path, fname)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        yield Rejected(fname, "", "", f"cannot read the file past this point: {exc}")


def _check(row: dict[str, Any], where: str, fname: str) -> dict[str, Any] | Rejected:
    """The row's values, resolved and checked; or the first fault found."""

    def bad(field: str, message: str) -> Rejected:
        return Rejected(fname, where, field, message, json.dumps(row, ensure_ascii=False)[:200])

    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        return bad(unknown[0], f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}")
    url = _text(row, "source_url")
    if not url:
        return bad("source_url", "a source is mandatory: source_url is empty")
    if not _URL.match(url):
        return bad("source_url", f"not an http(s) URL: {url[:80]!r}")
    date = _text(row, "date")
    if date and not _DATE.match(date):
        return bad("date", f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {date!r}")
    states: dict[str, Country | None] = {}
    for field in ("origin_state", "host_state"):
        name = _text(row, field)
        if not name:
            if field == "origin_state":
                return bad(field, "origin_state is empty: name the state behind the repression")
            states[field] = None
            continue
        c = resolve_country(name)
        if c is None:
            return bad(field, f"unknown country: {name!r}")
        states[field] = c
    tactics = [t.casefold() for t in _split(row.get("tactics"))]
    for code in tactics:
        if code not in TACTIC_CODES:
            return bad(
                "tactics",
                f"unknown tactic code {code!r}; known codes: {', '.join(sorted(TACTIC_CODES))}",
            )
    verification = _text(row, "verification").casefold()
    if verification and verification not in VERIFICATION:
        return bad(
            "verification",
            f"verification must be one of {', '.join(VERIFICATION)}, got {verification!r}",
        )
    return {
        "url": url,
        "date": date,
        "origin": states["origin_state"],
        "host": states["host_state"],
        "tactics": tactics,
        "verification": verification,
    }


def derived_ref(date: str, origin: str, host: str, tactics: list[str], url: str) -> str:
    material = "\x1f".join([date, origin, host, ";".join(sorted(tactics)), url])
    return "incident:" + hashlib.blake2b(material.encode(), digest_size=8).hexdigest()


def parse(path: Path) -> Iterator[Node | Edge | Rejected]:
    path = Path(path)
    fname = path.name
    source = file_source(path, f"Incident database ({fname})")
    yield source
    seen_sources: set[str] = set()
    seen_states: set[str] = set()
    for item in _readable_rows(path, fname):
        if isinstance(item, Rejected):
            yield item
            continue
        where, row = item
        checked = _check(row, where, fname)
        if isinstance(checked, Rejected):
            yield checked
            continue
        url: str = checked["url"]
        origin: Country = checked["origin"]
        host: Country | None = checked["host"]
        tactics: list[str] = checked["tactics"]
        date: str = checked["date"]

        url_source = source_node(url, _text(row, "source_title") or url, kind="web-page", url=url)
        if url_source.id not in seen_sources:
            seen_sources.add(url_source.id)
            yield url_source
        cite = Provenance(url_source.id, "")
        at_line = Provenance(source.id, where)
        for c in (origin, host):
            if c is not None and c.code not in seen_states:
                seen_states.add(c.code)
                yield state_node(c, at_line)

        ref = _text(row, "ref") or derived_ref(
            date, origin.code, host.code if host else "", tactics, url
        )
        what = ", ".join(t.replace("-", " ") for t in tactics) or "incident"
        where_text = f" in {host.name}" if host else ""
        title = f"{what[:1].upper()}{what[1:]} on behalf of {origin.name}{where_text}"
        title += f" ({date})" if date else ""
        props: dict[str, Any] = {
            "ref": ref,
            "title": title,
            "date": date or None,
            "year": int(date[:4]) if date else None,
            "description": _text(row, "description") or None,
            "outcome": _text(row, "outcome") or None,
            "verification": checked["verification"] or None,
            "target_profiles": _split(row.get("target_profile")) or None,
            "scope": incident_scope({origin.code}, {host.code} if host else set()),
        }
        incident = Node("Incident", props, cite)
        yield incident
        yield Node("Incident", props, at_line)
        yield Edge("ORIGIN_STATE", incident.id, state_node(origin, cite).id, cite)
        if host is not None:
            yield Edge("HOST_STATE", incident.id, state_node(host, cite).id, cite)
        for code in tactics:
            tactic_id = Node("Tactic", {"code": code, "name": code}, cite).id
            yield Edge("USED_TACTIC", incident.id, tactic_id, cite)
        if perpetrator := _text(row, "perpetrator"):
            agency = Node("Agency", {"name": perpetrator, "state_code": origin.code}, cite)
            yield agency
            yield Edge("PART_OF", agency.id, state_node(origin, cite).id, cite)
            yield Edge("PERPETRATED_BY", incident.id, agency.id, cite)
        if target := _text(row, "target_name"):
            person = Node(
                "Person",
                {
                    "name": target,
                    "is_target": True,
                    "roles": _split(row.get("target_profile")) or None,
                },
                cite,
            )
            yield person
            yield Edge("TARGETED", incident.id, person.id, cite)
