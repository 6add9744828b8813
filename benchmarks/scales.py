"""One engine through every scale: the synthetic graph loaded, read, hammered and measured."""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.concurrency import bench_concurrency
from benchmarks.engines import Engine, engine_env
from benchmarks.figures import LoadResult, ScaleResult, peak_rss_mb
from benchmarks.load import measure as measure_load
from benchmarks.load import synthetic
from benchmarks.process import Server
from benchmarks.reads import bench_reads, pick_ids
from graph.settings import Settings
from graph.store import Store


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
