"""The shortest chain of relations between two nodes, now or as of a record time."""

from __future__ import annotations

from typing import Any

from graph.store import Store
from queries.common import check_as_of, path_recorded, recorded
from queries.network import MAX_PATH, Graph, Path, by_label, fetch_nodes, id_label, to_edge, to_node


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
    a, b = id_label(store, source_id), id_label(store, target_id)
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
    nodes_t = tuple(to_node(store, p, ls) for p, ls in zip(row["ns"], row["ls"], strict=True))
    edges_t = tuple(to_edge(r["t"], r["s"], r["e"], r["p"]) for r in row["rs"])
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
        for label, group in by_label(store, frontiers[side]).items():
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
        to_edge(r["t"], r["s"], str(r["m"]) if r["s"] == r["n"] else str(r["n"]), r["rp"])
        for r in steps
    )
    return Path(True, len(edges), Graph(tuple(nodes[i] for i in ids), edges))
