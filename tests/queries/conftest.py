"""The small graph of smallgraph.py, written once into the session store for the queries' tests."""

from __future__ import annotations

import pytest

from graph.records import Node
from graph.store import Store
from graph.writer import Writer
from tests.queries.smallgraph import graph_records


@pytest.fixture
def g(store: Store) -> dict[str, str]:
    """The test graph in the session store (written once, rewritten if a test emptied it)."""
    recs, ids = graph_records()
    expected = sum(1 for r in recs if isinstance(r, Node))
    if store.node_count() != expected:
        store.wipe()
        summary = Writer(store).write(recs)
        assert summary.total("rejected") == 0, [str(r) for r in summary.rejects]
    return ids
