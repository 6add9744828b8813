"""Load benchmark: the shared writer vs the engine's raw `UNWIND ... CREATE` of the same rows.

Run: `python -m benchmarks.load [--relations N] [--batch B]`. Both sides write the same
synthetic graph (graph/synthetic.py: incidents, trade, sanctions; N relations) to a fresh
embedded engine (or NEO4J_URI), in batches of the same size, in the same run; the ratio is
what counts (machines here are noisy).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from graph.records import Edge, Node
from graph.settings import Settings
from graph.store import Store
from graph.synthetic import generate
from graph.writer import Writer


def synthetic(relations: int, seed: int = 7) -> list[Node | Edge]:
    """A synthetic graph of `relations` relations (graph/synthetic.py), as a list.

    Both sides of the benchmark need the same rows, so they are materialised here.
    """
    return list(generate(relations=relations, seed=seed))


def raw_load(store: Store, records: list[Node | Edge], batch: int) -> None:
    """The engine's own rate: plain UNWIND ... CREATE, no validation, no merge."""
    nodes: dict[str, list[dict[str, Any]]] = {}
    edges: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in records:
        if isinstance(r, Node):
            nodes.setdefault(r.type, []).append({"id": r.id, **r.props})
        else:
            key = (r.type, store.schema.type_of_id(r.source), store.schema.type_of_id(r.target))
            edges.setdefault(key, []).append({"s": r.source, "t": r.target})
    for label, rows in nodes.items():
        for i in range(0, len(rows), batch):
            store.write(
                f"UNWIND $rows AS r CREATE (n:`{label}`) SET n = r", rows=rows[i : i + batch]
            )
    for (rel, s, t), rows in edges.items():
        for i in range(0, len(rows), batch):
            store.write(
                f"UNWIND $rows AS r MATCH (a:`{s}` {{id: r.s}}) MATCH (b:`{t}` {{id: r.t}}) "
                f"CREATE (a)-[:`{rel}`]->(b)",
                rows=rows[i : i + batch],
            )


def measure(
    store: Store, records: list[Node | Edge], batch: int, full: bool = True
) -> dict[str, float]:
    """Raw load, wipe, writer load, writer load again, on an empty `store`.

    With `full=False` only the writer load (the other rates are 0: not measured), for
    scales where three loads would not fit the run. The store is left holding the graph
    the writer wrote (the benchmarks read it next).
    """
    n = len(records)
    raw_s = reload_s = 0.0
    if full:
        t0 = time.perf_counter()
        raw_load(store, records, batch)
        raw_s = time.perf_counter() - t0
        store.wipe()
    t0 = time.perf_counter()
    Writer(store, batch_size=batch).write(records)
    writer_s = time.perf_counter() - t0
    if full:
        t0 = time.perf_counter()
        summary = Writer(store, batch_size=batch).write(records)
        reload_s = time.perf_counter() - t0
        assert summary.total("created") == 0
    return {
        "records": n,
        "raw_rps": n / raw_s if raw_s else 0.0,
        "writer_rps": n / writer_s,
        "reload_rps": n / reload_s if reload_s else 0.0,
        "writer_vs_raw": raw_s / writer_s if raw_s else 0.0,
    }


def run(relations: int, batch: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tnr-bench-") as tmp:
        settings = Settings.from_env({"TNR_DATA_DIR": str(Path(tmp)), "TNR_ENGINE_HEAP": "2g"})
        records = synthetic(relations)
        with Store.open(settings, bind_ogm=False) as store:
            store.ensure_schema()
            return measure(store, records, batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--relations", type=int, default=15000, help="relations in the graph")
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    r = run(args.relations, args.batch)
    print(f"load benchmark: {int(r['records'])} records, batch {args.batch}, embedded engine")
    print(f"  raw UNWIND ... CREATE      {r['raw_rps']:10.0f} records/s")
    print(f"  writer (validate + MERGE)  {r['writer_rps']:10.0f} records/s")
    print(f"  writer, same data again    {r['reload_rps']:10.0f} records/s (all unchanged)")
    print(f"  ratio writer / raw         {r['writer_vs_raw']:10.2f}")


if __name__ == "__main__":
    main()
