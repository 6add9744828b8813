"""What an export contains: a subgraph (or the whole graph) as the caller's role may see it.

Every exporter starts from `export_view(store, ids, role)`: the graph read once, then
passed whole through the one visibility rule (graph/visibility.py, `Graph.seen_by`), so no
exporter sees a value the role may not see. For `public`, withheld Sources are not
exported at all (and nothing cites them); admin-only and internal types never are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.schema import Schema, load_schema
from graph.store import Store
from graph.visibility import Role, View, view
from queries.common import node_type
from queries.network import Graph, GraphEdge, GraphNode, subgraph


@dataclass(frozen=True)
class ExportView:
    """The graph to export, already redacted for `role`, in a stable order."""

    graph: Graph
    role: Role
    withheld_sources: frozenset[str] = frozenset()
    #: The schema whose `stix:` and `ftm:` mappings the exporters follow (the store's).
    schema: Schema = field(default_factory=load_schema)

    @property
    def nodes(self) -> tuple[GraphNode, ...]:
        return self.graph.nodes

    @property
    def edges(self) -> tuple[GraphEdge, ...]:
        return self.graph.edges

    def by_id(self) -> dict[str, GraphNode]:
        return {n.id: n for n in self.graph.nodes}


def whole_graph(store: Store, seen: View) -> Graph:
    """Every node and relation of the types any general reader may see."""
    nodes: list[GraphNode] = []
    for label in seen.visible_labels():
        for r in store.read(f"MATCH (n:`{label}`) RETURN properties(n) AS p, labels(n) AS l"):
            props: dict[str, Any] = dict(r["p"])
            type_name = node_type(store.schema, r["l"], props.get("id"))
            value = props.get(store.schema.node(type_name).label_property)
            nodes.append(GraphNode(str(props["id"]), type_name, str(value or type_name), props))
    kept = {n.id for n in nodes}
    rows = store.read(
        "MATCH (a)-[r]->(b) RETURN a.id AS s, b.id AS e, type(r) AS t, properties(r) AS p"
    )
    edges = [
        GraphEdge(
            str((r["p"] or {}).get("id") or f"{r['t']}:{r['s']}->{r['e']}"),
            r["t"],
            r["s"],
            r["e"],
            dict(r["p"] or {}),
        )
        for r in rows
        if r["s"] in kept and r["e"] in kept
    ]
    return Graph(tuple(nodes), tuple(edges))


def export_view(store: Store, ids: Iterable[str] | None, role: Role) -> ExportView:
    """The subgraph of `ids` (the whole graph when None), as `role` may see it.

    `ids` come from the operator (`tnr export --ids`): stored ids, or anonymous ids that an
    earlier public export handed out; whatever they name is shown as `role` may see it.
    """
    seen = view(store, role)
    if ids is None:
        graph = whole_graph(store, seen)
    else:
        graph = subgraph(store, [seen.hidden.anon.get(str(i), str(i)) for i in ids])
    shown = graph.seen_by(seen, drop_withheld_sources=True)
    nodes = sorted(shown.nodes, key=lambda n: (n.type, n.id))
    edges = sorted(shown.edges, key=lambda e: e.id)
    withheld = seen.hidden.sources if seen.public else frozenset()
    return ExportView(
        Graph(tuple(nodes), tuple(edges), shown.truncated), role, withheld, store.schema
    )
