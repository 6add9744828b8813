"""The graphs the network questions answer (ready for Cytoscape.js), their bounds, and subgraphs.

Nodes and edges carry their stable `id` property, their declared type, a
display label (the schema's label_property) and their properties. Person
properties are returned as stored; the caller redacts for its role.
Results are bounded: a neighbourhood stops growing at `limit` nodes and says so.
The questions: `neighbourhood` (queries/neighbourhood.py), `shortest_path`
(queries/paths.py) and `subgraph` (here), all reading nodes through `fetch_nodes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.store import Store
from graph.visibility import View
from queries.common import check_as_of, label_of, node_type, recorded

#: What every network question answers for an id it cannot show (echoing no input, so an
#: id that exists but is hidden reads exactly like one that does not).
NO_NODE = "no node with that id"
MAX_DEPTH = 3
MAX_PATH = 6
DEFAULT_LIMIT = 300
MAX_LIMIT = 5000


@dataclass(frozen=True)
class GraphNode:
    id: str
    type: str
    label: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphEdge:
    id: str
    type: str
    source: str
    target: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LeftOut:
    """How many nodes of a type the limit left out of a neighbourhood."""

    type: str
    count: int


@dataclass(frozen=True)
class Graph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    truncated: bool = False  # the limit cut the result short
    #: per type, how many nodes the limit left out (a neighbourhood's cut level)
    left_out: tuple[LeftOut, ...] = ()

    def seen_by(self, view: View, drop_withheld_sources: bool = False) -> Graph:
        """This graph as `view` shows it (graph/visibility.py): hidden nodes anonymous,
        their identifying relations gone, admin-only and internal types left out, other
        texts scrubbed; with `drop_withheld_sources`, withheld Source nodes left out."""
        schema = view.schema
        kept: dict[str, GraphNode] = {}
        for n in self.nodes:
            nt = schema.nodes.get(n.type)
            if nt is None or nt.admin_only or nt.internal:
                continue
            if drop_withheld_sources and view.public and n.id in view.hidden.sources:
                continue
            kept[n.id] = n
        nodes = []
        for n in kept.values():
            props = view.node(n.type, n.properties)
            nodes.append(GraphNode(str(props["id"]), n.type, str(props["label"]), props))
        edges = []
        for e in self.edges:
            if e.source not in kept or e.target not in kept:
                continue
            shown = view.relation(e.type, e.properties, (e.source, e.target))
            if shown is None:
                continue
            edge_id = str(shown.get("id") or e.id)
            shown["id"] = edge_id
            edges.append(
                GraphEdge(edge_id, e.type, view.shown_id(e.source), view.shown_id(e.target), shown)
            )
        left_out = tuple(
            x
            for x in self.left_out
            if x.type in schema.nodes
            and not (schema.node(x.type).admin_only or schema.node(x.type).internal)
        )
        return Graph(tuple(nodes), tuple(edges), self.truncated, left_out)

    def to_cytoscape(self) -> dict[str, list[dict[str, Any]]]:
        """Cytoscape.js `elements`: {"nodes": [{"data": ...}], "edges": [{"data": ...}]}."""
        return {
            "nodes": [
                {"data": {**n.properties, "id": n.id, "type": n.type, "label": n.label}}
                for n in self.nodes
            ],
            "edges": [
                {
                    "data": {
                        **e.properties,
                        "id": e.id,
                        "type": e.type,
                        "label": e.type,
                        "source": e.source,
                        "target": e.target,
                    }
                }
                for e in self.edges
            ],
        }


@dataclass(frozen=True)
class Path:
    found: bool
    length: int | None  # number of relations
    graph: Graph  # nodes in path order, edges in path order


def id_label(store: Store, node_id: str) -> str:
    """The declared type (Cypher label) of an id made by make_id; ValueError otherwise."""
    try:
        return store.schema.type_of_id(node_id)
    except KeyError:
        raise ValueError(f"{node_id!r} is not a node id of this graph") from None


def by_label(store: Store, ids: Iterable[str]) -> dict[str, list[str]]:
    """These ids grouped by their declared type (ValueError for one that is not an id)."""
    out: dict[str, list[str]] = {}
    for node_id in ids:
        out.setdefault(id_label(store, node_id), []).append(node_id)
    return out


def to_node(store: Store, props: dict[str, Any], labels: list[str] | None) -> GraphNode:
    """A node read from the store (its properties and labels) as a GraphNode."""
    type_name = node_type(store.schema, labels, props.get("id"))
    return GraphNode(
        str(props["id"]), type_name, label_of(store.schema, type_name, props), dict(props)
    )


def to_edge(rel: str, source: str, target: str, props: dict[str, Any] | None) -> GraphEdge:
    """A relation read from the store as a GraphEdge (its `id`, else one made of its ends)."""
    props = dict(props or {})
    edge_id = str(props.get("id") or f"{rel}:{source}->{target}")
    return GraphEdge(edge_id, rel, source, target, props)


def fetch_nodes(store: Store, ids: Iterable[str], as_of: str | None = None) -> dict[str, GraphNode]:
    """The nodes of these ids (recorded at `as_of`; none: now)."""
    out: dict[str, GraphNode] = {}
    as_of = check_as_of(as_of)
    for label, group in by_label(store, ids).items():
        rows = store.read(
            f"MATCH (n:`{label}`) WHERE n.id IN $ids AND {recorded('n')} "
            "RETURN properties(n) AS p, labels(n) AS l",
            ids=group,
            as_of=as_of,
        )
        for row in rows:
            node = to_node(store, row["p"], row["l"])
            out[node.id] = node
    return out


def subgraph(
    store: Store, ids: Iterable[str], limit: int = MAX_LIMIT, as_of: str | None = None
) -> Graph:
    """These nodes and every relation among them (as recorded at `as_of`; none: now)."""
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > limit:
        raise ValueError(f"at most {limit} ids, got {len(wanted)}")
    as_of = check_as_of(as_of)
    nodes = fetch_nodes(store, wanted, as_of)
    present = sorted(nodes)
    edges: dict[str, GraphEdge] = {}
    for label, group in by_label(store, present).items():
        rows = store.read(
            f"MATCH (n:`{label}`) WHERE n.id IN $ids MATCH (n)-[r]->(m) WHERE m.id IN $all "
            f"AND {recorded('r')} RETURN n.id AS s, m.id AS e, type(r) AS t, properties(r) AS p",
            ids=group,
            all=present,
            as_of=as_of,
        )
        for r in rows:
            edge = to_edge(r["t"], r["s"], r["e"], r["p"])
            edges[edge.id] = edge
    ordered = tuple(nodes[i] for i in wanted if i in nodes)
    return Graph(ordered, tuple(sorted(edges.values(), key=lambda e: e.id)))
