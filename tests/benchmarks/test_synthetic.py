"""The synthetic graph generator: deterministic, schema-valid, skewed, and loadable as generated."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from benchmarks.synthetic import ORIGIN_HUBS, Tally, expected_counts, generate
from graph.records import Edge, Node
from graph.store import Store
from graph.validate import validate_edge, validate_node
from graph.writer import Writer


def test_same_seed_same_records_other_seed_other_records() -> None:
    first, again = list(generate(2000, seed=11)), list(generate(2000, seed=11))
    assert first == again
    other = list(generate(2000, seed=12))
    assert other != first


def test_relation_budget_is_met_exactly() -> None:
    for n in (0, 1, 999, 1000, 5000):
        tally = Tally()
        records = list(generate(n, seed=3, tally=tally))
        assert sum(isinstance(r, Edge) for r in records) == n
        assert sum(tally.relations.values()) == n


def test_generation_streams_without_building_the_graph_first() -> None:
    """The first records of a million-relation graph come at once (nothing is built up front)."""
    head = list(itertools.islice(generate(1_000_000, seed=1), 500))
    assert len(head) == 500


def test_every_record_fits_the_schema_and_cites_a_synthetic_source() -> None:
    records = list(generate(3000, seed=5))
    sources = {r.id: r for r in records if isinstance(r, Node) and r.type == "Source"}
    assert sources
    for src in sources.values():
        assert src.props["ref"].startswith("synthetic:") and "SYNTHETIC" in src.props["title"]
    seen: set[str] = set()
    for r in records:
        if isinstance(r, Node):
            validate_node(r)
            seen.add(r.id)
        else:
            validate_edge(r)
            assert r.source in seen and r.target in seen, "an edge came before its ends"
        assert r.provenance.source_id in sources


def test_each_node_and_relation_is_yielded_once() -> None:
    records = list(generate(5000, seed=8))
    ids = [r.id for r in records if isinstance(r, Node)]
    keys = [(r.type, r.source, r.target) for r in records if isinstance(r, Edge)]
    assert len(ids) == len(set(ids))
    assert len(keys) == len(set(keys))


def test_a_few_hub_states_carry_a_large_share_of_incidents() -> None:
    records = list(generate(20_000, seed=2))
    states = [r for r in records if isinstance(r, Node) and r.type == "State"]
    code = {s.id: s.props["code"] for s in states}
    origins = Counter(
        code[r.target] for r in records if isinstance(r, Edge) and r.type == "ORIGIN_STATE"
    )
    total = sum(origins.values())
    top = max(1, len(states) // 100)  # top 1% of the states
    top_share = sum(n for _, n in origins.most_common(top)) / total
    assert top_share > 0.25, origins.most_common(5)
    assert origins.most_common(1)[0][0] in ORIGIN_HUBS[:2]
    # and a long tail: many states are the origin of a few incidents
    assert len(origins) > 40


def test_hub_vendors_sell_most() -> None:
    records = list(generate(20_000, seed=4))
    sellers = Counter(r.target for r in records if isinstance(r, Edge) and r.type == "SELLER")
    vendors = sum(1 for r in records if isinstance(r, Node) and r.type == "Vendor")
    top = max(1, vendors // 10)
    assert sum(n for _, n in sellers.most_common(top)) / sum(sellers.values()) > 0.3


def test_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="relations"):
        generate(-1)


def test_a_1k_graph_loads_with_the_counts_the_generator_reports(empty_store: Store) -> None:
    tally = Tally()
    summary = Writer(empty_store, batch_size=500).write(generate(1000, seed=21, tally=tally))
    assert summary.total("rejected") == 0, summary.rejects[:3]
    stored = {k: v for k, v in empty_store.counts().items() if v}
    assert stored.pop("Load") == 1  # the load itself is recorded (graph/writer.py)
    assert stored == tally.counts()
    assert expected_counts(1000, seed=21) == tally.counts()
    assert sum(tally.relations.values()) == 1000
