"""The read step: each query through the HTTP API against its own Cypher through the driver."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks.figures import ReadResult, pct
from graph.store import Store
from queries import coverage, neighbourhood, paths, vendor_chains

NEIGHBOURHOOD_LIMIT = 1000
#: Seconds one read case may take (both sides); past it, at least MIN_RUNS runs are kept.
CASE_BUDGET_S = 10.0
MIN_RUNS = 3

NEIGHBOURHOOD = """query($id: ID!, $depth: Int!, $limit: Int!) {
  neighbourhood(id: $id, depth: $depth, limit: $limit) {
    nodes { id type label properties } edges { id type source target } truncated } }"""
SHORTEST = """query($a: ID!, $b: ID!) {
  shortestPath(from: $a, to: $b) { found length graph { nodes { id type label } edges { id type } } } }"""
COVERAGE = """{ sanctionsCoverage(by: ORIGIN) {
  incidents perpetrators designated gaps
  groups { key label incidents perpetrators designated gap incidentIds } } }"""
CHAINS = """{ vendorChains(first: 100) { totalCount nodes {
  vendor { id } product { id } customer { id } link incidentCount targetCount years } } }"""


def recorded_reads(
    store: Store, fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> list[tuple[str, dict[str, Any]]]:
    """The Cypher statements (with parameters) that `fn(store, ...)` sends through store.read."""
    calls: list[tuple[str, dict[str, Any]]] = []
    original = store.read

    def read(query: str, **params: Any) -> list[dict[str, Any]]:
        calls.append((query, params))
        return original(query, **params)

    setattr(store, "read", read)  # noqa: B010
    try:
        fn(store, *args, **kwargs)
    finally:
        del store.__dict__["read"]
    return calls


def graphql(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    r = client.post("/graphql", json={"query": query, "variables": variables})
    r.raise_for_status()
    body: dict[str, Any] = r.json()
    if body.get("errors"):
        raise RuntimeError(f"the API answered errors: {body['errors']}")
    return body


# -- one scale ------------------------------------------------------------------------------
def pick_ids(store: Store) -> dict[str, str]:
    """Nodes the read benchmarks start from: a busy origin state, a vendor, a regime."""
    states = store.read(
        "MATCH (i:Incident)-[:ORIGIN_STATE]->(s:State) RETURN s.id AS id, count(i) AS c "
        "ORDER BY c DESC, id LIMIT 3"
    )
    vendor = store.read(
        "MATCH (v:Vendor)-[:MAKES]->(p:Product) RETURN v.id AS id, count(p) AS c "
        "ORDER BY c DESC, id LIMIT 1"
    )
    regime = store.read("MATCH (r:SanctionRegime) RETURN r.id AS id ORDER BY id LIMIT 1")
    ids = {"state": states[-1]["id"], "vendor": vendor[0]["id"], "regime": regime[0]["id"]}
    # The path: the first of these pairs that is connected (at small scales some are not).
    pairs = [("vendor", "regime"), ("vendor", "state"), ("state", "regime")]
    for a, b in pairs:
        if paths.shortest_path(store, ids[a], ids[b]).found:
            ids["from"], ids["to"], ids["path"] = ids[a], ids[b], f"{a} → {b}"
            break
    else:
        ids["from"], ids["to"], ids["path"] = ids["vendor"], ids["regime"], "vendor → regime"
    return ids


def bench_reads(
    store: Store, client: httpx.Client, ids: dict[str, str], reps: int, lite: bool = False
) -> list[ReadResult]:
    """The read cases; `lite` (the big scales): only shortestPath, whose cost does not grow
    with the graph, so that the scale step measures the load within the run's time."""
    cases: list[
        tuple[
            str,
            str,
            dict[str, Any],
            Callable[..., Any],
            tuple[Any, ...],
            dict[str, Any],
            Callable[[dict[str, Any]], str],
        ]
    ] = []

    def net_size(d: dict[str, Any]) -> str:
        g = d["neighbourhood"]
        return f"{len(g['nodes'])} nodes, {len(g['edges'])} edges" + (
            " (truncated)" if g["truncated"] else ""
        )

    for depth in () if lite else (2, 3):
        cases.append(
            (
                f"neighbourhood depth {depth}",
                NEIGHBOURHOOD,
                {"id": ids["state"], "depth": depth, "limit": NEIGHBOURHOOD_LIMIT},
                neighbourhood.neighbourhood,
                (ids["state"],),
                {"depth": depth, "limit": NEIGHBOURHOOD_LIMIT},
                net_size,
            )
        )
    cases.append(
        (
            f"shortestPath {ids['path']}",
            SHORTEST,
            {"a": ids["from"], "b": ids["to"]},
            paths.shortest_path,
            (ids["from"], ids["to"]),
            {},
            lambda d: f"length {d['shortestPath']['length']}",
        )
    )
    if not lite:
        cases.append(
            (
                "sanctionsCoverage by origin",
                COVERAGE,
                {},
                coverage.sanctions_coverage,
                ("origin",),
                {},
                lambda d: f"{len(d['sanctionsCoverage']['groups'])} groups",
            )
        )
        cases.append(
            (
                "vendorChains first 100",
                CHAINS,
                {},
                vendor_chains.vendor_chains,
                (),
                {"limit": 100},
                lambda d: f"{len(d['vendorChains']['nodes'])} chains",
            )
        )

    results = []
    for name, query, variables, fn, args, kwargs, size in cases:
        calls = recorded_reads(store, fn, *args, **kwargs)
        described = size(graphql(client, query, **variables)["data"])  # warm-up, and checked

        def replay(calls: list[tuple[str, dict[str, Any]]] = calls) -> None:
            for q, p in calls:
                store.read(q, **p)

        replay()
        api_t: list[float] = []
        cypher_t: list[float] = []
        began = time.perf_counter()
        for i in range(reps):  # interleaved: both sides see the same noise
            if i >= MIN_RUNS and time.perf_counter() - began > CASE_BUDGET_S:
                break
            t0 = time.perf_counter()
            graphql(client, query, **variables)
            api_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            replay()
            cypher_t.append(time.perf_counter() - t0)
        results.append(ReadResult(name, api_t, cypher_t, len(calls), described))
        print(
            f"    {name}: API p50 {pct(api_t, 50) * 1e3:.1f} ms, "
            f"Cypher p50 {pct(cypher_t, 50) * 1e3:.1f} ms",
            file=sys.stderr,
        )
    return results
