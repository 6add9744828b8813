"""The GraphQL API against the work it wraps, measured side by side in the same run.

    python -m benchmarks.api [--relations N] [--repeat R]

A synthetic graph (benchmarks/synthetic.py, written through the Writer into an embedded
engine in a temporary directory) of about N relations. Three comparisons:

1. a list of 10,000 objects with 5 fields: `incidents(first: 10000)` executed by the
   schema and serialised with json.dumps, against the same Cypher read, building the
   same dicts and json.dumps (the GraphQL layer alone is also shown);
2. a nested query, state -> incidents -> targets -> tactics: store round trips and
   time, against one hand-written Cypher query;
3. `neighbourhood` at depth 2 and 3 through the API, against the raw Cypher
   (variable-length match) on the same engine.

All figures are ratios of times measured in this run (best of R).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.graphql import QueryLimits, build_schema
from api.graphql.context import Context
from benchmarks.synthetic import generate
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer

N_LIST = 10_000
#: The list benchmark asks for one page of 10,000: the API's limits, raised for it.
LIMITS = QueryLimits(max_page=N_LIST, max_cost=10 * N_LIST)

LIST_QUERY = """
query($n: Int!) { incidents(first: $n) { edges { node { id ref title year date } } } }
"""
LIST_CYPHER = "MATCH (n:`Incident`) RETURN properties(n) AS p ORDER BY n.id LIMIT $n"
NESTED_QUERY = """
query($id: ID!) {
  state(id: $id) {
    name
    incomingOriginState(first: 200) { node { ... on Incident {
      id title year
      targeted(first: 20) { node { ... on Person { id name } ... on Organization { id name } } }
      usedTactic(first: 20) { node { ... on Tactic { code name } } }
    } } }
  }
}"""
NESTED_CYPHER = """
MATCH (s:State {id: $id})<-[:ORIGIN_STATE]-(i:Incident)
WITH s, i ORDER BY i.id LIMIT 200
OPTIONAL MATCH (i)-[:TARGETED]->(t)
WITH s, i, collect(DISTINCT {id: t.id, name: t.name})[0..20] AS targets
OPTIONAL MATCH (i)-[:USED_TACTIC]->(c:Tactic)
RETURN s.name AS state, i.id AS id, i.title AS title, i.year AS year, targets,
       collect(DISTINCT {code: c.code, name: c.name})[0..20] AS tactics
"""
NETWORK_QUERY = """
query($id: ID!, $depth: Int!) {
  neighbourhood(id: $id, depth: $depth, limit: 5000) {
    nodes { id type label properties } edges { id type source target properties } truncated
  }
}"""
NETWORK_CYPHER = (
    "MATCH (s:State {{id: $id}})-[rs*1..{depth}]-(m) WITH DISTINCT m LIMIT 5000 "
    "RETURN m.id AS id, labels(m) AS l, properties(m) AS p"
)


def best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


class Counting:
    """Counts the reads of a store (round trips to the engine)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.reads = 0
        self._read = store.read

        def read(query: str, **params: Any) -> list[dict[str, Any]]:
            self.reads += 1
            return self._read(query, **params)

        setattr(store, "read", read)  # noqa: B010


def run(store: Store, query: str, **variables: Any) -> dict[str, Any]:
    schema = SCHEMA
    ctx = Context.create(store, store.schema, max_page=LIMITS.max_page)
    ctx.role = Role.ANALYST  # no redaction work: the API's own cost
    result = asyncio.run(schema.execute(query, variable_values=variables, context_value=ctx))
    if result.errors:
        raise RuntimeError(result.errors)
    assert result.data is not None
    return result.data


SCHEMA = build_schema(limits=LIMITS)


def bench(store: Store, repeat: int) -> None:
    counts = store.counts()
    print(f"graph: {sum(counts.values())} nodes, {counts.get('Incident', 0)} incidents")
    n = min(N_LIST, counts.get("Incident", 0))

    # 1. A list of n objects with 5 fields.
    rows = store.read(LIST_CYPHER, n=n)

    def baseline_build() -> str:
        return json.dumps(
            [
                {
                    "id": p["id"],
                    "ref": p.get("ref"),
                    "title": p.get("title"),
                    "year": p.get("year"),
                    "date": p.get("date"),
                }
                for p in (r["p"] for r in rows)
            ]
        )

    def baseline() -> str:
        fetched = store.read(LIST_CYPHER, n=n)
        return json.dumps(
            [
                {
                    "id": p["id"],
                    "ref": p.get("ref"),
                    "title": p.get("title"),
                    "year": p.get("year"),
                    "date": p.get("date"),
                }
                for p in (r["p"] for r in fetched)
            ]
        )

    def api() -> str:
        return json.dumps(run(store, LIST_QUERY, n=n))

    assert len(json.loads(api())["incidents"]["edges"]) == n
    t_cypher = best(lambda: store.read(LIST_CYPHER, n=n), repeat)
    t_build = best(baseline_build, repeat)
    t_base = best(baseline, repeat)
    t_api = best(api, repeat)
    print(f"\n1. list of {n} objects x 5 fields")
    print(
        f"   Cypher read {t_cypher * 1e3:.0f} ms, dicts + json.dumps {t_build * 1e3:.0f} ms, "
        f"API {t_api * 1e3:.0f} ms"
    )
    print(f"   API / (read + dicts + json.dumps) = {t_api / t_base:.1f}x")
    print(
        f"   GraphQL layer alone / (dicts + json.dumps) = {max(t_api - t_cypher, 0) / t_build:.1f}x"
    )

    # 2. Nested: the state with most incidents -> incidents -> targets -> tactics.
    hub = store.read(
        "MATCH (i:Incident)-[:ORIGIN_STATE]->(s:State) RETURN s.id AS id, count(i) AS c "
        "ORDER BY c DESC LIMIT 1"
    )[0]["id"]
    counter = Counting(store)
    run(store, NESTED_QUERY, id=hub)
    trips = counter.reads
    counter.reads = 0
    store.read(NESTED_CYPHER, id=hub)
    one = counter.reads
    t_nested_api = best(lambda: run(store, NESTED_QUERY, id=hub), repeat)
    t_nested_cypher = best(lambda: json.dumps(store.read(NESTED_CYPHER, id=hub)), repeat)
    print("\n2. nested state -> 200 incidents -> targets -> tactics")
    print(f"   round trips: API {trips}, hand-written Cypher {one}")
    print(
        f"   API {t_nested_api * 1e3:.0f} ms, Cypher {t_nested_cypher * 1e3:.0f} ms: "
        f"{t_nested_api / t_nested_cypher:.1f}x"
    )

    # 3. neighbourhood at depth 2 and 3 of a mid-sized state.
    mid = store.read(
        "MATCH (i:Incident)-[:ORIGIN_STATE]->(s:State) WITH s, count(i) AS c "
        "ORDER BY c DESC SKIP 20 LIMIT 1 RETURN s.id AS id"
    )[0]["id"]
    print("\n3. neighbourhood of a state (limit 5000 nodes)")
    for depth in (2, 3):
        cypher = NETWORK_CYPHER.format(depth=depth)
        found = run(store, NETWORK_QUERY, id=mid, depth=depth)["neighbourhood"]
        raw = store.read(cypher, id=mid)
        t_net_api = best(lambda d=depth: run(store, NETWORK_QUERY, id=mid, depth=d), repeat)  # type: ignore[misc]
        t_net_raw = best(lambda c=cypher: store.read(c, id=mid), repeat)  # type: ignore[misc]
        print(
            f"   depth {depth}: API {len(found['nodes'])} nodes / {len(found['edges'])} edges "
            f"in {t_net_api * 1e3:.0f} ms; raw Cypher {len(raw)} nodes in "
            f"{t_net_raw * 1e3:.0f} ms: {t_net_api / t_net_raw:.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relations", type=int, default=105_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tnr-bench-api-") as tmp:
        settings = Settings.from_env({"TNR_DATA_DIR": str(Path(tmp)), "TNR_ENGINE_HEAP": "2g"})
        with Store.open(settings, bind_ogm=False) as store:
            store.ensure_schema()
            started = time.perf_counter()
            Writer(store).write(generate(relations=args.relations, seed=1))
            print(
                f"wrote {args.relations} synthetic relations in "
                f"{time.perf_counter() - started:.0f} s"
            )
            bench(store, args.repeat)


if __name__ == "__main__":
    main()
