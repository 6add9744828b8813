"""All benchmarks in one run: `python -m benchmarks` (`make bench`).

    python -m benchmarks [--scales 1000,10000] [--quick] [--out BENCHMARKS.md]

For each scale factor (relations of a synthetic graph, graph/synthetic.py) a fresh
embedded engine in a temporary directory (or the Neo4j of NEO4J_URI, which is then
wiped: only with TNR_BENCH_ALLOW_WIPE=1), and in that engine, side by side in the same run:

- load: the writer's records/s against the engine's raw `UNWIND ... CREATE` of the
  same rows (benchmarks/load.py);
- reads: `neighbourhood` at depth 2 and 3, `shortestPath`, `sanctionsCoverage` and
  `vendorChains` through the HTTP API (a real uvicorn server on 127.0.0.1, httpx,
  the public role) against the very Cypher statements the `queries/` function runs,
  replayed through the driver; p50 and p99 of R runs each, interleaved;
- concurrency: C clients on 127.0.0.1, a bounded number of requests each, against a
  GraphQL page query and a trivial Starlette endpoint of the same server
  (benchmarks/server.py): throughput, p50, p99, errors;
- memory: peak RSS (VmHWM) of the app process and of the engine process.

Then, unless --quick or --no-serving, the full shared data served to 32 clients
(benchmarks/serving.py, its own section). Once per run: entity resolution, the blocked matcher against a naive loop and
`rapidfuzz.process.cdist`, with recall (benchmarks/resolver.py).

Writes a Markdown table (BENCHMARKS.md: the command, the machine) and a plot
(benchmarks/results/benchmarks.png). Every figure is measured in this run; only the
ratios travel between machines.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.metadata
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.load import measure as measure_load
from benchmarks.load import synthetic
from benchmarks.resolver import DEFAULT_FILE
from benchmarks.resolver import measure as measure_resolver
from benchmarks.server import TRIVIAL_PATH
from graph.embedded import free_port
from graph.settings import Settings
from graph.store import Store
from queries import coverage, network, vendor_chains

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
HEAP = os.environ.get("TNR_ENGINE_HEAP", "1g")
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
PAGE = "{ incidents(first: 20) { edges { node { id title year } } } }"


# -- measuring ------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank): with fewer than 100 values p99 is the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def peak_rss_mb(pid: int | None) -> float | None:
    """Peak resident set size (VmHWM) of a live process, in MB, or None."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


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


@dataclass
class ReadResult:
    name: str
    api: list[float]
    cypher: list[float]
    statements: int
    size: str


@dataclass
class LoadResult:
    records: int
    raw_rps: float
    writer_rps: float
    reload_rps: float
    ratio: float


@dataclass
class Concurrency:
    endpoint: str
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0


@dataclass
class ScaleResult:
    relations: int
    nodes: int
    load: LoadResult
    reads: list[ReadResult] = field(default_factory=list)
    concurrency: list[Concurrency] = field(default_factory=list)
    app_rss: float | None = None
    engine_rss: float | None = None
    engine: str = ""


# -- the server -----------------------------------------------------------------------------
class Server:
    """benchmarks.server under uvicorn in its own process, on the store's data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (data_dir / "server.log").open("w", encoding="utf-8")
        env = {**os.environ, "TNR_DATA_DIR": str(data_dir), "TNR_ENGINE_HEAP": HEAP}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "benchmarks.server:make_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--no-access-log"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the benchmark server exited; see {self.log.name}")
            try:
                if httpx.get(f"{self.base}/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the benchmark server did not start; see {self.log.name}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


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
        if network.shortest_path(store, ids[a], ids[b]).found:
            ids["from"], ids["to"], ids["path"] = ids[a], ids[b], f"{a} → {b}"
            break
    else:
        ids["from"], ids["to"], ids["path"] = ids["vendor"], ids["regime"], "vendor → regime"
    return ids


def bench_reads(
    store: Store, client: httpx.Client, ids: dict[str, str], reps: int
) -> list[ReadResult]:
    cases: list[tuple[str, str, dict[str, Any], Callable[..., Any], tuple[Any, ...],
                      dict[str, Any], Callable[[dict[str, Any]], str]]] = []  # fmt: skip

    def net_size(d: dict[str, Any]) -> str:
        g = d["neighbourhood"]
        return f"{len(g['nodes'])} nodes, {len(g['edges'])} edges" + (
            " (truncated)" if g["truncated"] else ""
        )

    for depth in (2, 3):
        cases.append((f"neighbourhood depth {depth}", NEIGHBOURHOOD,
                      {"id": ids["state"], "depth": depth, "limit": NEIGHBOURHOOD_LIMIT},
                      network.neighbourhood, (ids["state"],),
                      {"depth": depth, "limit": NEIGHBOURHOOD_LIMIT}, net_size))  # fmt: skip
    cases.append((f"shortestPath {ids['path']}", SHORTEST,
                  {"a": ids["from"], "b": ids["to"]}, network.shortest_path,
                  (ids["from"], ids["to"]), {},
                  lambda d: f"length {d['shortestPath']['length']}"))  # fmt: skip
    cases.append(("sanctionsCoverage by origin", COVERAGE, {}, coverage.sanctions_coverage,
                  ("origin",), {},
                  lambda d: f"{len(d['sanctionsCoverage']['groups'])} groups"))  # fmt: skip
    cases.append(("vendorChains first 100", CHAINS, {}, vendor_chains.vendor_chains, (),
                  {"limit": 100}, lambda d: f"{len(d['vendorChains']['nodes'])} chains"))  # fmt: skip

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
        print(f"    {name}: API p50 {pct(api_t, 50) * 1e3:.1f} ms, "
              f"Cypher p50 {pct(cypher_t, 50) * 1e3:.1f} ms", file=sys.stderr)  # fmt: skip
    return results


async def _hammer(base: str, path: str, body: dict[str, Any] | None, clients: int,
                  per_client: int, timeout: float) -> Concurrency:  # fmt: skip
    latencies: list[float] = []
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for _ in range(per_client):
            t0 = time.perf_counter()
            try:
                if body is None:
                    r = await client.get(path)
                    ok = r.status_code == 200
                else:
                    r = await client.post(path, json=body)
                    ok = r.status_code == 200 and not r.json().get("errors")
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - t0)
            errors += not ok

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        t0 = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(*(worker(client) for _ in range(clients))), timeout=timeout
        )
        seconds = time.perf_counter() - t0
    name = "GraphQL incidents(first: 20)" if body else f"trivial Starlette {path}"
    return Concurrency(name, clients, clients * per_client, errors, seconds, latencies)


def bench_concurrency(base: str, clients: int, per_client: int) -> list[Concurrency]:
    out = []
    for path, body in ((TRIVIAL_PATH, None), ("/graphql", {"query": PAGE})):
        out.append(asyncio.run(_hammer(base, path, body, clients, per_client, timeout=120)))
        c = out[-1]
        print(f"    {c.endpoint}: {c.throughput:.0f} req/s, p99 "
              f"{pct(c.latencies, 99) * 1e3:.1f} ms, {c.errors} errors", file=sys.stderr)  # fmt: skip
    return out


def run_scale(relations: int, args: argparse.Namespace) -> ScaleResult:
    print(f"scale {relations} relations", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="tnr-bench-") as tmp:
        data_dir = Path(tmp)
        settings = Settings.from_env({**os.environ, "TNR_DATA_DIR": str(data_dir),
                                      "TNR_ENGINE_HEAP": HEAP})  # fmt: skip
        records = synthetic(relations)
        with Store.open(settings, bind_ogm=False) as store:
            if settings.uses_neo4j:
                if os.environ.get("TNR_BENCH_ALLOW_WIPE") != "1":
                    raise SystemExit("NEO4J_URI is set: the benchmark wipes that database; "
                                     "set TNR_BENCH_ALLOW_WIPE=1 to allow it")  # fmt: skip
                store.wipe()
            store.ensure_schema()
            lr = measure_load(store, records, args.batch)
            load = LoadResult(int(lr["records"]), lr["raw_rps"], lr["writer_rps"],
                              lr["reload_rps"], lr["writer_vs_raw"])  # fmt: skip
            print(f"  load: writer/raw {load.ratio:.2f}", file=sys.stderr)
            engine = store.server_version()
            if store.engine is not None:
                engine = (f"ArcadeDB embedded (arcadedb-embedded "
                          f"{importlib.metadata.version('arcadedb-embedded')}), "
                          f"answering Bolt as {engine}")  # fmt: skip
            result = ScaleResult(relations, store.node_count(), load, engine=engine)
            ids = pick_ids(store)
            server = Server(data_dir)
            try:
                with httpx.Client(base_url=server.base, timeout=120) as client:
                    result.reads = bench_reads(store, client, ids, args.reps)
                result.concurrency = bench_concurrency(server.base, args.clients,
                                                       args.per_client)  # fmt: skip
                result.app_rss = peak_rss_mb(server.proc.pid)
                proc = store.engine.process if store.engine is not None else None
                result.engine_rss = peak_rss_mb(proc.pid if proc is not None else None)
            finally:
                server.stop()
            if settings.uses_neo4j:
                store.wipe()
    return result


# -- the report -----------------------------------------------------------------------------
def machine(engine_version: str) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [
        f"- cores: {os.cpu_count()} ({cpu})",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- engine: {engine_version} (heap {HEAP})",
    ]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


def mb(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "n/a"


def report(command: str, scales: list[ScaleResult], er: dict[str, float] | None,
           er_note: str, engine_version: str, args: argparse.Namespace, plot: str | None,
           took: float) -> str:  # fmt: skip
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench`, i.e.",
        "",
        "```sh",
        command,
        "```",
        "",
        f"on {dt.date.today().isoformat()}, in {took:.0f} s, on:",
        "",
        *machine(engine_version),
        "",
        "Every figure below was measured in that one run, each beside its baseline; the",
        "absolute numbers belong to this (shared, noisy) machine, the **ratios** are what",
        "carry over. Graphs are synthetic (graph/synthetic.py, seed 7) and written to a fresh",
        "embedded engine per scale. The scale is the number of relations the generator asks for.",
        "",
        "## Load: the writer against the engine's raw `UNWIND ... CREATE`",
        "",
        f"Same rows, same batch size ({args.batch}). The writer validates, checks sources and "
        "MERGEs; the raw load only CREATEs.",
        "",
        "| relations | records | raw records/s | writer records/s | writer / raw | "
        "writer again (all unchanged) records/s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scales:
        lines.append(f"| {s.relations:,} | {s.load.records:,} | {s.load.raw_rps:,.0f} | "
                     f"{s.load.writer_rps:,.0f} | **{s.load.ratio:.2f}** | "
                     f"{s.load.reload_rps:,.0f} |")  # fmt: skip
    lines += [
        "",
        "## Reads: the HTTP API against the same Cypher through the driver",
        "",
        "API: `POST /graphql` to a uvicorn server on 127.0.0.1 (public role: redaction "
        "included), with httpx. Cypher: the exact statements the `queries/` function sends "
        "for that answer, recorded once and replayed through the driver. "
        f"{args.reps} runs each (fewer where marked: a case stops after {CASE_BUDGET_S:.0f} s "
        f"once it has {MIN_RUNS}), API and Cypher interleaved; p99 of fewer than 100 runs "
        f"is the slowest run. Neighbourhoods stop at {NEIGHBOURHOOD_LIMIT} nodes. Times in ms.",
        "",
        "| relations | query | result | statements | runs | API p50 | API p99 | Cypher p50 | "
        "Cypher p99 | API / Cypher (p50) |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scales:
        for r in s.reads:
            a50, c50 = pct(r.api, 50), pct(r.cypher, 50)
            lines.append(f"| {s.relations:,} | {r.name} | {r.size} | {r.statements} | {len(r.api)} | "
                         f"{ms(a50)} | {ms(pct(r.api, 99))} | {ms(c50)} | "
                         f"{ms(pct(r.cypher, 99))} | **{a50 / c50:.1f}** |")  # fmt: skip
    lines += [
        "",
        "## Concurrency",
        "",
        f"{args.clients} concurrent clients (one httpx AsyncClient, {args.clients} "
        f"connections) on 127.0.0.1, {args.per_client} requests each, against the same "
        "server: a GraphQL page query and a trivial Starlette endpoint added to the "
        "benchmark's own app instance (benchmarks/server.py, not the product app).",
        "",
        "| relations | endpoint | requests | errors | req/s | p50 ms | p99 ms | "
        "throughput / trivial |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scales:
        trivial = s.concurrency[0].throughput if s.concurrency else 0.0
        for c in s.concurrency:
            lines.append(f"| {s.relations:,} | {c.endpoint} | {c.requests} | {c.errors} | "
                         f"{c.throughput:,.0f} | {ms(pct(c.latencies, 50))} | "
                         f"{ms(pct(c.latencies, 99))} | "
                         f"**{c.throughput / trivial if trivial else 0:.2f}** |")  # fmt: skip
    lines += [
        "",
        "## Memory",
        "",
        "Peak resident set size (VmHWM, MB) at the end of each scale's run: the app process "
        "(uvicorn, after all the reads and the concurrency run) and the engine process "
        "(ArcadeDB in its own JVM, after load and reads).",
        "",
        "| relations | nodes | app peak RSS MB | engine peak RSS MB |",
        "|---:|---:|---:|---:|",
    ]
    for s in scales:
        lines.append(f"| {s.relations:,} | {s.nodes:,} | {mb(s.app_rss)} | {mb(s.engine_rss)} |")
    lines += ["", "## Entity resolution", ""]
    if er is None:
        lines.append(er_note)
    else:
        lines += [
            f"{er_note} {er['names']:,.0f} person names, {er['gold']:,.0f} known script "
            f"pairs (a non-Latin name and the Latin names of the same entity), "
            f"{er['all_pairs']:,.0f} pairs in all. Blocking scored {er['scored']:,.0f} pairs "
            f"({er['scored'] / er['all_pairs']:.2%}); the naive loop and cdist were timed on a "
            f"sample of {er['sample']:,.0f} names.",
            "",
            "| method | pairs/s | time for the list | × blocked |",
            "|---|---:|---:|---:|",
            f"| blocked resolver (graph/resolve.py) | {er['blocked_rate']:,.0f} | "
            f"{er['blocked_s']:.1f} s | 1.00 |",
            f"| naive double loop, same comparators | {er['naive_rate']:,.0f} | "
            f"{er['naive_full_s']:,.0f} s (est.) | **{er['naive_full_s'] / er['blocked_s']:.1f}** |",
            f"| rapidfuzz `process.cdist` token_sort, 1 thread | {er['cdist_rate']:,.0f} | "
            f"{er['cdist_full_s']:,.1f} s (est.) | **{er['cdist_full_s'] / er['blocked_s']:.2f}** |",
            "",
            f"Recall of the blocked resolver on the known pairs: {er['recall_match']:.3f} "
            f"judged match, {er['recall_unsure']:.3f} match or unsure. cdist only scores names "
            "(no transliteration, veto or decision), so it has no recall.",
        ]
    lines += ["", "## Plot", ""]
    if plot:
        lines += [
            f"`{plot}` (not committed; `make bench` makes it): left, p50 read latency per "
            "query against the scale (log-log), API solid and Cypher dashed, one colour per "
            "query; right, peak RSS of the app and of the engine against the scale.",
        ]
    else:
        lines.append("No plot: matplotlib is not installed.")
    return "\n".join(lines) + "\n"


def draw(scales: list[ScaleResult], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    xs = [s.relations for s in scales]
    for i, name in enumerate(r.name for r in scales[-1].reads):  # the same cases at each scale
        colour = f"C{i}"
        api = [pct(s.reads[i].api, 50) * 1e3 for s in scales]
        cyp = [pct(s.reads[i].cypher, 50) * 1e3 for s in scales]
        left.plot(xs, api, "-o", color=colour, label=f"{name} (API)")
        left.plot(xs, cyp, "--s", color=colour, alpha=0.7, label=f"{name} (Cypher)")
    left.set(xscale="log", yscale="log", xlabel="relations", ylabel="p50 ms",
             title="reads: API (solid) vs Cypher (dashed)")  # fmt: skip
    left.legend(fontsize=7)
    right.plot(xs, [s.app_rss or 0 for s in scales], "-o", label="app (uvicorn)")
    right.plot(xs, [s.engine_rss or 0 for s in scales], "-s", label="engine")
    right.set(xscale="log", xlabel="relations", ylabel="peak RSS MB", title="memory")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--scales", default=None,
                        help="comma-separated relation counts (default 1000,10000; quick: 1000)")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="one small scale, few runs")
    parser.add_argument("--reps", type=int, default=None, help="runs per read (default 15)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=None,
                        help="requests per client (default 15)")  # fmt: skip
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--er-file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--er-every", type=int, default=None,
                        help="resolve every n-th row of the sanctions list (default 3)")  # fmt: skip
    parser.add_argument("--er-sample", type=int, default=None,
                        help="names for the all-pairs methods (default 300)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--no-serving", action="store_true",
                        help="leave out the full-data serving run (benchmarks/serving.py)")  # fmt: skip
    args = parser.parse_args(argv)
    quick = args.quick
    scales = [int(x) for x in (args.scales or ("1000" if quick else "1000,10000")).split(",")]
    args.reps = args.reps or (5 if quick else 15)
    args.per_client = args.per_client or (8 if quick else 15)
    args.er_every = args.er_every or (8 if quick else 3)
    args.er_sample = args.er_sample or (100 if quick else 300)
    command = "python -m benchmarks" + "".join(f" {a}" for a in (argv or sys.argv[1:]))

    started = time.perf_counter()
    results = [run_scale(n, args) for n in scales]
    er: dict[str, float] | None = None
    if args.er_file.exists():
        print("entity resolution", file=sys.stderr)
        er = measure_resolver(args.er_file, args.er_sample, args.er_every)
        er_note = f"One row in {args.er_every} of `{args.er_file.name}` (EU sanctions):"
    else:
        er_note = f"Skipped: {args.er_file} is not here (the shared data folder)."
    engine_version = results[0].engine if results else "none"
    plot_path = RESULTS / "benchmarks.png"
    plotted = draw(results, plot_path)
    took = time.perf_counter() - started
    text = report(command, results, er, er_note, engine_version, args,
                  str(plot_path.relative_to(ROOT)) if plotted else None, took)  # fmt: skip
    args.out.write_text(text, encoding="utf-8")
    print(text)
    if not (quick or args.no_serving):
        from benchmarks import serving

        print("serving the full shared data", file=sys.stderr)
        section = serving.report(serving.run(32, 30.0, 40, 60))
        serving.update(args.out, section)
        print(section)
    print(f"wrote {args.out}" + (f" and {plot_path}" if plotted else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
