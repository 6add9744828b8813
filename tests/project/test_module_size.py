"""No module grows past 500 lines: a module that size holds more than one thing (split it by
what it holds, as the others were)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 500
#: What counts as a module: the Python of every package, tests and benchmarks included, and
#: the explorer's scripts.
SUFFIXES = (".py", ".js")


def test_every_module_is_under_500_lines() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", *(f"*{s}" for s in SUFFIXES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked, "no module found: is this a git checkout?"
    sizes = {p: len((ROOT / p).read_text(encoding="utf-8").splitlines()) for p in tracked}
    over = {p: n for p, n in sorted(sizes.items()) if n >= LIMIT}
    assert over == {}, f"modules of {LIMIT} lines or more: {over}"
