"""The four spyware-trade loaders through the shared writer into an empty store.

Counts in the graph are compared with numbers read from the files here with
csv/json, and a second load must create nothing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from graph.records import Provenance
from graph.store import Store
from graph.writer import Writer
from loaders import finfisher, pegasus, spyfiles, stix
from loaders.common import state_node
from loaders.countries import country
from tests.shared import shared_file


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _split(cell: str, sep: str) -> list[str]:
    return [p.strip() for p in cell.split(sep) if p.strip()]


def _pegasus(path: Path) -> dict[str, int]:
    rows = _rows(path)
    operators = [_split(r["operator"], ";") for r in rows]
    return {
        "Incident": len(rows),
        "Person": len({r["name"] or r["code_name"] for r in rows}),
        "State": len({o for ops in operators for o in ops}),
        "Product": 1,
        "Vendor": 1,
        "Tactic": 1,
        "Source": 1 + len({u for r in rows for u in _split(r["sources"], ";")}),
        "TARGETED": len(rows),
        "USED_PRODUCT": len(rows),
        "USED_TACTIC": len(rows),
        "ORIGIN_STATE": sum(len(ops) for ops in operators),
        "OPERATED_BY": 8,
        "MAKES": 1,
    }


def _finfisher(path: Path) -> dict[str, int]:
    rows = [r for r in _rows(path) if r["ID"].isdigit()]
    sales = [r for r in rows if r["Number of Licenses"] not in ("", "0") or r["Software Purchased"]]
    attributed = [r["Country Attribution"] for r in rows if r["Country Attribution"].strip()]
    products = {p for r in rows for p in _split(r["Software Purchased"], ",")}
    sold = {(r["ID"], p) for r in sales for p in _split(r["Software Purchased"], ",")}
    agencies = 6  # Qatar SSB, Netherlands KLPD, Australia NSW Police, Singapore PCS Security, ...
    return {
        "Sale": len(sales),
        "SELLER": len(sales),
        "Vendor": 1,
        "Source": 1,
        "Product": len(products),
        "MAKES": len(products),
        "SOLD": len(sold),
        "VARIANT_OF": int({"FinSpy", "FinSpy Mobile"} <= products),
        "State": len({a.split()[0] for a in attributed}),
        "Agency": agencies,
        "PART_OF": agencies,
        "BUYER": len(attributed) + agencies,
    }


def _spyfiles(path: Path) -> dict[str, int]:
    rows = _rows(path)
    vendors = {v for r in rows for v in _split(r["Company"], ",")}
    countries = {c for r in rows for c in _split(r["Country Codes"], ",")} - {"Global"}
    aliases = {"FinUSB": "FinUSB Suite"}  # FinSpy Mobile is a product of its own
    products = {aliases.get(p, p) for r in rows for p in _split(r["Product"], ",")} - {"Misc"}
    links = {
        (v, c)
        for r in rows
        for v in _split(r["Company"], ",")
        for c in _split(r["Country Codes"], ",")
        if c != "Global"
    }
    return {
        "Source": 1 + len(rows),
        "Vendor": len(vendors),
        "Product": len(products),
        "MAKES": len(products),
        "State": len(countries),
        "LINKED_TO": len(links),
        "VARIANT_OF": int({"FinSpy", "FinSpy Mobile"} <= products),
    }


def _stix(path: Path) -> dict[str, int]:
    objects = json.loads(path.read_text(encoding="utf-8"))["objects"]
    return {
        "Source": 1,
        "Product": sum(o["type"] in ("malware", "tool") for o in objects),
        "Vendor": 1,
        "MAKES": 1,
        "Indicator": sum(o["type"] == "indicator" for o in objects),
        "INDICATES": sum(o.get("relationship_type") == "indicates" for o in objects),
    }


CASES: list[tuple[str, Callable[[Path], object], Callable[[Path], dict[str, int]]]] = [
    ("data-pegasus-victims.csv", pegasus.parse, _pegasus),
    ("spyfiles_customers_of_finfisher.csv", finfisher.parse, _finfisher),
    ("spyfiles_leaked_company_documents.csv", spyfiles.parse, _spyfiles),
    ("amnesty_cytrox_predator.stix2", stix.parse, _stix),
]


@pytest.mark.parametrize(("name", "parse", "expected"), CASES, ids=[c[0] for c in CASES])
def test_load_counts_and_reload_creates_nothing(
    empty_store: Store,
    name: str,
    parse: Callable[[Path], object],
    expected: Callable[[Path], dict[str, int]],
) -> None:
    path = shared_file(name)
    writer = Writer(empty_store, origin=name)
    first = writer.write(parse(path))  # type: ignore[arg-type]
    by_writer = {
        t: c.rejected for t, c in first.counts.items() if t != "(unreadable)" and c.rejected
    }
    assert by_writer == {}, [str(r) for r in first.rejects[:5]]
    # Only the DUMMY row of the FinFisher file is the loaders' own reject.
    assert first.counts["(unreadable)"].rejected == (name == "spyfiles_customers_of_finfisher.csv")
    counts = empty_store.counts()
    assert counts.pop("Load") == 1  # the load itself is recorded (graph/writer.py)
    want = expected(path)
    assert {k: counts[k] for k in want} == want
    assert sum(counts.values()) == sum(want.values()), "nothing else in the graph"
    again = writer.write(parse(path))  # type: ignore[arg-type]
    assert again.total("created") == 0 and again.total("updated") == 0
    after = empty_store.counts()
    after.pop("Load")
    assert after == counts


def test_pegasus_uae_is_the_iso_state(empty_store: Store) -> None:
    Writer(empty_store).write(pegasus.parse(shared_file("data-pegasus-victims.csv")))
    uae = state_node(country("AE"), Provenance("x"))
    rows = empty_store.read(
        "MATCH (s:State {id: $id}) RETURN s.code AS code, s.aliases AS aliases", id=uae.id
    )
    assert len(rows) == 1 and rows[0]["code"] == "AE" and "UAE" in rows[0]["aliases"]
    origin = empty_store.read(
        "MATCH (i:Incident)-[:ORIGIN_STATE]->(s:State {code: 'AE'}) RETURN count(i) AS c"
    )[0]["c"]
    assert origin == sum(
        r["operator"] == "UAE" for r in _rows(shared_file("data-pegasus-victims.csv"))
    )
