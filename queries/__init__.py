"""Each question the graph answers, defined once; the API and the CLI wrap these.

Every function takes a `graph.store.Store` first and returns frozen dataclasses
(JSON-friendly through `dataclasses.asdict`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Modules, not their functions: `queries.search`, `queries.vendor_chains` and
# `queries.neighbourhood` must stay the modules (a function of the same name bound here
# would shadow them).
from queries import (
    coverage,
    designations,
    hosts,
    licences,
    neighbourhood,
    network,
    paths,
    search,
    trends,
    vendor_chains,
)

QUERIES: dict[str, Callable[..., Any]] = {
    "vendor-chains": vendor_chains.vendor_chains,
    "coverage": coverage.sanctions_coverage,
    "designations-by-origin": designations.designations_by_origin,
    "hosts": hosts.host_collaboration,
    "trends": trends.incidents_per_year,
    "period": trends.incidents_in_period,
    "compare-periods": trends.compare_periods,
    "statistics": trends.stated_figures,
    "licences": licences.licences_to_tnr_states,
    "neighbourhood": neighbourhood.neighbourhood,
    "shortest-path": paths.shortest_path,
    "subgraph": network.subgraph,
    "search": search.search,
}

__all__ = ["QUERIES"]
