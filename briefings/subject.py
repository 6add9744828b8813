"""The subject of a briefing (by id, name, code or alias) and the context its sections share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.store import Store
from graph.visibility import Role, View, view
from queries.common import Sources, lookup_ids
from queries.network import GraphNode, fetch_nodes
from queries.search import search

from .model import DEFAULT_SCOPE, KINDS, Footnotes, Table, Text

NODE_TYPE: dict[str, str] = {
    "state": "State",
    "host": "State",
    "vendor": "Vendor",
    "tactic": "Tactic",
}


class SubjectNotFound(LookupError):
    """No node of the briefing's kind answers to the given name or code."""


@dataclass
class Ctx:
    """What the sections of one briefing share: the store, the role, the footnotes, the subject."""

    store: Store
    role: Role
    notes: Footnotes
    sources: Sources
    subject: GraphNode
    kind: str
    scope: str = DEFAULT_SCOPE
    appendix: list[Table] = field(default_factory=list)
    left_out: list[Text] = field(default_factory=list)

    @property
    def code(self) -> str:
        return str(self.subject.properties.get("code") or self.subject.id)

    @property
    def name(self) -> str:
        return self.subject.label

    def cite_ids(self, *lists: Iterable[str] | None) -> tuple[int, ...]:
        return self.notes.cite(self.sources.refs(*lists))

    @property
    def view(self) -> View:
        return view(self.store, self.role)

    def label(self, node: GraphNode) -> str:
        return self.view.label_of(node.id, node.label)


def resolve_subject(store: Store, kind: str, text: str) -> GraphNode:
    """The node a briefing is about: by id, name, code or alias, else the best fuzzy match."""
    if kind not in KINDS:
        raise ValueError(f"unknown briefing kind {kind!r}; kinds are {', '.join(KINDS)}")
    type_name = NODE_TYPE[kind]
    ids = lookup_ids(store, type_name, text)
    if not ids:
        hits = search(store, text, types=[type_name], limit=1, min_score=88.0, refresh=True)
        ids = [h.id for h in hits]
    if not ids:
        raise SubjectNotFound(f"no {type_name} named {text!r} in the graph")
    return fetch_nodes(store, ids[:1])[ids[0]]
