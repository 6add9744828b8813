"""The shared files step: each loaded with entity resolution and without, in a fresh engine."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.engines import HEAP
from benchmarks.load import measure_files
from graph.settings import Settings
from graph.store import Store


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
