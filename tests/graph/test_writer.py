"""The shared writer: batching, deferred relations, progress, and failing batches."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import ManagedTransaction
from neo4j.exceptions import TransientError

from graph.records import Edge, Node, Provenance, source_node
from graph.store import Store
from graph.writer import WriteError, Writer

SRC = source_node("seed:writer-test", "Writer test source")


def _states(n: int) -> list[Node]:
    prov = Provenance(SRC.id, "generated")
    return [Node("State", {"code": f"Q{i:03d}", "name": f"State {i}"}, prov) for i in range(n)]


def test_relations_before_their_nodes_are_written_once_the_nodes_arrive(empty_store: Store) -> None:
    prov = Provenance(SRC.id, "line 2")
    agency = Node("Agency", {"name": "GKNB", "state_code": "KG"}, prov)
    kg = Node("State", {"code": "KG", "name": "Kyrgyzstan"}, prov)
    # The relation comes first, in an earlier batch than both of its ends.
    records = [SRC, Edge("PART_OF", agency.id, kg.id, prov), *_states(5), agency, kg]
    seen: list[int] = []
    summary = Writer(empty_store, batch_size=3, progress=seen.append).write(records)
    assert summary.counts["PART_OF"].created == 1 and summary.total("rejected") == 0
    assert sum(seen) == len(records)


def test_a_failing_batch_writes_nothing_of_itself_and_keeps_earlier_batches(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [SRC, *_states(9)]
    calls = {"n": 0}
    original = Store.in_transaction

    def flaky(self: Store, work: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:

            def broken(tx: ManagedTransaction) -> Any:
                work(tx)  # everything of the batch is sent ...
                raise TransientError("engine went away")  # ... and then the commit fails

            return original(self, broken)
        return original(self, work)

    monkeypatch.setattr(Store, "in_transaction", flaky)
    with pytest.raises(WriteError, match="nothing of it was stored"):
        Writer(empty_store, batch_size=4, origin="states.csv").write(records)
    # Batch 1 (source + 3 states) landed; batch 2 (4 states) left no trace.
    assert empty_store.counts()["State"] == 3
    monkeypatch.undo()
    summary = Writer(empty_store, batch_size=4).write(records)
    assert summary.counts["State"].created == 6 and summary.counts["State"].unchanged == 3
    assert empty_store.counts()["State"] == 9


def test_duplicates_within_a_batch_are_merged_before_writing(empty_store: Store) -> None:
    p1, p2 = Provenance(SRC.id, "line 2"), Provenance(SRC.id, "line 9")
    a = Node("State", {"code": "AE", "name": "United Arab Emirates", "aliases": ["UAE"]}, p1)
    b = Node("State", {"code": "AE", "name": "United Arab Emirates", "aliases": ["Emirates"]}, p2)
    summary = Writer(empty_store).write([SRC, a, b])
    assert summary.counts["State"].created == 1
    row = empty_store.read("MATCH (s:State) RETURN s.aliases AS a, s.citations AS c")[0]
    assert row["a"] == ["UAE", "Emirates"]
    assert sorted(row["c"]) == sorted([f"{SRC.id}|line 2", f"{SRC.id}|line 9"])
