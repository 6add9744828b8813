"""The UK export licence loader (CAAT values.csv) on the real file, and a slice into a store."""

from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path

import pytest

from graph.records import Edge, Node, Provenance, Rejected
from graph.store import Store
from graph.writer import Writer
from loaders import uk_export
from loaders.common import state_node
from loaders.countries import country
from tests.shared import shared_file

VALUES = "uk_export_licence_values_2008-2015.csv"
RATINGS = "uk_export_control_ratings.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def parsed() -> tuple[list[Node | Edge | Rejected], float]:
    started = time.perf_counter()
    records = list(uk_export.parse(shared_file(VALUES)))
    return records, time.perf_counter() - started


def test_licences_match_independent_counts(
    parsed: tuple[list[Node | Edge | Rejected], float],
) -> None:
    records, elapsed = parsed
    rows = _rows(shared_file(VALUES))
    print(
        f"UK values: {len(rows)} rows parsed in {elapsed:.2f}s ({len(rows) / elapsed:,.0f} rows/s)"
    )
    pairs = {(r["licence_group"], r["rating"]) for r in rows}
    licences = [r for r in records if isinstance(r, Node) and r.type == "ExportLicence"]
    assert len({n.id for n in licences}) == len(pairs) == 96311
    refused = sum(r["refused"] == "1" for r in rows)
    assert sum(n.props["decision"] == "refused" for n in licences) == refused == 1411
    edges = [r for r in records if isinstance(r, Edge)]
    assert sum(e.type == "LICENSED_BY" for e in edges) == len(licences)
    gb = state_node(country("GB"), Provenance("x")).id
    assert {e.target for e in edges if e.type == "LICENSED_BY"} == {gb}
    # Every licence has a DESTINATION, or a Rejected on its line for the field `country`.
    unresolved = [r for r in records if isinstance(r, Rejected)]
    assert all(r.field == "country" and r.location.startswith("line ") for r in unresolved)
    assert sum(e.type == "DESTINATION" for e in edges) + len(unresolved) == len(rows)
    channel = sum(r["country"] == "Channel Islands" for r in rows)
    assert sum("'Channel Islands'" in r.message for r in unresolved) == channel
    # Hong Kong SAR is HK.
    hk_rows = sum(r["country"] == "Hong Kong Special Administrative Region" for r in rows)
    hk = state_node(country("HK"), Provenance("x")).id
    assert sum(e.type == "DESTINATION" and e.target == hk for e in edges) == hk_rows > 0


def test_values_dates_and_ratings(parsed: tuple[list[Node | Edge | Rejected], float]) -> None:
    records, _ = parsed
    ratings = {r["rating"]: r["short_description"] for r in _rows(shared_file(RATINGS))}
    licences = [r for r in records if isinstance(r, Node) and r.type == "ExportLicence"]
    first = licences[0].props
    assert first == {
        "ref": "UK-CAAT/1",
        "control_code": "ML10",
        "control_description": ratings["ML10"],
        "decision": "granted",
        "currency": "GBP",
        "decision_date": "2008-01-02",
        "year": 2008,
        "count": 1,
        "value": 3540.0,
    }
    interception = [n for n in licences if n.props["control_code"] == "5A001"]
    assert interception and interception[0].props["control_description"] == ratings["5A001"]
    assert all("value" not in n.props for n in licences if n.props["decision"] == "refused")


def _slice(tmp_path: Path, n: int, name: str = "values.csv") -> Path:
    src = shared_file(VALUES)
    out = tmp_path / name
    with src.open(encoding="utf-8") as fh, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(fh):
            if i > n:
                break
            dst.write(line)
    return out


def test_builtin_ratings_without_companion_and_mangled_rows(tmp_path: Path) -> None:
    path = _slice(tmp_path, 50)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",0", ",7")  # refused = 7 (the only ",0" is the refused cell)
    lines[3] = "4,2008-01-02,ML1,lots,12.0,India,0"
    lines[4] = "5,02/01/2008,ML1,1,12.0,India,0"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = list(uk_export.parse(path))
    rejects = {
        (r.location, r.field) for r in records if isinstance(r, Rejected) and r.field != "country"
    }
    assert rejects == {("line 3", "refused"), ("line 4", "count"), ("line 5", "date")}
    licences = [r for r in records if isinstance(r, Node) and r.type == "ExportLicence"]
    assert len(licences) == 50 - 3
    ml10 = next(n for n in licences if n.props["control_code"] == "ML10")
    assert ml10.props["control_description"] == uk_export.BUILTIN_RATINGS["ML10"]


def test_companion_ratings_file_is_used_when_beside(tmp_path: Path) -> None:
    path = _slice(tmp_path, 5)
    shutil.copy(shared_file(RATINGS), tmp_path / RATINGS)
    ratings = uk_export.control_ratings(path)
    assert ratings["5A001"] == 'Telecommunications and "information security"'


def test_slice_load_counts_and_idempotence(tmp_path: Path, empty_store: Store) -> None:
    path = _slice(tmp_path, 3000)
    rows = _rows(path)
    records = list(uk_export.parse(path))
    started = time.perf_counter()
    Writer(empty_store, origin=path.name).write(records)
    elapsed = time.perf_counter() - started
    written = sum(not isinstance(r, Rejected) for r in records)
    print(f"UK slice: {written} records written in {elapsed:.1f}s ({written / elapsed:,.0f}/s)")
    counts = empty_store.counts()
    assert counts["ExportLicence"] == len({(r["licence_group"], r["rating"]) for r in rows})
    assert counts["LICENSED_BY"] == len(rows)
    destinations = sum(isinstance(r, Edge) and r.type == "DESTINATION" for r in records)
    assert counts["DESTINATION"] == destinations
    assert counts["State"] == len(
        {r.id for r in records if isinstance(r, Node) and r.type == "State"}
    )
    again = Writer(empty_store, origin=path.name).write(records)
    assert again.total("created") == 0
    assert empty_store.counts() == counts
