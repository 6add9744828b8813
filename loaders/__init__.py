"""Loaders: each module parses one source format into records, purely.

A loader module defines `NAME` (the format name used by `tnr load NAME PATH`),
`DESCRIPTION` (one line) and `parse(path) -> Iterator[Record]`. The registry
finds them by itself; adding a loader means adding one module.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.records import Edge, Node, Rejected

Parse = Callable[[Path], Iterator[Node | Edge | Rejected]]


@dataclass(frozen=True)
class LoaderSpec:
    name: str
    description: str
    parse: Parse
    module: str


def registry() -> dict[str, LoaderSpec]:
    """Every loader module in this package, by format name."""
    found: dict[str, LoaderSpec] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "NAME", None)
        parse = getattr(module, "parse", None)
        if isinstance(name, str) and callable(parse):
            found[name] = LoaderSpec(name, str(getattr(module, "DESCRIPTION", "")), parse, module.__name__)
    return dict(sorted(found.items()))
