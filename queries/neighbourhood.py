"""A node's neighbourhood: the balanced walk out to a depth, within a time window and a limit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graph.schema import Schema
from graph.store import Store
from queries.common import check_as_of, recorded, year_of
from queries.network import (
    DEFAULT_LIMIT,
    MAX_DEPTH,
    MAX_LIMIT,
    NO_NODE,
    Graph,
    GraphEdge,
    GraphNode,
    LeftOut,
    by_label,
    fetch_nodes,
    to_edge,
    to_node,
)


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
        edge = to_edge(row["t"], source, target, row["rp"])
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
        for label, group in by_label(store, frontier).items():
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
        kept, left = balanced_cut(
            {t: list(rows) for t, rows in candidates.items()}, counted, budget, store.schema
        )
        found: list[str] = []
        for t, ids in kept.items():
            for m_id in ids:
                rows = candidates[t][m_id]
                nodes[m_id] = to_node(store, rows[0]["mp"], rows[0]["ml"])
                found.append(m_id)
                for row in rows:
                    keep_edge(row)
        for t, count in left.items():
            left_out[t] = left_out.get(t, 0) + count
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


def balanced_cut(
    candidates: dict[str, list[str]], counted: dict[str, int], budget: int, schema: Schema
) -> tuple[dict[str, list[str]], dict[str, int]]:
    """The nodes one level of a neighbourhood keeps within `budget`, and per type how many
    it leaves out. `candidates`: the new ids of the level by type, in first-seen order;
    `counted`: per type, how many there are when a capped read did not bring them all.

    Balanced: each type in turn (by its schema `relevance`) takes one more node, until the
    budget is spent or every candidate is in. The kept ids come by type, in that order."""
    order = sorted(
        (t for t in candidates if candidates[t]), key=lambda t: (schema.node(t).relevance, t)
    )
    queues = {t: list(candidates[t]) for t in order}
    kept: dict[str, list[str]] = {t: [] for t in order}
    while budget > 0 and any(queues.values()):
        for t in order:
            if budget > 0 and queues[t]:
                kept[t].append(queues[t].pop(0))
                budget -= 1
    left: dict[str, int] = {}
    for t in order:
        total = max(counted.get(t, 0), len(candidates[t]))
        if total > len(kept[t]):
            left[t] = total - len(kept[t])
    for t in set(counted) - set(order):  # a type whose capped rows were all dropped
        left[t] = counted[t]
    return kept, left
