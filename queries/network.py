"""Neighbourhoods, shortest paths and subgraphs, as graphs ready for Cytoscape.js.

Nodes and edges carry their stable `id` property, their declared type, a
display label (the schema's label_property) and their properties. Person
properties are returned as stored; the caller redacts for its role.
Results are bounded: a neighbourhood stops growing at `limit` nodes and says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.store import Store
from graph.visibility import View
from queries.common import check_as_of, label_of, node_type, path_recorded, recorded, year_of

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


def _label(store: Store, node_id: str) -> str:
    """The declared type (Cypher label) of an id made by make_id; ValueError otherwise."""
    try:
        return store.schema.type_of_id(node_id)
    except KeyError:
        raise ValueError(f"{node_id!r} is not a node id of this graph") from None


def _by_label(store: Store, ids: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node_id in ids:
        out.setdefault(_label(store, node_id), []).append(node_id)
    return out


def _node(store: Store, props: dict[str, Any], labels: list[str] | None) -> GraphNode:
    type_name = node_type(store.schema, labels, props.get("id"))
    return GraphNode(
        str(props["id"]), type_name, label_of(store.schema, type_name, props), dict(props)
    )


def _edge(rel: str, source: str, target: str, props: dict[str, Any] | None) -> GraphEdge:
    props = dict(props or {})
    edge_id = str(props.get("id") or f"{rel}:{source}->{target}")
    return GraphEdge(edge_id, rel, source, target, props)


def _in_window(props: dict[str, Any], start: int | None, end: int | None, edge: bool) -> bool:
    """False only when the item has a known year (span) outside start..end."""
    if start is None and end is None:
        return True
    if edge:
        first, last = year_of(props.get("start")), year_of(props.get("end"))
    else:
        first = year_of(
            props.get("year"),
            props.get("date"),
            props.get("period_start"),
            props.get("decision_date"),
            props.get("listing_date"),
        )
        last = year_of(props.get("end_date"), props.get("period_end")) or first
    if first is None and last is None:
        return True
    lo, hi = first if first is not None else last, last if last is not None else first
    assert lo is not None and hi is not None
    return not ((end is not None and lo > end) or (start is not None and hi < start))


def fetch_nodes(store: Store, ids: Iterable[str], as_of: str | None = None) -> dict[str, GraphNode]:
    """The nodes of these ids (recorded at `as_of`; none: now)."""
    out: dict[str, GraphNode] = {}
    as_of = check_as_of(as_of)
    for label, group in _by_label(store, ids).items():
        rows = store.read(
            f"MATCH (n:`{label}`) WHERE n.id IN $ids AND {recorded('n')} "
            "RETURN properties(n) AS p, labels(n) AS l",
            ids=group,
            as_of=as_of,
        )
        for row in rows:
            node = _node(store, row["p"], row["l"])
            out[node.id] = node
    return out


def _neighbour_types(store: Store, label: str, wanted: list[str] | None) -> list[str]:
    """The declared types a node of `label` can be related to (either direction)."""
    found: set[str] = set()
    for rt in store.schema.relations.values():
        if label in rt.sources:
            found.update(rt.targets)
        if label in rt.targets:
            found.update(rt.sources)
    return sorted(t for t in found if wanted is None or t in wanted)


def _cypher_year(expr: str) -> str:
    return f"toInteger(substring({expr}, 0, 4))"


def _window_condition(node: bool) -> str:
    """`_in_window` in Cypher, on `m` (node) or `r` (edge), with $start/$end (years)."""
    if node:
        first = (
            "coalesce(toInteger(m.`year`), "
            + ", ".join(
                _cypher_year(f"m.`{p}`")
                for p in ("date", "period_start", "decision_date", "listing_date")
            )
            + ")"
        )
        last = (
            f"coalesce({_cypher_year('m.`end_date`')}, {_cypher_year('m.`period_end`')}, {first})"
        )
    else:
        first, last = _cypher_year("r.`start`"), _cypher_year("r.`end`")
    lo, hi = f"coalesce({first}, {last})", f"coalesce({last}, {first})"
    return (
        f"({lo} IS NULL OR NOT (($end IS NOT NULL AND {lo} > $end) OR "
        f"($start IS NOT NULL AND {hi} < $start)))"
    )


def neighbourhood(
    store: Store,
    id: str,
    depth: int = 1,
    types: Iterable[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    limit: int = DEFAULT_LIMIT,
    avoid: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset()),
    as_of: str | None = None,
) -> Graph:
    """The nodes within `depth` (1..3) relations of `id`, in either direction.

    `as_of` (a record time): as the graph stood then, walking only the nodes and relations
    recorded by then (LookupError when `id` was not recorded yet).

    `avoid` = (relation types, node ids): relations of those types that touch those nodes
    are not walked (the reader's role may not know of them: `View.avoid`).

    `types` keeps (and walks through) only nodes of those declared types; `start`/`end`
    (years) drop nodes and relations dated wholly outside the window. At most `limit`
    nodes; `truncated` says when more were there.

    Balanced: when the limit cuts a level, every type found there keeps a share, the types
    taken in turn by their schema `relevance` (incidents, agencies, vendors, products and
    sales before bulk rows such as export licences), one node each per turn; `left_out`
    says per type how many nodes of that level were left out (the levels beyond a cut are
    not walked further from what was left out).
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, got {depth}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    wanted = sorted(set(types)) if types is not None else None
    if wanted is not None:
        unknown = [t for t in wanted if t not in store.schema.nodes]
        if unknown:
            raise ValueError(
                f"unknown node types {unknown}; declared: {', '.join(store.schema.nodes)}"
            )
    as_of = check_as_of(as_of)
    first = fetch_nodes(store, [id], as_of)
    if id not in first:
        raise LookupError(NO_NODE)
    nodes: dict[str, GraphNode] = dict(first)
    edges: dict[str, GraphEdge] = {}
    frontier = [id]
    truncated = False
    left_out: dict[str, int] = {}
    windowed = start is not None or end is not None
    # The relations walked: none of `avoid`'s types touching `avoid`'s nodes, none dated
    # outside the window (the same rules as the checks on each row below).
    walk = "NOT (type(r) IN $rels AND (m.id IN $avoid OR n.id IN $avoid))"
    if as_of is not None:
        # Only when asked: on ArcadeDB the two conditions, though true for every row when
        # $as_of is null, made a wide expansion (60k relations) about 1.6 times as slow.
        walk += f" AND {recorded('r')} AND {recorded('m')}"
    if windowed:
        walk += f" AND {_window_condition(node=False)}"
    fresh = "$seen[m.id] IS NULL" + (f" AND {_window_condition(node=True)}" if windowed else "")
    base = {
        "rels": sorted(avoid[0]),
        "avoid": sorted(avoid[1]),
        "start": start,
        "end": end,
        "as_of": as_of,
    }
    ret = (
        "RETURN n.id AS n, type(r) AS t, startNode(r).id AS s, properties(r) AS rp, "
        "properties(m) AS mp, labels(m) AS ml"
    )

    def keep_edge(row: dict[str, Any]) -> None:
        m_id = str(row["mp"]["id"])
        source, target = (row["n"], m_id) if row["s"] == row["n"] else (m_id, row["n"])
        edge = _edge(row["t"], source, target, row["rp"])
        edges[edge.id] = edge

    def walked(row: dict[str, Any]) -> bool:
        m_id = str(row["mp"]["id"])
        if row["t"] in avoid[0] and (m_id in avoid[1] or row["n"] in avoid[1]):
            return False
        return _in_window(row["rp"] or {}, start, end, edge=True)

    for _ in range(depth):
        seen = dict.fromkeys(nodes, True)
        # new nodes of this level by type (first-seen order), the rows that reach them, and
        # how many there are when a capped read did not bring them all
        candidates: dict[str, dict[str, list[dict[str, Any]]]] = {}
        counted: dict[str, int] = {}
        budget = limit - len(nodes)
        cap = max(budget, 1) * 4 + 1
        for label, group in _by_label(store, frontier).items():
            # edges back to nodes already in the graph
            for row in store.read(
                f"MATCH (n:`{label}`) WHERE n.id IN $ids MATCH (n)-[r]-(m) "
                f"WHERE $seen[m.id] IS NOT NULL AND {walk} WITH n, r, m {ret}",
                ids=group,
                seen=seen,
                **base,
            ):
                if walked(row):
                    keep_edge(row)
            for other in _neighbour_types(store, label, wanted):
                # Ordered and cut before anything is projected: the engine reads the
                # properties of the rows kept, not of every relation of the frontier.
                match = (
                    f"MATCH (n:`{label}`) WHERE n.id IN $ids MATCH (n)-[r]-(m:`{other}`) "
                    f"WHERE {fresh} AND {walk}"
                )
                rows = store.read(
                    f"{match} WITH n, r, m ORDER BY m.id LIMIT $cap {ret}",
                    ids=group,
                    seen=seen,
                    cap=cap,
                    **base,
                )
                if len(rows) >= cap:
                    found_rows = store.read(
                        f"{match} RETURN count(DISTINCT m) AS c", ids=group, seen=seen, **base
                    )
                    counted[other] = counted.get(other, 0) + int(found_rows[0]["c"])
                    rows = rows[: cap - 1]
                mine = candidates.setdefault(other, {})
                for row in rows:
                    if walked(row) and _in_window(row["mp"], start, end, edge=False):
                        mine.setdefault(str(row["mp"]["id"]), []).append(row)
        # Balanced: each type in turn (by relevance) takes one more node, until the budget
        # is spent or every candidate is in.
        order = sorted(
            (t for t in candidates if candidates[t]),
            key=lambda t: (store.schema.node(t).relevance, t),
        )
        queues = {t: list(candidates[t]) for t in order}
        kept: dict[str, list[str]] = {t: [] for t in order}
        while budget > 0 and any(queues.values()):
            for t in order:
                if budget > 0 and queues[t]:
                    kept[t].append(queues[t].pop(0))
                    budget -= 1
        found: list[str] = []
        for t in order:
            for m_id in kept[t]:
                rows = candidates[t][m_id]
                nodes[m_id] = _node(store, rows[0]["mp"], rows[0]["ml"])
                found.append(m_id)
                for row in rows:
                    keep_edge(row)
            total = max(counted.get(t, 0), len(candidates[t]))
            if total > len(kept[t]):
                left_out[t] = left_out.get(t, 0) + total - len(kept[t])
                truncated = True
        for t in set(counted) - set(order):  # a type whose capped rows were all dropped
            left_out[t] = left_out.get(t, 0) + counted[t]
            truncated = True
        frontier = found
        if not frontier:
            break
    out = tuple(
        LeftOut(t, c)
        for t, c in sorted(
            left_out.items(), key=lambda kv: (store.schema.node(kv[0]).relevance, kv[0])
        )
    )
    return Graph(tuple(nodes.values()), tuple(edges.values()), truncated, out)


def shortest_path(
    store: Store,
    source_id: str,
    target_id: str,
    max_length: int = MAX_PATH,
    avoid: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset()),
    as_of: str | None = None,
) -> Path:
    """The shortest chain of relations (either direction) between two nodes, up to
    `max_length`, walking no relation of `avoid`'s types that touches `avoid`'s nodes, and
    (`as_of`, a record time) only nodes and relations recorded by then."""
    as_of = check_as_of(as_of)
    if not 1 <= max_length <= MAX_PATH:
        raise ValueError(f"max_length must be between 1 and {MAX_PATH}, got {max_length}")
    a, b = _label(store, source_id), _label(store, target_id)
    if source_id == target_id:
        nodes = fetch_nodes(store, [source_id], as_of)
        return Path(bool(nodes), 0 if nodes else None, Graph(tuple(nodes.values()), ()))
    # max_length is a validated int: variable-length bounds cannot be parameters in Cypher.
    rows = store.read(
        f"MATCH (a:`{a}` {{id: $a}}) MATCH (b:`{b}` {{id: $b}}) "
        f"MATCH p = shortestPath((a)-[*..{int(max_length)}]-(b)) "
        "WHERE none(r IN relationships(p) WHERE type(r) IN $rels AND "
        f"(startNode(r).id IN $avoid OR endNode(r).id IN $avoid)) AND {path_recorded('p')} "
        "RETURN [x IN nodes(p) | properties(x)] AS ns, [x IN nodes(p) | labels(x)] AS ls, "
        "[r IN relationships(p) | {t: type(r), s: startNode(r).id, e: endNode(r).id, "
        "p: properties(r)}] AS rs",
        a=source_id,
        b=target_id,
        rels=sorted(avoid[0]),
        avoid=sorted(avoid[1]),
        as_of=as_of,
    )
    if not rows and as_of is not None and not store.profile.filters_shortest_paths:
        return _walked_path(store, source_id, target_id, max_length, avoid, as_of)
    if not rows:
        return Path(False, None, Graph((), ()))
    row = rows[0]
    nodes_t = tuple(_node(store, p, ls) for p, ls in zip(row["ns"], row["ls"], strict=True))
    edges_t = tuple(_edge(r["t"], r["s"], r["e"], r["p"]) for r in row["rs"])
    return Path(True, len(edges_t), Graph(nodes_t, edges_t))


#: Nodes a path search as of a record time may reach before it gives up (`_walked_path`).
MAX_WALKED = 50_000


def _walked_path(
    store: Store,
    source_id: str,
    target_id: str,
    max_length: int,
    avoid: tuple[frozenset[str], frozenset[str]],
    as_of: str,
) -> Path:
    """`shortest_path` as of a record time for an engine whose shortestPath applies the
    WHERE after its search (graph/engines.py, EngineProfile.filters_shortest_paths): a
    breadth-first search from both ends, a level of the smaller side at a time, walking
    only what was recorded by `as_of`. ValueError past MAX_WALKED nodes."""
    walk = (
        f"NOT (type(r) IN $rels AND (m.id IN $avoid OR n.id IN $avoid)) AND "
        f"{recorded('r')} AND {recorded('m')}"
    )
    ends = fetch_nodes(store, [source_id, target_id], as_of)
    if len(ends) < 2:
        return Path(False, None, Graph((), ()))
    # node id -> (the node it was reached from, the relation row), per side
    reached: tuple[dict[str, Any], dict[str, Any]] = ({source_id: None}, {target_id: None})
    frontiers = ([source_id], [target_id])
    meet: str | None = None
    for _ in range(max_length):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        mine, theirs, found = reached[side], reached[1 - side], []
        for label, group in _by_label(store, frontiers[side]).items():
            for row in store.read(
                f"MATCH (n:`{label}`) WHERE n.id IN $ids MATCH (n)-[r]-(m) WHERE {walk} "
                "RETURN n.id AS n, m.id AS m, type(r) AS t, startNode(r).id AS s, "
                "properties(r) AS rp ORDER BY m",
                ids=group,
                rels=sorted(avoid[0]),
                avoid=sorted(avoid[1]),
                as_of=as_of,
            ):
                m_id = str(row["m"])
                if m_id not in mine:
                    mine[m_id] = row
                    found.append(m_id)
                    if m_id in theirs and meet is None:
                        meet = m_id
        if meet is not None:
            break
        if len(reached[0]) + len(reached[1]) > MAX_WALKED:
            raise ValueError(
                f"the path search as of that time reached more than {MAX_WALKED} "
                "nodes; ask for a shorter max_length"
            )
        frontiers = (found, frontiers[1]) if side == 0 else (frontiers[0], found)
        if not found:
            break
    if meet is None:
        return Path(False, None, Graph((), ()))
    steps: list[dict[str, Any]] = []
    at = meet
    while reached[0][at] is not None:
        steps.insert(0, reached[0][at])
        at = str(reached[0][at]["n"])
    ids = [source_id] + [str(r["m"]) for r in steps]
    at = meet
    while reached[1][at] is not None:
        steps.append(reached[1][at])
        at = str(reached[1][at]["n"])
        ids.append(at)
    nodes = fetch_nodes(store, ids, as_of)
    edges = tuple(
        _edge(r["t"], r["s"], str(r["m"]) if r["s"] == r["n"] else str(r["n"]), r["rp"])
        for r in steps
    )
    return Path(True, len(edges), Graph(tuple(nodes[i] for i in ids), edges))


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
    for label, group in _by_label(store, present).items():
        rows = store.read(
            f"MATCH (n:`{label}`) WHERE n.id IN $ids MATCH (n)-[r]->(m) WHERE m.id IN $all "
            f"AND {recorded('r')} RETURN n.id AS s, m.id AS e, type(r) AS t, properties(r) AS p",
            ids=group,
            all=present,
            as_of=as_of,
        )
        for r in rows:
            edge = _edge(r["t"], r["s"], r["e"], r["p"])
            edges[edge.id] = edge
    ordered = tuple(nodes[i] for i in wanted if i in nodes)
    return Graph(ordered, tuple(sorted(edges.values(), key=lambda e: e.id)))
