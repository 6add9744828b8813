"""Small helpers the loader tests share: raw CSV rows, and records grouped by type."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from graph.records import Edge, Node, Rejected


def csv_dicts(path: Path) -> list[dict[str, str]]:
    """The file's rows read with the csv module (the independent count, not the loader's)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def nodes_of(records: Iterable[Node | Edge | Rejected], type_name: str) -> dict[str, Node]:
    return {r.id: r for r in records if isinstance(r, Node) and r.type == type_name}


def edges_of(records: Iterable[Node | Edge | Rejected], type_name: str) -> set[tuple[str, str]]:
    return {(r.source, r.target) for r in records if isinstance(r, Edge) and r.type == type_name}
