"""Merge a duplicate node into its canonical node, with parameterised Cypher only.

No APOC: relations of arbitrary types cannot be re-attached generically, so
one read statement per relation type and direction is generated from the
declared schema (never from input), and the moved relations are written back
with the writer's own MERGE statement (`edge_cypher`), which unions their
provenance with a relation the canonical node may already have. Relation ids
are recomputed, so a later load of the same fact meets the moved relation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from neo4j import ManagedTransaction

from graph.schema import Schema
from graph.store import Store
from graph.writer import edge_cypher, edge_id, node_cypher


@dataclass(frozen=True)
class _RelQuery:
    rel_type: str
    outgoing: bool  # True: (node)-[r]->(other)
    other_types: tuple[str, ...]
    cypher: str


@cache
def relation_queries(schema: Schema, node_type: str) -> tuple[_RelQuery, ...]:
    """One read per relation type and direction that a node of `node_type` may have."""
    out: list[_RelQuery] = []
    for rt in schema.relations.values():
        for outgoing, ends, others in (
            (True, rt.sources, rt.targets),
            (False, rt.targets, rt.sources),
        ):
            if node_type not in ends:
                continue
            pattern = f"-[r:`{rt.name}`]->(o)" if outgoing else f"<-[r:`{rt.name}`]-(o)"
            cypher = (
                f"MATCH (d:`{node_type}` {{id: $id}}){pattern} "
                f"RETURN o.id AS other, properties(r) AS props"
            )
            out.append(_RelQuery(rt.name, outgoing, others, cypher))
    return tuple(out)


def merged_node_props(schema: Schema, node_type: str, canonical: dict[str, Any],
                      duplicate: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
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
    and delete it, in one transaction. Returns the number of relations moved."""
    schema = store.schema
    if canonical == duplicate:
        return 0

    def work(tx: ManagedTransaction) -> int:
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
        moved = 0
        for q in relation_queries(schema, node_type):
            for rec in list(tx.run(q.cypher, id=duplicate)):
                other = str(rec["other"])
                if other in (canonical, duplicate):
                    continue  # a relation between the two would become a loop: drop it
                other_type = schema.type_of_id(other)
                if other_type not in q.other_types:
                    continue
                src, tgt = (canonical, other) if q.outgoing else (other, canonical)
                s_type, t_type = (node_type, other_type) if q.outgoing else (other_type, node_type)
                rprops = {k: v for k, v in dict(rec["props"]).items() if v is not None}
                rprops.setdefault("source_ids", [])
                rprops.setdefault("citations", [])
                rprops.setdefault("confidence", 0.0)
                rprops["id"] = edge_id(q.rel_type, src, tgt)
                row = {"i": 0, "s": src, "t": tgt, "props": rprops}
                tx.run(edge_cypher(schema, q.rel_type, s_type, t_type), rows=[row]).consume()
                moved += 1
        tx.run(f"MATCH (d:`{node_type}` {{id: $id}}) DETACH DELETE d", id=duplicate).consume()
        return moved

    return store.in_transaction(work)
