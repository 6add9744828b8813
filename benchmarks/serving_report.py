"""What one serving run measured, and its section of BENCHMARKS.md."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.mix import Mixed, pct


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
