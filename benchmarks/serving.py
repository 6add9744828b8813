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
import csv
import os
import re
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
EU = SHARED / "eu_sanctions_merged_dataset_20220913.csv"
KEY = "bench-serving-analyst-key-0123456789"
CYRILLIC = re.compile(r"[\u0400-\u04FF]")

MIX: dict[str, tuple[str, dict[str, Any]]] = {
    "licences 5A001 page + totalCount": (
        'query { exportLicences(first: 20, filter: {controlCode: {eq: "5A001"}}) '
        "{ totalCount edges { node { id value decision } } } }",
        {},
    ),
    "persons page + totalCount": (
        "query { persons(first: 50) { totalCount edges { node { id label roles } } } }",
        {},
    ),
    "incidents with targets": (
        "query { incidents(first: 20) { edges { node { id label year targeted { node { id label } } "
        "} } } }",
        {},
    ),
    "neighbourhood depth 1": (
        "query($id: ID!) { neighbourhood(id: $id, depth: 1, limit: 500) { nodes { id label } "
        "edges { id type } } }",
        {"id": "state"},
    ),
    "sanctionsCoverage by origin": (
        "query { sanctionsCoverage(by: ORIGIN) { incidents groups { key incidents } } }",
        {},
    ),
    "search Gamma Group": ('query { search(text: "Gamma Group") { id label } }', {}),
}
LIGHT = "query { persons(first: 20) { edges { node { id label } } } }"
HEAVY = (
    "query($id: ID!) { neighbourhood(id: $id, depth: 3, limit: 2000) { nodes { id label } "
    "edges { id type } truncated } }"
)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Mixed:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    timeouts: int = 0
    overloaded: int = 0
    requests: int = 0
    seconds: float = 0.0
    samples: list[str] = field(default_factory=list)


async def _mixed(
    base: str,
    clients: int,
    per_client: int,
    seconds: float,
    ids: dict[str, str],
    public: bool = True,
) -> Mixed:
    out = Mixed()
    names = list(MIX)
    deadline = time.perf_counter() + seconds

    async def worker(n: int, client: httpx.AsyncClient) -> None:
        analyst = bool(n % 2) or not public
        headers = {"Authorization": f"Bearer {KEY}"} if analyst else {}
        for k in range(per_client):
            if time.perf_counter() > deadline:
                return
            name = names[(n + k) % len(names)]
            query, variables = MIX[name]
            given = {key: ids.get(v, v) for key, v in variables.items()}
            t0 = time.perf_counter()
            try:
                r = await client.post(
                    "/graphql", json={"query": query, "variables": given}, headers=headers
                )
                body = r.json()
                codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
                if "TIMEOUT" in codes:
                    out.timeouts += 1
                if r.status_code == 503:
                    out.overloaded += 1
                ok = r.status_code == 200 and not body.get("errors")
                if not ok and len(out.samples) < 3:
                    out.samples.append(f"{name}: {r.status_code} {str(body)[:200]}")
            except httpx.HTTPError as exc:
                ok = False
                out.timeouts += isinstance(exc, httpx.TimeoutException)
            out.latencies[f"{name} ({'analyst' if analyst else 'public'})"].append(
                time.perf_counter() - t0
            )
            out.requests += 1
            out.errors[name] += not ok

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(n, client) for n in range(clients)))
        out.seconds = time.perf_counter() - t0
    return out


async def _trivial(base: str, clients: int, requests: int) -> tuple[list[float], int, float]:
    from benchmarks.server import TRIVIAL_PATH

    latencies: list[float] = []
    errors = 0
    per_client = max(1, requests // clients)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for _ in range(per_client):
            t0 = time.perf_counter()
            try:
                errors += (await client.get(TRIVIAL_PATH)).status_code != 200
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - t0)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        return latencies, errors, time.perf_counter() - t0


def _starvation(base: str, state: str, runs: int) -> dict[str, float]:
    """A light page's latencies alone, then while one client loops on a heavy neighbourhood."""
    out: dict[str, float] = {}
    with httpx.Client(base_url=base, timeout=120) as client:

        def light() -> float:
            t0 = time.perf_counter()
            r = client.post("/graphql", json={"query": LIGHT})
            if r.status_code != 200 or r.json().get("errors"):
                raise RuntimeError(f"the light query failed: {r.status_code} {r.text[:200]}")
            return time.perf_counter() - t0

        for _ in range(5):
            light()
        alone = [light() for _ in range(runs)]
        stop = threading.Event()
        heavy_t: list[float] = []

        def heavy() -> None:
            with httpx.Client(base_url=base, timeout=120) as other:
                while not stop.is_set():
                    t0 = time.perf_counter()
                    other.post("/graphql", json={"query": HEAVY, "variables": {"id": state}})
                    heavy_t.append(time.perf_counter() - t0)

        worker = threading.Thread(target=heavy, daemon=True)
        worker.start()
        time.sleep(0.5)
        beside = [light() for _ in range(runs)]
        stop.set()
        worker.join(180)
    out["alone p50"], out["alone p99"] = pct(alone, 50), pct(alone, 99)
    out["beside p50"], out["beside p99"] = pct(beside, 50), pct(beside, 99)
    out["heavy p50"] = pct(heavy_t, 50) if heavy_t else float("nan")
    out["heavy runs"] = float(len(heavy_t))
    return out


# -- search quality ---------------------------------------------------------------------------
def labelled_queries(store: Any) -> list[tuple[str, str, str, set[str]]]:
    """(kind, query, expected id, relevant ids) from the data, not from the ranker.

    names: every vendor by its name; aliases: by each alias; other scripts: an EU listing
    by the Cyrillic form of its name (its reference is the entity's logical id);
    misspellings: a vendor's name with one letter of its longest word dropped. The relevant
    ids of a query are the expected one and every node that bears the same name.
    """
    from graph.vocabulary import fold

    vendors = store.read(
        "MATCH (v:Vendor) RETURN v.id AS id, v.name AS name, v.aliases AS aliases ORDER BY v.id"
    )
    same: dict[str, set[str]] = defaultdict(set)
    for nt in store.schema.nodes.values():
        if nt.admin_only or nt.internal:
            continue
        aliases = "n.aliases" if "aliases" in nt.properties else "[]"
        for r in store.read(
            f"MATCH (n:`{nt.name}`) RETURN n.id AS id, "
            f"n.`{nt.label_property}` AS name, {aliases} AS aliases"
        ):
            for name in [r["name"], *(r["aliases"] or [])]:
                if name:
                    same[fold(str(name))].add(r["id"])
    out: list[tuple[str, str, str, set[str]]] = []
    for v in vendors:
        out.append(("name", v["name"], v["id"], same[fold(v["name"])] | {v["id"]}))
        for alias in v["aliases"] or []:
            if len(fold(alias)) >= 4:
                out.append(("alias", alias, v["id"], same[fold(alias)] | {v["id"]}))
        words = v["name"].split()
        longest = max(words, key=len)
        if len(longest) >= 6:
            typo = v["name"].replace(longest, longest[:2] + longest[3:], 1)
            out.append(("misspelling", typo, v["id"], same[fold(v["name"])] | {v["id"]}))
    listings = {
        r["ref"]: (r["id"], r["name"])
        for r in store.read(
            "MATCH (l:SanctionListing) RETURN l.reference AS ref, l.id AS id, l.party_name AS name"
        )
    }
    cyrillic: dict[str, str] = {}
    if EU.exists():
        with EU.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                name = row["Naal_wholename"].strip()
                if CYRILLIC.search(name):
                    cyrillic.setdefault(row["Entity_logical_id...2"], name)
    scripts = 0
    for lid, name in sorted(cyrillic.items()):
        if lid in listings and (listings[lid][1] or "").isascii() and scripts < 40:
            listing, latin = listings[lid]
            out.append(("other script", name, listing, {listing} | same[fold(latin or "")]))
            scripts += 1
    return out


def search_quality(store: Any) -> dict[str, dict[str, float]]:
    from queries.search import SearchIndex

    index = SearchIndex(store).refresh()
    kinds: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for kind, query, expected, relevant in labelled_queries(store):
        hits = [h.id for h in index.search(query, limit=5)]
        found = len(set(hits) & relevant)
        kinds[kind]["p@5"].append(found / min(5, len(relevant)))
        kinds[kind]["top1"].append(float(bool(hits) and hits[0] in relevant))
        kinds[kind]["found@5"].append(float(expected in hits))
    return {
        k: {m: sum(v) / len(v) for m, v in ms.items()} | {"n": float(len(ms["p@5"]))}
        for k, ms in kinds.items()
    }


# -- the run ---------------------------------------------------------------------------------
@dataclass
class Result:
    mixed: Mixed
    analysts: Mixed
    trivial: tuple[list[float], int, float]
    starvation: dict[str, float]
    quality: dict[str, dict[str, float]]
    first_search_s: float
    first_public_s: float
    index_build_s: float
    load_s: float
    nodes: int
    clients: int
    limits: str
    #: "" for the embedded engine, else the Neo4j server's agent string.
    engine: str = ""


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
                starvation = _starvation(server.base, ids["state"], runs)
                print("  concurrency", file=sys.stderr, flush=True)
                analysts = asyncio.run(
                    _mixed(server.base, clients, per_client, seconds, ids, public=False)
                )
                mixed = asyncio.run(_mixed(server.base, clients, per_client, seconds, ids))
                trivial = asyncio.run(_trivial(server.base, clients, max(mixed.requests, clients)))
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


def _rows(title: str, m: Mixed) -> list[str]:
    every = [x for v in m.latencies.values() for x in v]
    ok = m.requests - sum(m.errors.values())
    lines = [
        f"| **{title}** | {m.requests} | {sum(m.errors.values())} | {m.timeouts} | "
        f"{m.overloaded} | {ok / m.seconds:.1f} | {pct(every, 50) * 1e3:.0f} | "
        f"{pct(every, 99) * 1e3:.0f} |"
    ]
    for name in sorted(m.latencies):
        v = m.latencies[name]
        lines.append(
            f"| {name} | {len(v)} | | | | | {pct(v, 50) * 1e3:.0f} | {pct(v, 99) * 1e3:.0f} |"
        )
    return lines


def report(r: Result) -> str:
    lat, terr, tsec = r.trivial
    where = f" on Neo4j ({r.engine})" if r.engine else ""
    lines = [
        f"{heading_for(r.engine)} (benchmarks/serving.py)",
        "",
        f"Every shared file loaded without resolution ({r.nodes} nodes, {r.load_s:.0f} s){where}, "
        f"the app in its own uvicorn process on 127.0.0.1 with its defaults ({r.limits}).",
        "",
        f"### {r.clients} concurrent clients on a mix of real queries",
        "",
        "The same mix twice: every client analyst, then half public, half analyst.",
        "",
        "| endpoint | requests | errors | timeouts | 503 | req/s | p50 (ms) | p99 (ms) |",
        "|---|---|---|---|---|---|---|---|",
        f"| trivial Starlette endpoint | {len(lat)} | {terr} | 0 | 0 | {len(lat) / tsec:.0f} | "
        f"{pct(lat, 50) * 1e3:.1f} | {pct(lat, 99) * 1e3:.1f} |",
        *_rows("GraphQL mix, all analyst", r.analysts),
        *_rows("GraphQL mix, half public", r.mixed),
    ]
    samples = r.analysts.samples + r.mixed.samples
    if samples:
        lines += ["", "First errors: " + "; ".join(f"`{s}`" for s in samples[:3])]
    s = r.starvation
    lines += [
        "",
        "### One heavy request beside light ones",
        "",
        "| light page `persons(first: 20)` | p50 (ms) | p99 (ms) |",
        "|---|---|---|",
        f"| alone | {s['alone p50'] * 1e3:.1f} | {s['alone p99'] * 1e3:.1f} |",
        f"| while a depth-3 neighbourhood runs (p50 {s['heavy p50'] * 1e3:.0f} ms, "
        f"{s['heavy runs']:.0f} runs) | {s['beside p50'] * 1e3:.1f} | {s['beside p99'] * 1e3:.1f} |",
        "",
        f"p99 beside / alone: **{s['beside p99'] / s['alone p99']:.1f}×**.",
        "",
        "### Search",
        "",
        f"First search after the server started, as analyst: {r.first_search_s * 1e3:.0f} ms "
        f"(the served app builds the index of the whole graph before it answers; building it "
        f"takes {r.index_build_s:.1f} s). The first public request after it: "
        f"{r.first_public_s * 1e3:.0f} ms (it reads what the public may not see, "
        "graph/visibility.py `Hidden.load`).",
        "",
        "| labelled queries (from the data) | n | precision at 5 | top hit relevant | expected in top 5 |",
        "|---|---|---|---|---|",
    ]
    for kind, q in sorted(r.quality.items()):
        lines.append(
            f"| {kind} | {q['n']:.0f} | {q['p@5']:.2f} | {q['top1']:.2f} | {q['found@5']:.2f} |"
        )
    lines += [
        "",
        "Precision at 5 counts relevant hits among the first five, out of min(5, "
        "relevant): the relevant nodes of a query are the expected one and every node "
        "bearing the same name.",
    ]
    return "\n".join(lines)


HEADING = "## Serving the full shared data"


def heading_for(engine: str) -> str:
    """The section's heading: the embedded engine's, or Neo4j's (a section of its own)."""
    return f"{HEADING} on Neo4j" if engine else HEADING


def update(path: Path, section: str, heading: str = HEADING) -> None:
    """Put `section` (which starts with `heading`) into the Markdown file at `path`, in
    place of the one it had (if any)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if heading in text:
        before, _, rest = text.partition(heading)
        after = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        text = before + section + ("\n\n" + after if after else "\n")
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section + "\n"
    path.write_text(text, encoding="utf-8")


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
