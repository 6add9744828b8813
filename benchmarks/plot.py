"""The plot beside BENCHMARKS.md: read latency and peak memory against the scale."""

from __future__ import annotations

from pathlib import Path

from benchmarks.figures import ScaleResult, case, pct


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
