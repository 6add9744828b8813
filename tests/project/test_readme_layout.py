"""The README's layout table matches the tree: every folder has a row, every module of a
package is named in its row, and every module a row names exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Packages whose row names each of their modules (tests/ is described by its folders).
PACKAGES = ("graph", "loaders", "queries", "exports", "briefings", "api", "cli", "benchmarks")


def _rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\| `([^`]+)/` \| (.*) \|$", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def _tracked() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return out.split()


def test_every_top_level_folder_has_a_row() -> None:
    folders = {p.split("/", 1)[0] for p in _tracked() if "/" in p and not p.startswith(".")}
    assert folders <= set(_rows()), f"folders without a row: {sorted(folders - set(_rows()))}"
    assert set(_rows()) <= folders, f"rows without a folder: {sorted(set(_rows()) - folders)}"


def test_every_module_of_a_package_is_named_in_its_row_and_every_named_one_exists() -> None:
    rows = _rows()
    tracked = _tracked()
    for package in PACKAGES:
        row = rows[package]
        modules = {
            p.removeprefix(f"{package}/")
            for p in tracked
            if p.startswith(f"{package}/") and p.endswith(".py") and not p.endswith("__init__.py")
        }
        for module in sorted(modules):
            stem = Path(module).stem
            named = f"`{module}`" in row or f"`{Path(module).name}`" in row
            named = named or re.search(rf"`{re.escape(stem)}`", row) is not None
            if stem == "__main__":
                continue
            assert named, f"README layout, {package}/: {module} is not named"
        for named in re.findall(r"`([\w/]+\.py)`", row):
            assert any(m == named or m.endswith("/" + named) for m in modules), (
                f"README layout, {package}/: names {named}, which is not in the tree"
            )
