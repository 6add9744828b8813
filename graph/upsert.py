"""The writer's Cypher: each type's MERGE (upsert), and one fact written in a caller's transaction.

One statement per node type and per (relation, source type, target type): MERGE by id,
scalars from the newest record, lists (aliases, sources, citations) as unions, the highest
confidence kept, the status (created / updated / unchanged) returned per row and, when
`timed`, the record time (graph/record_time.py) kept. `merge_props` merges two records of
one fact in memory by the same rules.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from neo4j import ManagedTransaction

from graph.record_time import record_now
from graph.schema import Schema


def edge_id(rel_type: str, source: str, target: str) -> str:
    digest = hashlib.blake2b(f"{rel_type}\x1f{source}\x1f{target}".encode(), digest_size=10)
    return f"rel_{digest.hexdigest()}"


def _union(name: str, target: str = "n") -> str:
    return (
        f"{target}.`{name}` = CASE WHEN before IS NULL OR before.`{name}` IS NULL "
        f"THEN r.props.`{name}` WHEN r.props.`{name}` IS NULL THEN before.`{name}` "
        f"ELSE before.`{name}` + [v IN r.props.`{name}` WHERE NOT v IN before.`{name}`] END"
    )


_STATUS = (
    "CASE WHEN before IS NULL THEN 'created' "
    "WHEN before = properties({v}) THEN 'unchanged' ELSE 'updated' END"
)
_CONFIDENCE = (
    "{v}.confidence = CASE WHEN before IS NOT NULL AND before.confidence > r.props.confidence "
    "THEN before.confidence ELSE r.props.confidence END"
)


def _record_time(v: str) -> str:
    """The record time of `v` after a load at `$now` that saw it in `r.seen` (one
    "source|dataset|" prefix per source): first_seen kept, last_seen now, one sighting per
    prefix (its first time kept, its last time now, confirmed again), lost_at cleared when
    no sighting is left unconfirmed. Run after the status is computed, so a fact a load
    only confirms stays `unchanged`."""
    old = "coalesce(before.sightings, [])"
    return (
        f"SET {v}.first_seen = coalesce(before.first_seen, $now), {v}.last_seen = $now, "
        f"{v}.sightings = [s IN {old} WHERE NOT any(k IN r.seen WHERE s STARTS WITH k)] + "
        f"[k IN r.seen | k + coalesce(head([s IN {old} WHERE s STARTS WITH k | "
        f"split(s, '|')[2]]), $now) + '|' + $now + '|'] "
        f"WITH r, {v}, status SET {v}.lost_at = CASE WHEN any(s IN {v}.sightings "
        f"WHERE NOT s ENDS WITH '|') THEN {v}.lost_at ELSE null END "
    )


@cache
def node_cypher(schema: Schema, type_name: str, timed: bool = False) -> str:
    """MERGE by id; scalars from the newest record, lists (aliases, sources) as unions.
    `timed`: the rows carry `seen` and the statement takes `$now` (the record time)."""
    nt = schema.node(type_name)
    lists = [p.name for p in nt.properties.values() if p.is_list] + ["source_ids", "citations"]
    sets = ", ".join([_union(name) for name in lists] + [_CONFIDENCE.format(v="n")])
    status = _STATUS.format(v="n")
    timing = f"WITH r, n, before, {status} AS status {_record_time('n')}" if timed else ""
    return (
        f"UNWIND $rows AS r "
        f"OPTIONAL MATCH (x:`{type_name}` {{id: r.id}}) "
        f"WITH r, CASE WHEN x IS NULL THEN null ELSE properties(x) END AS before "
        f"MERGE (n:`{type_name}` {{id: r.id}}) "
        f"SET n += r.props SET {sets} {timing}"
        f"RETURN r.i AS i, {'status' if timed else status} AS status"
    )


@cache
def edge_cypher(
    schema: Schema, rel_type: str, source_type: str, target_type: str, timed: bool = False
) -> str:
    rt = schema.relation(rel_type)
    lists = [p.name for p in rt.properties.values() if p.is_list] + ["source_ids", "citations"]
    sets = ", ".join([_union(name, "e") for name in lists] + [_CONFIDENCE.format(v="e")])
    status = _STATUS.format(v="e")
    timing = f"WITH r, e, before, {status} AS status {_record_time('e')}" if timed else ""
    return (
        f"UNWIND $rows AS r "
        f"MATCH (a:`{source_type}` {{id: r.s}}) MATCH (b:`{target_type}` {{id: r.t}}) "
        f"OPTIONAL MATCH (a)-[x:`{rel_type}`]->(b) "
        f"WITH r, a, b, CASE WHEN x IS NULL THEN null ELSE properties(x) END AS before "
        f"MERGE (a)-[e:`{rel_type}`]->(b) "
        f"SET e += r.props SET {sets} {timing}"
        f"RETURN r.i AS i, {'status' if timed else status} AS status"
    )


def write_node_in(
    tx: ManagedTransaction, schema: Schema, type_name: str, row: dict[str, Any]
) -> None:
    """Write one node inside the caller's transaction with the writer's own MERGE, and the
    record time of now (`row`: `i`, `id`, `props` and its sightings, `seen`)."""
    tx.run(node_cypher(schema, type_name, True), rows=[row], now=record_now()).consume()


def write_edge_in(
    tx: ManagedTransaction,
    schema: Schema,
    rel_type: str,
    source_type: str,
    target_type: str,
    row: dict[str, Any],
) -> None:
    """Write one relation inside the caller's transaction, as `write_node_in` a node (`row`
    also names its ends: `s`, `t`)."""
    tx.run(
        edge_cypher(schema, rel_type, source_type, target_type, True), rows=[row], now=record_now()
    ).consume()


def merge_props(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = dict(old)
    for key, value in new.items():
        if isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = out[key] + [v for v in value if v not in out[key]]
        elif key == "confidence":
            out[key] = max(float(out.get(key, 0.0)), float(value))
        else:
            out[key] = value
    return out
