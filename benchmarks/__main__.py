"""All benchmarks in one run, on both engines side by side: `python -m benchmarks` (`make bench`).

    python -m benchmarks [--scales 1000,10000] [--big 100000,1000000] [--budget 900]
                         [--engines embedded,neo4j] [--quick] [--out BENCHMARKS.md]

The same synthetic graph (benchmarks/synthetic.py, N relations) at each scale, on the embedded
engine (fresh, in a temporary directory) and on Neo4j 5.26 (one started here by
graph/neo4j_server.py, wiped between scales; or the Neo4j of NEO4J_URI, which is then
wiped: only with TNR_BENCH_ALLOW_WIPE=1). The `--big` scales run on Neo4j in full and on
the embedded engine while its load, projected from the scale before, fits `--budget`;
the report says where it stopped. At each scale, side by side in the same run:

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

Then Neo4j over the embedded engine, figure by figure, at every scale both reached.
Then, unless --quick or --no-serving, the full shared data served to 32 clients
(benchmarks/serving.py, its own section), and the public role against the analyst on the
same queries (benchmarks/visibility.py, its own section). Once per run: entity
resolution, the blocked resolver against `rapidfuzz.process.cdist` over all pairs and a naive loop on the EU names, with precision, recall and a threshold
sweep on labelled pairs (benchmarks/resolver.py); and the real shared files loaded with
resolution against the same loads without it, from an empty store and each on top of
the files before it (benchmarks/load.py `measure_files`).

Writes a Markdown table (BENCHMARKS.md: the command, the machine) and a plot
(benchmarks/results/benchmarks.png). Every figure is measured in this run; only the
ratios travel between machines.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib.metadata
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.load import FILES_INTRO, files_table, measure_files, synthetic
from benchmarks.load import measure as measure_load
from benchmarks.resolver import DEFAULT_FILE
from benchmarks.resolver import measure as measure_resolver
from benchmarks.resolver import note as resolver_note
from benchmarks.resolver import table as resolver_table
from benchmarks.server import TRIVIAL_PATH
from graph import neo4j_server
from graph.embedded import free_port
from graph.settings import Settings
from graph.store import Store
from queries import coverage, network, vendor_chains

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
HEAP = os.environ.get("TNR_ENGINE_HEAP", "2g")
#: The Neo4j the benchmark starts (when NEO4J_URI is not set): its JVM heap and page cache.
NEO4J_HEAP = os.environ.get("TNR_NEO4J_HEAP", HEAP)  # the same heap as the embedded engine
NEO4J_PAGECACHE_MB = int(os.environ.get("TNR_NEO4J_PAGECACHE_MB", "1024"))
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
    kind: str = "embedded"  # "embedded" or "neo4j"
    load_s: float = 0.0  # seconds of the three loads (raw, writer, writer again)


# -- the server -----------------------------------------------------------------------------
class Server:
    """benchmarks.server under uvicorn in its own process, on the store's data directory."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (data_dir / "server.log").open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "benchmarks.server:make_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
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
                network.neighbourhood,
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
            network.shortest_path,
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


async def _hammer(
    base: str, path: str, body: dict[str, Any] | None, clients: int, per_client: int, timeout: float
) -> Concurrency:
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
        tasks = [asyncio.ensure_future(worker(client)) for _ in range(clients)]
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:  # out of time: what did not finish counts as errors
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        seconds = time.perf_counter() - t0
    name = "GraphQL incidents(first: 20)" if body else f"trivial Starlette {path}"
    unfinished = clients * per_client - len(latencies)
    return Concurrency(
        name, clients, clients * per_client, errors + unfinished, seconds, latencies or [seconds]
    )


def bench_concurrency(base: str, clients: int, per_client: int) -> list[Concurrency]:
    out = []
    for path, body in ((TRIVIAL_PATH, None), ("/graphql", {"query": PAGE})):
        out.append(asyncio.run(_hammer(base, path, body, clients, per_client, timeout=120)))
        c = out[-1]
        print(
            f"    {c.endpoint}: {c.throughput:.0f} req/s, p99 "
            f"{pct(c.latencies, 99) * 1e3:.1f} ms, {c.errors} errors",
            file=sys.stderr,
        )
    return out


@dataclass
class Engine:
    """Where one side of the benchmark runs: the embedded engine, or a Neo4j server."""

    kind: str  # "embedded" or "neo4j"
    env: dict[str, str]  # NEO4J_* for Neo4j (the embedded side has none)
    pid: int | None = None  # the Neo4j JVM, for its peak RSS (the embedded one is the store's)


def engine_env(engine: Engine, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    return {**env, **engine.env, "TNR_DATA_DIR": str(data_dir), "TNR_ENGINE_HEAP": HEAP}


def run_scale(
    relations: int,
    args: argparse.Namespace,
    side: Engine,
    lite: bool = False,
    writer_only: bool = False,
) -> ScaleResult:
    print(f"scale {relations} relations on {side.kind}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="tnr-bench-") as tmp:
        data_dir = Path(tmp)
        env = engine_env(side, data_dir)
        settings = Settings.from_env(env)
        records = synthetic(relations)
        with Store.open(settings, bind_ogm=False) as store:
            if settings.uses_neo4j:
                store.wipe()
            store.ensure_schema()
            t0 = time.perf_counter()
            lr = measure_load(store, records, args.batch, full=not writer_only)
            load_s = time.perf_counter() - t0
            del records
            load = LoadResult(
                int(lr["records"]),
                lr["raw_rps"],
                lr["writer_rps"],
                lr["reload_rps"],
                lr["writer_vs_raw"],
            )
            print(f"  load: writer/raw {load.ratio:.2f}, {load_s:.0f} s", file=sys.stderr)
            engine = store.server_version()
            if store.engine is not None:
                engine = (
                    f"ArcadeDB embedded (arcadedb-embedded "
                    f"{importlib.metadata.version('arcadedb-embedded')}), "
                    f"answering Bolt as {engine}"
                )
            result = ScaleResult(
                relations, store.node_count(), load, engine=engine, kind=side.kind, load_s=load_s
            )
            ids = pick_ids(store)
            server = Server(data_dir, env)
            try:
                with httpx.Client(base_url=server.base, timeout=300) as client:
                    result.reads = bench_reads(store, client, ids, args.reps, lite=lite)
                result.concurrency = bench_concurrency(server.base, args.clients, args.per_client)
                result.app_rss = peak_rss_mb(server.proc.pid)
                proc = store.engine.process if store.engine is not None else None
                result.engine_rss = peak_rss_mb(proc.pid if proc is not None else side.pid)
            finally:
                server.stop()
    return result  # a Neo4j is wiped at the start of the next scale (and dropped at the end)


def run_side(
    side: Engine,
    scales: list[int],
    big: list[int],
    budget: float,
    args: argparse.Namespace,
    results: list[ScaleResult],
    publish: Callable[[], None],
) -> str:
    """Every scale on one engine; the big ones only while the last load projects within `budget`.

    Appends to `results` (and publishes the report) scale by scale; returns a sentence on
    where the side stopped (empty if it did not).
    """
    for n in scales:
        results.append(run_scale(n, args, side))
        publish()
    for n in big:
        if budget == math.inf:
            results.append(
                run_scale(n, args, side, lite=True, writer_only=n >= args.writer_only_from)
            )
            publish()
            continue
        last = results[-1]
        projected = last.load_s * n / last.relations
        if n >= args.writer_only_from and last.load.raw_rps:
            projected /= 3  # one load instead of three
        if projected > budget:
            note = (
                f"{side.kind} stopped before {n:,} relations: its loads at "
                f"{last.relations:,} took {last.load_s:,.0f} s, so {n:,} projects to "
                f"{projected:,.0f} s, past this run's budget of {budget:,.0f} s per scale."
            )
            print("  " + note, file=sys.stderr)
            return note
        results.append(run_scale(n, args, side, lite=True, writer_only=n >= args.writer_only_from))
        publish()
    return ""


def bench_files(batch: int) -> dict[str, list[dict[str, Any]]] | None:
    """The shared files with and without resolution, in a fresh embedded engine."""
    print("shared files, with and without resolution", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="tnr-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "NEO4J_URI"}
        settings = Settings.from_env({**env, "TNR_DATA_DIR": tmp, "TNR_ENGINE_HEAP": HEAP})
        with Store.open(settings, bind_ogm=False) as store:
            store.ensure_schema()
            out = measure_files(store, Path(tmp), batch)
    for x in out["on_top"]:
        print(f"  {x['file']}: with / without {x['ratio']:.2f}", file=sys.stderr)
    return out if out["empty"] else None


# -- the report -----------------------------------------------------------------------------
def machine(engines: dict[str, str]) -> list[str]:
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
        *(f"- {kind}: {version}" for kind, version in engines.items()),
    ]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


def mb(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "n/a"


def rate(value: float) -> str:
    return f"{value:,.0f}" if value else "n/a (one load only)"


def ratio(a: float | None, b: float | None) -> str:
    return f"**{a / b:.2f}**" if a and b else "n/a"


def case(name: str) -> str:
    """The read case of a row: shortestPath's end points differ from scale to scale."""
    return "shortestPath" if name.startswith("shortestPath") else name


def comparison(scales: list[ScaleResult]) -> list[str]:
    """Neo4j against the embedded engine, at every scale both reached: > 1 means Neo4j wins."""
    by = {(s.kind, s.relations): s for s in scales}
    both = sorted({n for k, n in by if k == "neo4j" and ("embedded", n) in by})
    if not both:
        return ["Only one engine ran, so there is nothing to compare."]
    names = [case(r.name) for r in by[("neo4j", both[0])].reads]

    def read_ratio(neo: ScaleResult, emb: ScaleResult, name: str) -> str:
        a = next((r for r in neo.reads if case(r.name) == name), None)
        b = next((r for r in emb.reads if case(r.name) == name), None)
        return ratio(pct(b.cypher, 50), pct(a.cypher, 50)) if a and b else "n/a"

    lines = [
        "Each cell is Neo4j's figure over the embedded engine's at the same scale, on the "
        "same synthetic graph in the same run, oriented so that **> 1 means Neo4j is faster** "
        "(for memory: > 1 means Neo4j uses more).",
        "",
        "| relations | raw load | writer load | writer again | "
        + " | ".join(f"{name} (Cypher p50)" for name in names)
        + " | GraphQL page req/s | engine peak RSS |",
        "|---:|---:|---:|---:|" + "---:|" * len(names) + "---:|---:|",
    ]
    for n in both:
        neo, emb = by[("neo4j", n)], by[("embedded", n)]
        reads = [read_ratio(neo, emb, name) for name in names]
        page = ratio(neo.concurrency[-1].throughput, emb.concurrency[-1].throughput)
        lines.append(
            f"| {n:,} | {ratio(neo.load.raw_rps, emb.load.raw_rps)} | "
            f"{ratio(neo.load.writer_rps, emb.load.writer_rps)} | "
            f"{ratio(neo.load.reload_rps, emb.load.reload_rps)} | "
            + " | ".join(reads)
            + f" | {page} | {ratio(neo.engine_rss, emb.engine_rss)} |"
        )
    lines.append("")
    for n in both:
        neo, emb = by[("neo4j", n)], by[("embedded", n)]
        emb_by = {case(r.name): r for r in emb.reads}
        logs = [
            math.log(pct(emb_by[case(r.name)].cypher, 50) / pct(r.cypher, 50))
            for r in neo.reads
            if case(r.name) in emb_by
        ]
        reads_gm = math.exp(sum(logs) / len(logs)) if logs else 0.0
        lines.append(
            f"- at {n:,} relations: Neo4j reads {reads_gm:.2f}× as fast as the embedded "
            f"engine (geometric mean of the Cypher p50 ratios), loads through the "
            f"writer {neo.load.writer_rps / emb.load.writer_rps:.2f}× as fast."
        )
    return lines


def report(
    command: str,
    scales: list[ScaleResult],
    er: dict[str, object] | None,
    er_note: str,
    engines: dict[str, str],
    stops: list[str],
    args: argparse.Namespace,
    plot: str | None,
    took: float,
    files: dict[str, list[dict[str, Any]]] | None = None,
) -> str:
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
        *machine(engines),
        "",
        "Every figure below was measured in that one run, each beside its baseline; the",
        "absolute numbers belong to this (shared, noisy) machine, the **ratios** are what",
        "carry over. Graphs are synthetic (benchmarks/synthetic.py, seed 7), the same graph on both",
        "engines at each scale, written to a fresh embedded engine per scale and to one Neo4j",
        "wiped between scales. The scale is the number of relations the generator asks for.",
        "",
        "## Neo4j against the embedded engine",
        "",
        *comparison(scales),
        "",
        *stops,
        "",
        "## Load: the writer against the engine's raw `UNWIND ... CREATE`",
        "",
        f"Same rows, same batch size ({args.batch}). The writer validates, checks sources and "
        "MERGEs; the raw load only CREATEs.",
        "",
        "| engine | relations | records | raw records/s | writer records/s | writer / raw | "
        "writer again (all unchanged) records/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scales:
        lines.append(
            f"| {s.kind} | {s.relations:,} | {s.load.records:,} | {rate(s.load.raw_rps)} | "
            f"{s.load.writer_rps:,.0f} | "
            + (f"**{s.load.ratio:.2f}**" if s.load.ratio else "n/a")
            + f" | {rate(s.load.reload_rps)} |"
        )
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
        "| engine | relations | query | result | statements | runs | API p50 | API p99 | "
        "Cypher p50 | Cypher p99 | API / Cypher (p50) |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scales:
        for r in s.reads:
            a50, c50 = pct(r.api, 50), pct(r.cypher, 50)
            lines.append(
                f"| {s.kind} | {s.relations:,} | {r.name} | {r.size} | {r.statements} | "
                f"{len(r.api)} | {ms(a50)} | {ms(pct(r.api, 99))} | {ms(c50)} | "
                f"{ms(pct(r.cypher, 99))} | **{a50 / c50:.1f}** |"
            )
    lines += [
        "",
        "## Concurrency",
        "",
        f"{args.clients} concurrent clients (one httpx AsyncClient, {args.clients} "
        f"connections) on 127.0.0.1, {args.per_client} requests each, against the same "
        "server: a GraphQL page query and a trivial Starlette endpoint added to the "
        "benchmark's own app instance (benchmarks/server.py, not the product app).",
        "",
        "| engine | relations | endpoint | requests | errors | req/s | p50 ms | p99 ms | "
        "throughput / trivial |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scales:
        trivial = s.concurrency[0].throughput if s.concurrency else 0.0
        for c in s.concurrency:
            lines.append(
                f"| {s.kind} | {s.relations:,} | {c.endpoint} | {c.requests} | "
                f"{c.errors} | {c.throughput:,.0f} | {ms(pct(c.latencies, 50))} | "
                f"{ms(pct(c.latencies, 99))} | "
                f"**{c.throughput / trivial if trivial else 0:.2f}** |"
            )
    lines += [
        "",
        "## Memory",
        "",
        "Peak resident set size (VmHWM, MB) at the end of each scale's run: the app process "
        "(uvicorn, after all the reads and the concurrency run) and the engine process "
        "(ArcadeDB in its own JVM, fresh per scale; Neo4j in its own JVM, one for the whole "
        "run, so its peak is the largest so far).",
        "",
        "| engine | relations | nodes | load s (3 loads) | app peak RSS MB | engine peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in scales:
        lines.append(
            f"| {s.kind} | {s.relations:,} | {s.nodes:,} | {s.load_s:,.0f} | "
            f"{mb(s.app_rss)} | {mb(s.engine_rss)} |"
        )
    lines += ["", "## Loading the shared files: with entity resolution against without", ""]
    if not files:
        lines.append("Skipped: the shared data files are not here (or --no-files).")
    else:
        lines += [FILES_INTRO, "", *files_table(files)]
    lines += ["", "## Entity resolution", ""]
    if er is None:
        lines.append(er_note)
    else:
        lines += [er_note, "", *resolver_table(er)]
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
    styles = {"embedded": "--s", "neo4j": "-o"}
    for kind, style in styles.items():
        mine = [s for s in scales if s.kind == kind]
        if not mine:
            continue
        xs = [s.relations for s in mine]
        for i, name in enumerate(r.name for r in mine[0].reads):
            points = [
                (s.relations, pct(r.cypher, 50) * 1e3)
                for s in mine
                for r in s.reads
                if case(r.name) == case(name)
            ]
            left.plot(
                [x for x, _ in points],
                [y for _, y in points],
                style,
                color=f"C{i}",
                alpha=0.8,
                label=f"{name} ({kind})",
            )
        right.plot(xs, [s.engine_rss or 0 for s in mine], style, label=f"{kind} engine")
        right.plot(xs, [s.app_rss or 0 for s in mine], style, alpha=0.5, label=f"app on {kind}")
    left.set(
        xscale="log",
        yscale="log",
        xlabel="relations",
        ylabel="Cypher p50 ms",
        title="reads: Neo4j (solid) vs embedded (dashed)",
    )
    left.legend(fontsize=6)
    right.set(xscale="log", xlabel="relations", ylabel="peak RSS MB", title="memory")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


@contextlib.contextmanager
def neo4j_side(want: bool) -> Iterator[tuple[Engine | None, str]]:
    """The Neo4j of NEO4J_URI (wiped: only with TNR_BENCH_ALLOW_WIPE=1), else one started here."""
    if not want:
        yield None, "Neo4j: not asked for (--engines)."
        return
    if os.environ.get("NEO4J_URI"):
        if os.environ.get("TNR_BENCH_ALLOW_WIPE") != "1":
            raise SystemExit(
                "NEO4J_URI is set: the benchmark wipes that database; "
                "set TNR_BENCH_ALLOW_WIPE=1 to allow it"
            )
        env = {k: v for k, v in os.environ.items() if k.startswith("NEO4J_")}
        yield Engine("neo4j", env), ""
        return
    reason = neo4j_server.unavailable_reason()
    if reason is not None:
        yield None, f"Neo4j: not measured ({reason})."
        return
    with tempfile.TemporaryDirectory(prefix="tnr-bench-neo4j-") as tmp:
        server = neo4j_server.Neo4jServer(
            Path(tmp), heap=NEO4J_HEAP, pagecache_mb=NEO4J_PAGECACHE_MB
        )
        address = server.start()
        try:
            pid = server.process.pid if server.process is not None else None
            yield Engine("neo4j", address.env(), pid), ""
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--scales",
        default=None,
        help="comma-separated relation counts, on every engine (default 1000,10000; quick: 1000)",
    )
    parser.add_argument(
        "--big",
        default=None,
        help="the scale step after them: Neo4j runs all, the embedded engine "
        "while its projected load fits --budget (default 100000,1000000; "
        "quick: none)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=900.0,
        help="seconds the embedded engine's three loads may take at one big "
        "scale, projected from the scale before (default 900)",
    )
    parser.add_argument("--engines", default="embedded,neo4j")
    parser.add_argument(
        "--writer-only-from",
        type=int,
        default=1_000_000,
        help="from this scale on, one load (the writer) instead of three",
    )
    parser.add_argument("--no-er", action="store_true", help="leave out entity resolution")
    parser.add_argument("--quick", action="store_true", help="one small scale, few runs")
    parser.add_argument("--reps", type=int, default=None, help="runs per read (default 15)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--per-client", type=int, default=None, help="requests per client (default 15)"
    )
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--er-file", type=Path, default=DEFAULT_FILE)
    parser.add_argument(
        "--er-every",
        type=int,
        default=None,
        help="resolve every n-th row of the sanctions list (default 1: all)",
    )
    parser.add_argument(
        "--er-sample", type=int, default=None, help="names for the naive loop (default 300)"
    )
    parser.add_argument(
        "--no-files",
        action="store_true",
        help="skip loading the shared files with and without resolution",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--no-serving",
        action="store_true",
        help="leave out the full-data serving run (benchmarks/serving.py)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    scales_arg = args.scales if args.scales is not None else ("1000" if quick else "1000,10000")
    scales = [int(x) for x in scales_arg.split(",") if x.strip()]
    big_arg = args.big if args.big is not None else ("" if quick else "100000,1000000")
    big = [int(x) for x in big_arg.split(",") if x.strip()]
    kinds = {k.strip() for k in args.engines.split(",")}
    args.reps = args.reps or (5 if quick else 15)
    args.per_client = args.per_client or (8 if quick else 15)
    args.er_every = args.er_every or (8 if quick else 1)
    args.er_sample = args.er_sample or (100 if quick else 300)
    command = "python -m benchmarks" + "".join(f" {a}" for a in (argv or sys.argv[1:]))

    started = time.perf_counter()
    results: list[ScaleResult] = []
    stops: list[str] = []
    er: dict[str, object] | None = None
    files: dict[str, list[dict[str, Any]]] | None = None
    er_note = "Not run yet (it runs last)." if not args.no_er else "Not run (--no-er)."
    plot_path = RESULTS / "benchmarks.png"

    def publish(final: bool = False) -> None:
        """Write the report of every scale finished so far (so a cut-short run keeps them)."""
        engines: dict[str, str] = {}
        for r in results:
            engines.setdefault(
                r.kind,
                r.engine
                + (
                    f" (heap {HEAP})"
                    if r.kind == "embedded"
                    else f" (heap {NEO4J_HEAP}, page cache {NEO4J_PAGECACHE_MB} MB)"
                ),
            )
        plotted = draw(results, plot_path)
        note = (
            []
            if final
            else [
                "**This run was still going when this was written: the scales "
                "below are the ones it had finished.**"
            ]
        )
        text = report(
            command,
            results,
            er,
            er_note,
            engines,
            stops + note,
            args,
            str(plot_path.relative_to(ROOT)) if plotted else None,
            time.perf_counter() - started,
            files,
        )
        args.out.write_text(text, encoding="utf-8")
        if final:
            print(text)
            print(f"wrote {args.out}" + (f" and {plot_path}" if plotted else ""), file=sys.stderr)

    if "embedded" in kinds:
        stop = run_side(Engine("embedded", {}), scales, big, args.budget, args, results, publish)
        stops += [stop] if stop else []
    with neo4j_side("neo4j" in kinds) as (side, note):
        if side is not None:
            run_side(side, scales, big, math.inf, args, results, publish)
        else:
            stops.append(note)
    files = None if args.no_files or quick else bench_files(args.batch)
    if args.no_er:
        pass
    elif args.er_file.exists():
        print("entity resolution", file=sys.stderr)
        er = measure_resolver(args.er_file, args.er_sample, args.er_every)
        er_note = resolver_note(args.er_file, args.er_every, er)
    else:
        er_note = f"Skipped: {args.er_file} is not here (the shared data folder)."
    publish(final=True)
    if not (quick or args.no_serving):
        from benchmarks import serving, visibility

        print("serving the full shared data", file=sys.stderr)
        section = serving.report(serving.run(32, 30.0, 40, 60))
        serving.update(args.out, section)
        print(section)
        if neo4j_server.unavailable_reason() is None and "neo4j" in args.engines:
            print("serving the full shared data on Neo4j", file=sys.stderr)
            result = serving.run(32, 30.0, 40, 60, "neo4j")
            section = serving.report(result)
            serving.update(args.out, section, serving.heading_for(result.engine))
            print(section)
        print("the public role against the analyst", file=sys.stderr)
        section = visibility.section(*visibility.run(11, True))
        visibility.update(args.out, section)
        print(section)


if __name__ == "__main__":
    main()
