"""Load benchmark: the shared writer vs the engine's raw `UNWIND ... CREATE` of the same rows.

Run: `python -m benchmarks.load [--rows N] [--batch B]`. Both sides write the same
nodes and relations to a fresh embedded engine (or NEO4J_URI), in batches of the
same size, in the same run; the ratio is what counts (machines here are noisy).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from graph.records import Edge, Node, Provenance, source_node
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer

TACTICS = ["detention", "denial-of-entry", "spyware", "intimidation", "unlawful-deportation"]


def synthetic(rows: int, seed: int = 7) -> list[Node | Edge]:
    """States, tactics and `rows` incidents, each with ORIGIN_STATE, HOST_STATE and USED_TACTIC."""
    rng = random.Random(seed)
    src = source_node("benchmark:synthetic", "Synthetic benchmark rows")
    prov = Provenance(src.id, "generated")
    states = [Node("State", {"code": f"Q{i:02d}", "name": f"State {i}"}, prov) for i in range(40)]
    tactics = [Node("Tactic", {"code": t, "name": t}, prov) for t in TACTICS]
    out: list[Node | Edge] = [src, *states, *tactics]
    for i in range(rows):
        year = rng.randint(2014, 2024)
        inc = Node("Incident", {"ref": f"bench:{i}", "title": f"Incident {i}", "year": year,
                                "date": f"{year}-{rng.randint(1, 12):02d}",
                                "target_profiles": ["journalist"]}, prov)  # fmt: skip
        origin = states[min(int(rng.paretovariate(1.2)) - 1, 39)]
        host = states[rng.randrange(40)]
        out += [inc, Edge("ORIGIN_STATE", inc.id, origin.id, prov),
                Edge("HOST_STATE", inc.id, host.id, prov),
                Edge("USED_TACTIC", inc.id, rng.choice(tactics).id, prov)]  # fmt: skip
    return out


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
            store.write(f"UNWIND $rows AS r CREATE (n:`{label}`) SET n = r", rows=rows[i : i + batch])
    for (rel, s, t), rows in edges.items():
        for i in range(0, len(rows), batch):
            store.write(
                f"UNWIND $rows AS r MATCH (a:`{s}` {{id: r.s}}) MATCH (b:`{t}` {{id: r.t}}) "
                f"CREATE (a)-[:`{rel}`]->(b)",
                rows=rows[i : i + batch],
            )


def run(rows: int, batch: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tnr-bench-") as tmp:
        settings = Settings.from_env({"TNR_DATA_DIR": str(Path(tmp)), "TNR_ENGINE_HEAP": "2g"})
        records = synthetic(rows)
        n = len(records)
        with Store.open(settings, bind_ogm=False) as store:
            store.ensure_schema()
            t0 = time.perf_counter()
            raw_load(store, records, batch)
            raw_s = time.perf_counter() - t0
            store.wipe()
            t0 = time.perf_counter()
            Writer(store, batch_size=batch).write(records)
            writer_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            summary = Writer(store, batch_size=batch).write(records)
            reload_s = time.perf_counter() - t0
            assert summary.total("created") == 0
    return {
        "records": n,
        "raw_rps": n / raw_s,
        "writer_rps": n / writer_s,
        "reload_rps": n / reload_s,
        "writer_vs_raw": raw_s / writer_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000, help="incidents (x4 records)")
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    r = run(args.rows, args.batch)
    print(f"load benchmark: {int(r['records'])} records, batch {args.batch}, embedded engine")
    print(f"  raw UNWIND ... CREATE      {r['raw_rps']:10.0f} records/s")
    print(f"  writer (validate + MERGE)  {r['writer_rps']:10.0f} records/s")
    print(f"  writer, same data again    {r['reload_rps']:10.0f} records/s (all unchanged)")
    print(f"  ratio writer / raw         {r['writer_vs_raw']:10.2f}")


if __name__ == "__main__":
    main()
