"""Loaders: each module parses one source format into records, purely.

A loader module defines `NAME` (the format name used by `tnr load NAME PATH`),
`DESCRIPTION` (one line) and `parse(path) -> Iterator[Record]`. The registry
finds them by itself; adding a loader means adding one module. A file-level fact
that a file may not state (the product of a victims list, the vendor of a customer
list) is a keyword-only parameter of `parse`; `tnr load` offers it as an option.
"""

from __future__ import annotations

import importlib
import inspect
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
    #: File-level facts the loader can be told (keyword-only parameters of `parse`, e.g.
    #: product, vendor), for files that do not state them.
    options: tuple[str, ...] = ()


def registry() -> dict[str, LoaderSpec]:
    """Every loader module in this package, by format name."""
    found: dict[str, LoaderSpec] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "NAME", None)
        parse = getattr(module, "parse", None)
        if isinstance(name, str) and callable(parse):
            options = tuple(
                p.name
                for p in inspect.signature(parse).parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY
            )
            found[name] = LoaderSpec(
                name, str(getattr(module, "DESCRIPTION", "")), parse, module.__name__, options
            )
    return dict(sorted(found.items()))
