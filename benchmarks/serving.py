"""Serving the full shared data: 32 clients, one heavy request beside light ones, search quality.

    python -m benchmarks.serving [--clients 32] [--seconds 30] [--per-client 40] [--out BENCHMARKS.md]
                                 [--engine embedded|neo4j]

(`python -m benchmarks` runs it too, unless --quick or --no-serving, and adds its section.)

A fresh embedded engine in a temporary directory gets every file of ../shared/data
(benchmarks/visibility.py `load_all`: the loaders and the writer, no entity resolution);
the app (benchmarks/server.py) then runs under uvicorn in a process of its own, on
127.0.0.1, attached to that engine, with its default limits (TNR_QUERY_TIMEOUT,
TNR_MAX_CONCURRENT_QUERIES). Measured in that one run:

- concurrency: C clients, each a bounded number of requests and for a bounded time, on a
  mix of real queries (licence page with totalCount and a controlCode filter, persons
  page, incidents with their targets, a neighbourhood, sanctionsCoverage, search), half
  of them public, half analyst; errors, timeouts (TIMEOUT or no answer), 503s, throughput,
  p50/p99 per query, against the trivial endpoint under the same C clients;
- starvation: a light page query's p50/p99 alone, and while one client asks a depth-3
  neighbourhood over and over; the ratio of the p99s;
- search: the first search after start (the index is built warm), and precision at 5 on
  labelled queries taken from the data (names, aliases, other scripts, misspellings).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks import mix
from benchmarks.mix import KEY, MIX
from benchmarks.quality import search_quality
from benchmarks.sections import update
from benchmarks.serving_report import Result, heading_for, report

ROOT = Path(__file__).resolve().parents[1]


def run(
    clients: int,
    seconds: float,
    per_client: int,
    runs: int,
    engine: str = "embedded",
    own: bool = False,
) -> Result:
    """`engine` "embedded": a fresh engine in a temporary directory; "neo4j": the Neo4j of
    NEO4J_URI (wiped first), else one started for the run."""
    os.environ.setdefault("TNR_REDACTION_KEY", "benchmark-key")
    if engine == "neo4j" and not os.environ.get("NEO4J_URI"):
        return _on_a_neo4j_of_its_own(clients, seconds, per_client, runs)
    if engine == "neo4j" and not own and os.environ.get("TNR_BENCH_ALLOW_WIPE") != "1":
        raise SystemExit(
            "NEO4J_URI is set: the benchmark wipes that database; "
            "set TNR_BENCH_ALLOW_WIPE=1 to allow it"
        )
    from benchmarks.process import Server
    from benchmarks.reads import pick_ids
    from benchmarks.visibility import load_all
    from graph.settings import Settings
    from graph.store import Store
    from queries.search import SearchIndex

    with tempfile.TemporaryDirectory(prefix="tnr-bench-serve-") as tmp:
        env = {**os.environ, "TNR_DATA_DIR": tmp}
        if engine == "embedded":
            env.pop("NEO4J_URI", None)
        env.setdefault("TNR_ENGINE_HEAP", "2g")
        settings = Settings.from_env(env)
        store = Store.open(settings)
        try:
            if engine == "neo4j":
                store.wipe()
            store.ensure_schema()
            t0 = time.perf_counter()
            load_all(store, True)
            load_s = time.perf_counter() - t0
            nodes = store.node_count()
            t0 = time.perf_counter()
            SearchIndex(store).refresh()
            index_build_s = time.perf_counter() - t0
            print("  search quality", file=sys.stderr, flush=True)
            quality = search_quality(store)
            ids = pick_ids(store)
            env = {**os.environ, "TNR_DATA_DIR": tmp, "TNR_API_KEYS": f"analyst:{KEY}"}
            if engine == "embedded":
                env.pop("NEO4J_URI", None)
            server = Server(Path(tmp), env)
            try:
                search_body = {"query": MIX["search Gamma Group"][0]}
                t0 = time.perf_counter()  # the server answers /health: the first search now
                httpx.post(
                    f"{server.base}/graphql",
                    timeout=300,
                    json=search_body,
                    headers={"Authorization": f"Bearer {KEY}"},
                ).raise_for_status()
                first_search_s = time.perf_counter() - t0
                t0 = time.perf_counter()  # the first public request reads what public may not see
                httpx.post(
                    f"{server.base}/graphql", timeout=300, json=search_body
                ).raise_for_status()
                first_public_s = time.perf_counter() - t0
                print("  starvation", file=sys.stderr, flush=True)
                starvation = mix.starvation(server.base, ids["state"], runs)
                print("  concurrency", file=sys.stderr, flush=True)
                analysts = asyncio.run(
                    mix.mixed(server.base, clients, per_client, seconds, ids, public=False)
                )
                mixed = asyncio.run(mix.mixed(server.base, clients, per_client, seconds, ids))
                trivial = asyncio.run(
                    mix.trivial(server.base, clients, max(mixed.requests, clients))
                )
            finally:
                server.stop()
        finally:
            store.close()
    s = Settings.from_env()
    limits = (
        f"TNR_QUERY_TIMEOUT={s.query_timeout:g} s, TNR_MAX_CONCURRENT_QUERIES="
        f"{s.max_concurrent_queries}, TNR_MAX_QUEUED_QUERIES={s.max_queued_queries}, "
        f"TNR_QUEUE_WAIT={s.queue_wait:g} s"
    )
    return Result(
        mixed,
        analysts,
        trivial,
        starvation,
        quality,
        first_search_s,
        first_public_s,
        index_build_s,
        load_s,
        nodes,
        clients,
        limits,
        store.agent if engine == "neo4j" else "",
    )


def _on_a_neo4j_of_its_own(clients: int, seconds: float, per_client: int, runs: int) -> Result:
    """`run` on a Neo4j started for it (graph/neo4j_server.py), stopped after."""
    from graph import neo4j_server

    reason = neo4j_server.unavailable_reason()
    if reason is not None:
        raise SystemExit(f"Neo4j cannot run here: {reason}")
    with tempfile.TemporaryDirectory(prefix="tnr-bench-serve-neo4j-") as tmp:
        server = neo4j_server.Neo4jServer(Path(tmp), heap="2g", pagecache_mb=1024)
        address = server.start()
        saved = {k: os.environ.get(k) for k in address.env()}
        os.environ.update(address.env())
        try:
            return run(clients, seconds, per_client, runs, "neo4j", own=True)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--per-client", type=int, default=40)
    parser.add_argument("--runs", type=int, default=60, help="light queries alone and beside")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the section into this Markdown file (e.g. BENCHMARKS.md)",
    )
    parser.add_argument(
        "--engine",
        choices=("embedded", "neo4j"),
        default="embedded",
        help="neo4j: the one NEO4J_URI names (wiped), else one started for it",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    result = run(args.clients, args.seconds, args.per_client, args.runs, args.engine)
    section = report(result)
    print(section)
    if args.out is not None:
        update(args.out, section, heading_for(result.engine))


if __name__ == "__main__":
    main()
