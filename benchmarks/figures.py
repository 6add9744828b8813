"""What the benchmarks measure at one scale: the result records, percentiles, peak memory."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path


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


def case(name: str) -> str:
    """The read case of a row: shortestPath's end points differ from scale to scale."""
    return "shortestPath" if name.startswith("shortestPath") else name
