"""Where a side of the benchmark runs: the embedded engine, or a Neo4j (NEO4J_URI's or our own)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph import neo4j_server

HEAP = os.environ.get("TNR_ENGINE_HEAP", "2g")
#: The Neo4j the benchmark starts (when NEO4J_URI is not set): its JVM heap and page cache.
NEO4J_HEAP = os.environ.get("TNR_NEO4J_HEAP", HEAP)  # the same heap as the embedded engine
NEO4J_PAGECACHE_MB = int(os.environ.get("TNR_NEO4J_PAGECACHE_MB", "1024"))


@dataclass
class Engine:
    """Where one side of the benchmark runs: the embedded engine, or a Neo4j server."""

    kind: str  # "embedded" or "neo4j"
    env: dict[str, str]  # NEO4J_* for Neo4j (the embedded side has none)
    pid: int | None = None  # the Neo4j JVM, for its peak RSS (the embedded one is the store's)


def engine_env(engine: Engine, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    return {**env, **engine.env, "TNR_DATA_DIR": str(data_dir), "TNR_ENGINE_HEAP": HEAP}


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
