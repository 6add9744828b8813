"""BENCHMARKS.md: the machine, the engines compared, and the table of every step."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
from pathlib import Path
from typing import Any

from benchmarks.figures import ScaleResult, case, pct
from benchmarks.load import FILES_INTRO, files_table
from benchmarks.reads import CASE_BUDGET_S, MIN_RUNS, NEIGHBOURHOOD_LIMIT
from benchmarks.resolver import table as resolver_table


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
