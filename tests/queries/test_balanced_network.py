"""Balanced neighbourhoods: a cut keeps every type, and says what it left out.

Bahrain's depth-1 neighbourhood on the real files is hundreds of UK export licences, its
FinFisher sale and its Pegasus incidents; a small limit used to keep only licences. The
expected figures come from the CSV files (csv) and a hand-written Cypher count.
"""

from __future__ import annotations

import asyncio
import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.graphql import build_schema
from api.graphql.context import Context
from graph.hidden import changed as visibility_changed
from graph.ids import make_id
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer
from loaders import registry
from queries.neighbourhood import neighbourhood
from tests.shared import shared_file

UK = "uk_export_licence_values_2008-2015.csv"
PEGASUS = "data-pegasus-victims.csv"
FINFISHER = "spyfiles_customers_of_finfisher.csv"
CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
BH = make_id("State", "BH")
SCHEMA = build_schema()
LIMIT = 30


def _bahrain_rows() -> list[dict[str, str]]:
    with shared_file(UK).open(encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["country"] == "Bahrain"]


@pytest.fixture(scope="module")
def bahrain(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    subset = tmp_path_factory.mktemp("uk") / UK
    rows = _bahrain_rows()
    with subset.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    loaders = registry()
    store.bind_ogm()
    store.wipe()
    for name, path in (
        ("curated", CURATED),
        ("spyware-victims", shared_file(PEGASUS)),
        ("finfisher-customers", shared_file(FINFISHER)),
        ("uk-export-licences", subset),
    ):
        Writer(store).write(loaders[name].parse(path))
    visibility_changed(store)
    yield store
    store.wipe()
    visibility_changed(store)


def _around(store: Store) -> dict[str, set[str]]:
    """Bahrain's neighbours by type, by hand."""
    out: dict[str, set[str]] = {}
    for r in store.read("MATCH (s:State {id: $id})-[]-(m) RETURN DISTINCT m.id AS id", id=BH):
        out.setdefault(store.schema.type_of_id(r["id"]), set()).add(r["id"])
    return out


def test_a_cut_neighbourhood_of_bahrain_keeps_the_sale_and_the_incidents(bahrain: Store) -> None:
    around = _around(bahrain)
    licences = _bahrain_rows()
    assert len(around["ExportLicence"]) == len(
        {(r["licence_group"], r["rating"]) for r in licences}
    )
    with shared_file(PEGASUS).open(encoding="utf-8", newline="") as fh:
        operated = sum(1 for r in csv.DictReader(fh) if "Bahrain" in r["operator"].split("; "))
    assert len(around["Incident"]) >= operated > 0
    assert around.get("Sale")  # the FinFisher customer
    assert sum(len(v) for v in around.values()) > LIMIT

    graph = neighbourhood(bahrain, BH, depth=1, limit=LIMIT)
    kept = Counter(n.type for n in graph.nodes if n.id != BH)
    assert len(graph.nodes) == LIMIT and graph.truncated
    assert set(kept) == set(around)  # every type is represented
    ids = {n.id for n in graph.nodes}
    assert around["Incident"] <= ids and around["Sale"] <= ids
    left = {x.type: x.count for x in graph.left_out}
    assert left == {t: len(v) - kept[t] for t, v in around.items() if len(v) > kept[t]}
    assert left["ExportLicence"] + kept["ExportLicence"] == len(licences)
    # the edges are those to the nodes kept
    assert all(BH in (e.source, e.target) for e in graph.edges)
    assert {e.source if e.target == BH else e.target for e in graph.edges} == ids - {BH}


def test_an_uncut_neighbourhood_leaves_nothing_out(bahrain: Store) -> None:
    around = _around(bahrain)
    graph = neighbourhood(bahrain, BH, depth=1, limit=1000)
    assert not graph.truncated and graph.left_out == ()
    assert {n.id for n in graph.nodes} == {BH}.union(*around.values())


def test_a_limit_below_the_number_of_types_keeps_the_most_relevant(bahrain: Store) -> None:
    around = _around(bahrain)
    ranked = sorted(around, key=lambda t: (bahrain.schema.node(t).relevance, t))
    assert ranked[0] == "Incident" and ranked[-1] == "ExportLicence"
    graph = neighbourhood(bahrain, BH, depth=1, limit=3)
    assert [n.type for n in graph.nodes[1:]] == ranked[:2]
    left = {x.type: x.count for x in graph.left_out}
    assert left["Incident"] == len(around["Incident"]) - 1
    assert left["ExportLicence"] == len(around["ExportLicence"])
    assert [x.type for x in graph.left_out] == [t for t in ranked if t in left]


def _gql(store: Store, query: str, role: Role, **variables: Any) -> dict[str, Any]:
    ctx = Context.create(store, store.schema)
    ctx.role = role
    result = asyncio.run(SCHEMA.execute(query, variable_values=variables, context_value=ctx))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def test_the_graphql_neighbourhood_reports_what_it_left_out(bahrain: Store) -> None:
    around = _around(bahrain)
    query = """query($id: ID!, $limit: Int!) { neighbourhood(id: $id, limit: $limit) {
      truncated nodes { id type } leftOut { type count } } }"""
    for role in (Role.PUBLIC, Role.ANALYST):
        got = _gql(bahrain, query, role, id=BH, limit=LIMIT)["neighbourhood"]
        kept = Counter(n["type"] for n in got["nodes"] if n["id"] != BH)
        assert got["truncated"] and set(kept) == set(around)
        assert {x["type"]: x["count"] for x in got["leftOut"]} == {
            t: len(v) - kept[t] for t, v in around.items() if len(v) > kept[t]
        }


def test_a_cut_within_a_window_counts_only_what_is_dated_in_it(bahrain: Store) -> None:
    in_window = [r for r in _bahrain_rows() if "2012" <= r["date"][:4] <= "2013"]
    assert 0 < len(in_window) < len(_bahrain_rows())
    graph = neighbourhood(bahrain, BH, depth=1, start=2012, end=2013, limit=LIMIT)
    kept = Counter(n.type for n in graph.nodes if n.id != BH)
    left = {x.type: x.count for x in graph.left_out}
    assert kept["ExportLicence"] + left["ExportLicence"] == len(in_window)
    assert all(
        2012 <= int(n.properties["year"]) <= 2013 for n in graph.nodes if n.type == "ExportLicence"
    )
    # only types: a cut of licences alone is still counted
    only = neighbourhood(bahrain, BH, depth=1, types=["ExportLicence"], limit=10)
    assert {n.type for n in only.nodes[1:]} == {"ExportLicence"} and len(only.nodes) == 10
    assert [(x.type, x.count) for x in only.left_out] == [
        ("ExportLicence", len(_bahrain_rows()) - 9)
    ]
