"""Neighbourhoods, shortest paths and subgraphs on the small graph."""

from __future__ import annotations

import pytest

from graph.store import Store
from queries.neighbourhood import neighbourhood
from queries.network import subgraph
from queries.paths import shortest_path


# -- network -----------------------------------------------------------------------------------
def test_neighbourhood_depth_types_and_limits(g: dict[str, str], store: Store) -> None:
    one = neighbourhood(store, g["fsb"], depth=1)
    ids = {n.id for n in one.nodes}
    assert g["RU"] in ids and g["official"] in ids and g["ru1"] in ids and g["GE"] not in ids
    assert all(e.id.startswith("rel_") for e in one.edges)
    part_of = next(e for e in one.edges if e.type == "PART_OF")
    assert (part_of.source, part_of.target) == (g["fsb"], g["RU"])
    two = neighbourhood(store, g["fsb"], depth=2)
    assert g["GE"] in {n.id for n in two.nodes}
    only = neighbourhood(store, g["fsb"], depth=2, types=["Incident", "Tactic"])
    assert {n.type for n in only.nodes} == {"Agency", "Incident", "Tactic"}
    dated = neighbourhood(store, g["fsb"], depth=1, start=2022, end=2024)
    assert {n.id for n in dated.nodes if n.type == "Incident"} == {g["ru3"], g["ru5"]}
    small = neighbourhood(store, g["RU"], depth=2, limit=3)
    assert len(small.nodes) == 3 and small.truncated
    with pytest.raises(ValueError, match="depth must be between 1 and 3"):
        neighbourhood(store, g["fsb"], depth=4)
    cy = one.to_cytoscape()
    assert {"id", "type", "label"} <= set(cy["nodes"][0]["data"])
    assert {"source", "target"} <= set(cy["edges"][0]["data"])


def test_shortest_path_and_subgraph(g: dict[str, str], store: Store) -> None:
    path = shortest_path(store, g["RU"], g["official"])
    assert path.found and path.length == 2
    assert [n.id for n in path.graph.nodes] == [g["RU"], g["fsb"], g["official"]]
    assert [e.type for e in path.graph.edges] == ["PART_OF", "MEMBER_OF"]
    assert not shortest_path(store, g["gamma"], g["official"], max_length=3).found
    with pytest.raises(ValueError, match="max_length"):
        shortest_path(store, g["RU"], g["official"], max_length=7)
    sub = subgraph(store, [g["gamma"], g["finspy"], g["sale"], g["nso"]])
    assert [n.label for n in sub.nodes] == [
        "Gamma Group",
        "FinSpy",
        "sale-gamma-qatar",
        "NSO Group",
    ]
    assert {e.type for e in sub.edges} == {"MAKES", "SOLD", "SELLER"}
