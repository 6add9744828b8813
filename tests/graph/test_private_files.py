"""What the graph writes beside the store is readable by its owner only, whatever the umask:
a load's report of rejected rows (raw rows may name people at risk) and the resolve index."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.records import Rejected
from graph.resolve import ResolveIndex
from graph.store import Store
from graph.writer import Writer


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)  # what most systems give: files 0644, folders 0755
    try:
        yield
    finally:
        os.umask(old)


def _loose(root: Path) -> list[str]:
    return [
        f"{p} {stat.filemode(p.stat().st_mode)}"
        for p in [root, *root.rglob("*")]
        if p.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    ]


def test_a_loads_report_of_rejected_rows_is_the_owners_only(
    empty_store: Store, tmp_path: Path, permissive_umask: None
) -> None:
    reports = tmp_path / "reports"
    bad = Rejected("victims.csv", "line 7", "date", "not a date", "A Target Who Must Not Be Read,x")
    summary = Writer(empty_store, origin="victims.csv", report_dir=reports).write([bad])
    assert summary.total("rejected") == 1
    (report,) = reports.iterdir()
    assert "A Target Who Must Not Be Read" in report.read_text(encoding="utf-8")
    assert _loose(reports) == []
    summary = Writer(empty_store, origin="victims.csv", report_dir=reports).write([bad])
    assert _loose(reports) == [], "written again over the old report: still the owner's only"


def test_the_resolve_index_is_the_owners_only(tmp_path: Path, permissive_umask: None) -> None:
    index = ResolveIndex(tmp_path / "resolver" / "index-x.json")
    index.mark_pending({"Person": {"person_1"}}, ["Person"])
    index.save()
    assert (tmp_path / "resolver" / "index-x.json").exists()
    assert _loose(tmp_path / "resolver") == []
    assert ResolveIndex(tmp_path / "resolver" / "index-x.json").pending == {"Person": {"person_1"}}
