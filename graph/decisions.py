"""A resolver's or a reviewer's judgement on two nodes of one type, kept as data: the
`Decision`, its judgements, and the Sources that cite them (graph/resolve.py stores them,
graph/review.py is the queue a person works through)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graph.records import Node, Provenance, source_node
from graph.schema import MERGE_DECISION

RESOLVER = "resolver"
JUDGEMENTS = ("match", "no-match", "unsure")


def resolver_source() -> Node:
    return source_node("tnr-graph:resolver", "tnr-graph entity resolver", kind="software")


def review_source() -> Node:
    return source_node("tnr-graph:review", "tnr-graph review decisions", kind="review")


@dataclass(frozen=True, slots=True)
class Decision:
    """A judgement on two nodes of one type; `left` < `right`, so each pair has one id."""

    node_type: str
    left: str
    right: str
    judgement: str
    score: float | None = None
    method: str = ""
    decided_by: str = RESOLVER
    decided_at: str = ""

    def __post_init__(self) -> None:
        if self.judgement not in JUDGEMENTS:
            raise ValueError(
                f"judgement must be one of {', '.join(JUDGEMENTS)}, got {self.judgement!r}"
            )
        if self.left == self.right:
            raise ValueError("a decision needs two different nodes")
        if self.left > self.right:
            left, right = self.right, self.left
            object.__setattr__(self, "left", left)
            object.__setattr__(self, "right", right)

    @property
    def pair(self) -> tuple[str, str]:
        return self.left, self.right

    @property
    def by_person(self) -> bool:
        return self.decided_by != RESOLVER

    def node(self, source: Node) -> Node:
        props: dict[str, Any] = {
            "node_type": self.node_type,
            "left": self.left,
            "right": self.right,
            "judgement": self.judgement,
            "score": self.score,
            "method": self.method or None,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at or dt.date.today().isoformat(),
        }
        return Node(MERGE_DECISION, props, Provenance(source.id, f"{self.left}~{self.right}"))
