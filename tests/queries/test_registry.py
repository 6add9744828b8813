"""The registry of queries, every query on an empty store, and the CLI's table and JSON."""

from __future__ import annotations

import pytest

from graph.store import Store
from queries import QUERIES
from queries.coverage import sanctions_coverage
from queries.hosts import host_collaboration
from queries.licences import licences_to_tnr_states
from queries.neighbourhood import neighbourhood
from queries.search import SearchIndex, search
from queries.trends import incidents_per_year
from queries.vendor_chains import vendor_chains


def test_registry_and_empty_store(empty_store: Store) -> None:
    assert set(QUERIES) >= {
        "vendor-chains",
        "coverage",
        "hosts",
        "trends",
        "licences",
        "neighbourhood",
        "shortest-path",
        "subgraph",
        "search",
    }
    assert vendor_chains(empty_store) == []
    assert sanctions_coverage(empty_store).groups == ()
    assert host_collaboration(empty_store) == []
    assert incidents_per_year(empty_store).total == 0
    assert licences_to_tnr_states(empty_store) == []
    assert SearchIndex(empty_store).refresh().search("anything") == []
    with pytest.raises(ValueError):
        neighbourhood(empty_store, "not-an-id")


def test_cli_prints_a_table_and_json(
    g: dict[str, str], store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.query import emit, out

    out.width = 250
    cov = sanctions_coverage(store, "origin")
    emit("coverage", cov, as_json=False)
    table = capsys.readouterr().out
    assert "Russia" in table and "HR" in table
    emit("search", search(store, "Pegasus", refresh=True), as_json=True)
    assert '"type": "Product"' in capsys.readouterr().out
