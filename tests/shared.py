"""The shared data folder beside the project, and a skip when one of its files is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARED_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def shared_file(name: str) -> Path:
    """A file of ../shared/data, or a skip that says it is missing."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared data folder sits beside the project)")
    return path
