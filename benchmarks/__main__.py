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
import math
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.engines import HEAP, NEO4J_HEAP, NEO4J_PAGECACHE_MB, Engine, neo4j_side
from benchmarks.figures import ScaleResult
from benchmarks.files import bench_files
from benchmarks.plot import draw
from benchmarks.report import report
from benchmarks.resolver import DEFAULT_FILE
from benchmarks.resolver import measure as measure_resolver
from benchmarks.resolver import note as resolver_note
from benchmarks.scales import run_side
from graph import neo4j_server

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


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
        from benchmarks import serving, serving_report, visibility
        from benchmarks.sections import update

        print("serving the full shared data", file=sys.stderr)
        section = serving_report.report(serving.run(32, 30.0, 40, 60))
        update(args.out, section, serving_report.HEADING)
        print(section)
        if neo4j_server.unavailable_reason() is None and "neo4j" in args.engines:
            print("serving the full shared data on Neo4j", file=sys.stderr)
            result = serving.run(32, 30.0, 40, 60, "neo4j")
            section = serving_report.report(result)
            update(args.out, section, serving_report.heading_for(result.engine))
            print(section)
        print("the public role against the analyst", file=sys.stderr)
        section = visibility.section(*visibility.run(11, True))
        visibility.update(args.out, section)
        print(section)


if __name__ == "__main__":
    main()
