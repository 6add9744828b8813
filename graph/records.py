"""The plain records that loaders yield and the writer stores.

A loader's `parse(path)` yields `Node`, `Edge` and `Rejected` records and never
touches a database; the writer validates and stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.ids import make_id, normalize_key
from graph.schema import SOURCE, load_schema


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a fact comes from: a Source node's id and the place in it."""

    source_id: str
    locator: str = ""
    confidence: float = 1.0

    def citation(self) -> str:
        return f"{self.source_id}|{self.locator}" if self.locator else self.source_id


@dataclass(slots=True)
class Node:
    type: str
    props: dict[str, Any]
    provenance: Provenance
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.id:
            nt = load_schema().node(self.type)
            keys = [self.props.get(k) for k in nt.keys]
            # Without its first natural key a node has no id; the writer rejects it.
            self.id = make_id(self.type, *keys) if normalize_key(keys[0]) else ""


@dataclass(slots=True)
class Edge:
    type: str
    source: str
    target: str
    provenance: Provenance
    props: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be read, with the place and field at fault."""

    file: str
    location: str
    field: str
    message: str
    raw: str = ""

    def __str__(self) -> str:
        where = f"{self.file}, {self.location}" if self.location else self.file
        what = f" field {self.field!r}:" if self.field else ""
        return f"{where}:{what} {self.message}"


Record = Node | Edge | Rejected


def source_node(ref: str, title: str, **props: Any) -> Node:
    """A Source node; its provenance is itself."""
    node = Node(SOURCE, {"ref": ref, "title": title, **props}, Provenance("pending"))
    node.provenance = Provenance(node.id, "", 1.0)
    return node
