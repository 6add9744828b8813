"""Merge a duplicate node into its canonical node, with parameterised Cypher only.

No APOC: relations of arbitrary types cannot be re-attached generically, so
the duplicate's relations are read in two statements (outgoing, incoming), each
type found is checked against the declared schema (never taken from input
unchecked), and the moved relations are written back, one statement per type
and end, with the writer's own MERGE statement (`edge_cypher`), which unions
their provenance with a relation the canonical node may already have. Relation ids
are recomputed, so a later load of the same fact meets the moved relation.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

from neo4j import ManagedTransaction

from graph.schema import Schema
from graph.store import Store
from graph.upsert import edge_cypher, edge_id, merge_props, node_cypher


@cache
def relation_reads(node_type: str) -> tuple[str, str]:
    """The two reads of a node's relations (outgoing, incoming), whatever their type: the
    types found are checked against the schema before any is written back."""
    return tuple(  # type: ignore[return-value]
        f"MATCH (d:`{node_type}` {{id: $id}}){pattern} "
        f"RETURN type(r) AS rel, o.id AS other, properties(r) AS props"
        for pattern in ("-[r]->(o)", "<-[r]-(o)")
    )


def merged_node_props(
    schema: Schema, node_type: str, canonical: dict[str, Any], duplicate: dict[str, Any]
) -> dict[str, Any]:
    """What to SET on the canonical node: the duplicate's lists and names as aliases,
    its provenance, and the scalars the canonical node lacks (its own win)."""
    nt = schema.node(node_type)
    label = nt.label_property
    props: dict[str, Any] = {}
    for key, value in duplicate.items():
        if key in ("id", label) or value is None:
            continue
        if isinstance(value, list) or key == "confidence" or canonical.get(key) is None:
            props[key] = value
    if "aliases" in nt.properties:
        aliases = list(duplicate.get("aliases") or [])
        name = duplicate.get(label)
        if name and name != canonical.get(label) and name not in aliases:
            aliases.append(name)
        if aliases:
            props["aliases"] = aliases
    for key in ("source_ids", "citations"):
        props.setdefault(key, [])
    props.setdefault("confidence", float(canonical.get("confidence") or 0.0))
    return props


def merge_nodes(store: Store, node_type: str, canonical: str, duplicate: str) -> int:
    """Move `duplicate`'s relations to `canonical`, union its names and provenance into it,
    and delete it, in one transaction. Returns the number of relations moved. (The
    resolver merges a round's pairs at once with `merge_many`.)"""
    if canonical == duplicate:
        return 0
    schema = store.schema
    return store.in_transaction(lambda tx: _merge_one(tx, schema, node_type, canonical, duplicate))


def merge_many(store: Store, node_type: str, pairs: list[tuple[str, str]]) -> int:
    """`merge_nodes` for each (canonical, duplicate) pair in turn, all in one transaction
    and in a few statements whatever the number of pairs: one read of the nodes, one write
    of the canonical nodes (their names and provenance folded in Python, pair by pair, as
    the writer's statement would fold them), two reads of the duplicates' relations, one
    write per relation type and end, one delete. A duplicate of a duplicate lands on its
    canonical node. Returns the number of relations moved."""
    schema = store.schema
    pairs = [(c, d) for c, d in pairs if c != d]
    if not pairs:
        return 0

    def work(tx: ManagedTransaction) -> int:
        ids = sorted({i for pair in pairs for i in pair})
        found = {
            str(r["id"]): dict(r["p"])
            for r in tx.run(
                f"MATCH (n:`{node_type}`) WHERE n.id IN $ids RETURN n.id AS id, properties(n) AS p",
                ids=ids,
            )
        }
        redirect: dict[str, str] = {}  # duplicate -> its canonical node
        state: dict[str, dict[str, Any]] = {}
        for canonical, duplicate in pairs:
            while canonical in redirect:
                canonical = redirect[canonical]
            if canonical == duplicate or duplicate in redirect:
                continue
            if canonical not in found or duplicate not in found:
                continue
            before = state.get(canonical, found[canonical])
            props = merged_node_props(schema, node_type, before, found[duplicate])
            state[canonical] = _as_written(schema, node_type, before, props)
            redirect[duplicate] = canonical
        if not redirect:
            return 0
        rows = [
            {"i": k, "id": c, "props": {p: v for p, v in st.items() if p != "id"}}
            for k, (c, st) in enumerate(sorted(state.items()))
        ]
        tx.run(node_cypher(schema, node_type), rows=rows).consume()
        dups = sorted(redirect)
        rank = {d: k for k, (_, d) in enumerate(pairs)}  # relations folded in the pairs' order
        groups: dict[tuple[str, bool, str], dict[str, dict[str, Any]]] = defaultdict(dict)
        moved = 0
        for outgoing, cypher in zip((True, False), relation_reads_many(node_type), strict=True):
            found_rels = sorted(tx.run(cypher, ids=dups), key=lambda r: rank[str(r["dup"])])
            for rec in found_rels:
                other = str(rec["other"])
                moving = _moved(
                    schema, rec, redirect[str(rec["dup"])], redirect.get(other, other), outgoing
                )
                if moving is None:
                    continue
                key, row = moving
                rows_by_id = groups[key]
                moved += 1
                rid = row["props"]["id"]
                if rid in rows_by_id:  # two duplicates' relations to one node: one row
                    old = rows_by_id[rid]
                    old["props"] = merge_props(old["props"], row["props"])
                else:
                    rows_by_id[rid] = row
        for (rel, outgoing, other_type), by_id in sorted(groups.items()):
            s_type, t_type = (node_type, other_type) if outgoing else (other_type, node_type)
            rows = [{"i": k, **row} for k, row in enumerate(by_id.values())]
            tx.run(edge_cypher(schema, rel, s_type, t_type), rows=rows).consume()
        tx.run(f"MATCH (d:`{node_type}`) WHERE d.id IN $ids DETACH DELETE d", ids=dups).consume()
        return moved

    return store.in_transaction(work)


@cache
def relation_reads_many(node_type: str) -> tuple[str, str]:
    """`relation_reads` of several nodes at once, each row with the node it belongs to."""
    return tuple(  # type: ignore[return-value]
        f"MATCH (d:`{node_type}`){pattern} WHERE d.id IN $ids "
        f"RETURN d.id AS dup, type(r) AS rel, o.id AS other, properties(r) AS props"
        for pattern in ("-[r]->(o)", "<-[r]-(o)")
    )


def _as_written(
    schema: Schema, node_type: str, before: dict[str, Any], props: dict[str, Any]
) -> dict[str, Any]:
    """The node's properties after the writer's statement (`node_cypher`) sets `props` on a
    node with `before`: scalars replaced, lists unioned in order, the higher confidence."""
    nt = schema.node(node_type)
    lists = {p.name for p in nt.properties.values() if p.is_list} | {"source_ids", "citations"}
    out = {**before, **props}
    for name in lists:
        old, new = before.get(name), props.get(name)
        if old is None:
            out[name] = new
        elif new is None:
            out[name] = old
        else:
            out[name] = list(old) + [v for v in new if v not in old]
        if out[name] is None:
            out.pop(name)
    if before.get("confidence") is not None and props.get("confidence") is not None:
        out["confidence"] = max(float(before["confidence"]), float(props["confidence"]))
    elif props.get("confidence") is None:
        out.pop("confidence", None)
    return out


def _moved(
    schema: Schema, rec: Any, canonical: str, other: str, outgoing: bool
) -> tuple[tuple[str, bool, str], dict[str, Any]] | None:
    """A duplicate's relation `rec` (to `other`, already redirected to its canonical node)
    as the canonical node's: its group (type, direction, other end's type) and its row.
    None when it would become a loop or the schema has no such relation."""
    rel = str(rec["rel"])
    if other == canonical or rel not in schema.relations:
        return None  # a relation between the two would become a loop: drop it
    rt = schema.relation(rel)
    other_type = schema.type_of_id(other)
    if other_type not in (rt.targets if outgoing else rt.sources):
        return None
    src, tgt = (canonical, other) if outgoing else (other, canonical)
    rprops = {k: v for k, v in dict(rec["props"]).items() if v is not None}
    rprops.setdefault("source_ids", [])
    rprops.setdefault("citations", [])
    rprops.setdefault("confidence", 0.0)
    rprops["id"] = edge_id(rel, src, tgt)
    return (rel, outgoing, other_type), {"s": src, "t": tgt, "props": rprops}


def _merge_one(
    tx: ManagedTransaction, schema: Schema, node_type: str, canonical: str, duplicate: str
) -> int:
    """One merge inside `tx` (see `merge_nodes`)."""
    found = {
        r["id"]: r["p"]
        for r in tx.run(
            f"MATCH (n:`{node_type}`) WHERE n.id IN $ids RETURN n.id AS id, properties(n) AS p",
            ids=[canonical, duplicate],
        )
    }
    if canonical not in found or duplicate not in found:
        return 0
    props = merged_node_props(schema, node_type, found[canonical], found[duplicate])
    tx.run(
        node_cypher(schema, node_type), rows=[{"i": 0, "id": canonical, "props": props}]
    ).consume()
    # the duplicate's relations, two reads, grouped by type, direction and other end
    groups: dict[tuple[str, bool, str], list[dict[str, Any]]] = defaultdict(list)
    for outgoing, cypher in zip((True, False), relation_reads(node_type), strict=True):
        for rec in list(tx.run(cypher, id=duplicate)):
            other = str(rec["other"])
            moving = _moved(
                schema, rec, canonical, canonical if other == duplicate else other, outgoing
            )
            if moving is not None:
                key, row = moving
                rows = groups[key]
                rows.append({"i": len(rows), **row})
    moved = 0
    for (rel, outgoing, other_type), rows in sorted(groups.items()):
        s_type, t_type = (node_type, other_type) if outgoing else (other_type, node_type)
        tx.run(edge_cypher(schema, rel, s_type, t_type), rows=rows).consume()
        moved += len(rows)
    tx.run(f"MATCH (d:`{node_type}` {{id: $id}}) DETACH DELETE d", id=duplicate).consume()
    return moved
