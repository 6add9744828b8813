"""What an export contains: a subgraph (or the whole graph) as the caller's role may see it.

Every exporter starts from `export_view(store, ids, role)`. For `public` it applies the
one redaction rule of `api.access` to every node, and goes one step further for the
things an export carries besides node properties:

- a redacted person gets the anonymous id of `public_id` and the label of `label_for`;
  the ids of relations that touch it are recomputed from that anonymous id (a relation
  id is an unkeyed hash of its ends, so the original would let anyone test a guessed name);
- relations of a redacted person lose their citations, and MEMBER_OF relations go
  (they would give the affiliation the schema marks sensitive);
- every Source cited by a redacted person or by a relation that touches one is withheld:
  it is not exported, and other facts stop citing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from api.access import Role, is_redacted, label_for, public_id, redact_properties
from graph.store import Store
from graph.writer import edge_id
from queries.common import node_type
from queries.network import Graph, GraphEdge, GraphNode, subgraph

#: Relations a redacted person loses in public exports (they reveal a sensitive property).
IDENTIFYING_RELATIONS = frozenset({"MEMBER_OF"})
PROVENANCE = ("source_ids", "citations")
#: Node types that are the graph's own bookkeeping, never exported (a merge decision
#: names the two records it compared, which may be people at risk).
INTERNAL_TYPES = frozenset({"MergeDecision"})


@dataclass(frozen=True)
class ExportView:
    """The graph to export, already redacted for `role`, in a stable order."""

    graph: Graph
    role: Role
    withheld_sources: frozenset[str] = frozenset()

    @property
    def nodes(self) -> tuple[GraphNode, ...]:
        return self.graph.nodes

    @property
    def edges(self) -> tuple[GraphEdge, ...]:
        return self.graph.edges

    def by_id(self) -> dict[str, GraphNode]:
        return {n.id: n for n in self.graph.nodes}


def whole_graph(store: Store) -> Graph:
    """Every node and relation of the store."""
    nodes: list[GraphNode] = []
    for r in store.read("MATCH (n) RETURN properties(n) AS p, labels(n) AS l"):
        props: dict[str, Any] = dict(r["p"])
        type_name = node_type(store.schema, r["l"], props.get("id"))
        if type_name not in store.schema.nodes or type_name in INTERNAL_TYPES:
            continue
        label = label_for(type_name, props, Role.ADMIN)
        nodes.append(GraphNode(str(props["id"]), type_name, label, props))
    kept = {n.id for n in nodes}
    rows = store.read(
        "MATCH (a)-[r]->(b) RETURN a.id AS s, b.id AS e, type(r) AS t, properties(r) AS p"
    )
    edges = [
        GraphEdge(str((r["p"] or {}).get("id") or f"{r['t']}:{r['s']}->{r['e']}"),
                  r["t"], r["s"], r["e"], dict(r["p"] or {}))
        for r in rows
        if r["s"] in kept and r["e"] in kept
    ]  # fmt: skip
    return Graph(tuple(nodes), tuple(edges))


def _cites(props: Mapping[str, Any]) -> set[str]:
    found = {str(s) for s in props.get("source_ids") or []}
    found |= {str(c).split("|", 1)[0] for c in props.get("citations") or []}
    return found


def _without_sources(props: Mapping[str, Any], withheld: frozenset[str]) -> dict[str, Any]:
    out = dict(props)
    if withheld:
        if "source_ids" in out:
            out["source_ids"] = [s for s in out["source_ids"] or [] if s not in withheld]
        if "citations" in out:
            out["citations"] = [
                c for c in out["citations"] or [] if str(c).split("|", 1)[0] not in withheld
            ]
    return out


def redact_graph(graph: Graph, role: Role) -> ExportView:
    """`graph` as `role` may see it (see the module docstring)."""
    redacted = {n.id for n in graph.nodes if is_redacted(n.type, n.properties, role)}
    withheld: set[str] = set()
    edges: list[GraphEdge] = []
    for e in graph.edges:
        touches = e.source in redacted or e.target in redacted
        if touches:
            withheld |= _cites(e.properties)
            if e.type in IDENTIFYING_RELATIONS:
                continue
        edges.append(e)
    for n in graph.nodes:
        if n.id in redacted:
            withheld |= _cites(n.properties)
    frozen = frozenset(withheld)
    ids: dict[str, str] = {}
    nodes: list[GraphNode] = []
    for n in graph.nodes:
        if n.type == "Source" and n.id in frozen:
            continue
        pid = public_id(n.id, n.type, n.properties, role)
        ids[n.id] = pid
        props = redact_properties(n.type, n.properties, role)
        props = _without_sources(props, frozen)
        props["id"] = pid
        nodes.append(GraphNode(pid, n.type, label_for(n.type, n.properties, role), props))
    out_edges: list[GraphEdge] = []
    for e in edges:
        if e.source not in ids or e.target not in ids:
            continue
        s, t = ids[e.source], ids[e.target]
        props = _without_sources(e.properties, frozen)
        eid = e.id
        if e.source in redacted or e.target in redacted:
            props = {k: v for k, v in props.items() if k not in PROVENANCE}
            props["source_ids"], props["citations"] = [], []
            eid = edge_id(e.type, s, t)
            props["id"] = eid
        out_edges.append(GraphEdge(eid, e.type, s, t, props))
    nodes.sort(key=lambda n: (n.type, n.id))
    out_edges.sort(key=lambda e: e.id)
    return ExportView(Graph(tuple(nodes), tuple(out_edges), graph.truncated), role, frozen)


def export_view(store: Store, ids: Iterable[str] | None, role: Role) -> ExportView:
    """The subgraph of `ids` (the whole graph when None), redacted for `role`."""
    graph = whole_graph(store) if ids is None else subgraph(store, ids)
    if ids is not None:
        kept = tuple(n for n in graph.nodes if n.type not in INTERNAL_TYPES)
        keep = {n.id for n in kept}
        edges = tuple(e for e in graph.edges if e.source in keep and e.target in keep)
        graph = Graph(kept, edges, graph.truncated)
    return redact_graph(graph, role)
