"""The Editor: one request's edits, validated, each in one transaction with its audit record."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import strawberry
from neo4j import ManagedTransaction
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from graph import hidden
from graph.decisions import JUDGEMENTS, Decision, review_source
from graph.ids import normalize_key
from graph.records import Edge, Node, Provenance
from graph.schema import DELETED_NODE, MERGE_DECISION, SOURCE, NodeType
from graph.upsert import edge_id, write_edge_in
from graph.validate import RecordError, validate_edge, validate_node

from .audit import (
    Change,
    InputError,
    actor_of,
    as_json,
    audit_source,
    edit_row,
    provenance_props,
    record,
    utc_now,
    write_node,
)
from .context import Context
from .edit_inputs import Props, SourceRef, checked_node, current, field_name, new_source, type_of
from .errors import PublicError
from .types import Entity, Registry

Work = Callable[[ManagedTransaction], "EditResult"]


@strawberry.type(description="What a mutation changed, and the audit record that says so.")
class EditResult:
    operation: str
    id: strawberry.ID = strawberry.field(description="The node or relation changed.")
    audit_id: strawberry.ID = strawberry.field(description="The AuditRecord of the change.")
    node: Entity | None = strawberry.field(
        default=None, description="The node as it is now (null for relations)."
    )


def _deleted(tx: ManagedTransaction, node_id: str) -> Props | None:
    """The DeletedNode that keeps a soft-deleted node, if it is one."""
    rec = tx.run(
        "MATCH (d:DeletedNode {node_id: $id}) RETURN properties(d) AS p", id=node_id
    ).single()
    return dict(rec["p"]) if rec is not None else None


class Editor:
    """The mutations of one request: validation, the transaction and its audit record."""

    def __init__(
        self, info: Info[Context, None], registry: Registry, operation: str, reason: str = ""
    ) -> None:
        if info.context.store is None:
            raise PublicError("the graph database is not available")
        self.store = info.context.store
        self.schema = registry.schema
        self.registry = registry
        self.change = Change(operation, actor_of(info), utc_now(), reason)

    async def run(self, work: Work) -> EditResult:
        try:
            return await run_in_threadpool(self.store.in_transaction, work)
        finally:  # a name, alias or protection may have changed: what public sees is re-read
            hidden.changed(self.store)

    def result(self, target: str, audit_id: str, after: Props | None) -> EditResult:
        node = self.registry.node(after) if after is not None else None
        return EditResult(
            operation=self.change.operation,
            id=strawberry.ID(target),
            audit_id=strawberry.ID(audit_id),
            node=node,
        )

    def audit(
        self,
        tx: ManagedTransaction,
        target: str,
        target_type: str,
        before: Props | None,
        after: Props | None,
    ) -> str:
        return record(tx, self.schema, self.change, target, target_type, before, after)

    async def create(self, nt: NodeType, given: Props, source: SourceRef | None) -> EditResult:
        props = {k: v for k, v in given.items() if v is not None}
        if nt.name == SOURCE:
            node = new_source(props, "", self.change.locator)
        else:
            assert source is not None
            node = Node(nt.name, props, source.provenance)
        checked = checked_node(node, self.schema)
        if not node.id:
            raise InputError(field_name(nt.keys[0]), f"{nt.name} needs {nt.keys[0]!r}")

        def work(tx: ManagedTransaction) -> EditResult:
            before = current(tx, nt.name, node.id)
            if before is not None:
                what = "restore it" if before.get("deleted_at") else f"use update{nt.name}"
                raise InputError(
                    field_name(nt.keys[0]),
                    f"a {nt.name} with these keys exists ({node.id}); {what}",
                )
            if source is not None:
                source.ensure(tx, self.schema)
            write_node(tx, self.schema, nt.name, node.id, checked)
            after = current(tx, nt.name, node.id)
            return self.result(node.id, self.audit(tx, node.id, nt.name, None, after), after)

        return await self.run(work)

    async def update(
        self, nt: NodeType, node_id: str, given: Props, source: SourceRef
    ) -> EditResult:
        type_of(self.schema, node_id, "id", (nt.name,))
        if not given:
            raise InputError("patch", "nothing to change")
        for name, value in given.items():
            if value is None and nt.properties[name].required:
                raise InputError(
                    field_name(name), f"{nt.name} requires {name!r}; it cannot be removed"
                )
        removed = sorted(n for n, v in given.items() if v is None)
        sets = {n: v for n, v in given.items() if v is not None}

        def work(tx: ManagedTransaction) -> EditResult:
            before = current(tx, nt.name, node_id)
            if before is None or before.get("deleted_at"):
                raise InputError("id", f"no {nt.name} with id {node_id!r} (or it is deleted)")
            for key in nt.keys:
                if key in given and normalize_key(given[key]) != normalize_key(before.get(key)):
                    raise InputError(
                        field_name(key),
                        f"{key!r} is a natural key of {nt.name}; "
                        "create a new node and record a merge decision instead",
                    )
            facts = {k: v for k, v in before.items() if k in nt.properties and k not in removed}
            node = Node(nt.name, {**facts, **sets}, source.provenance, id=node_id)
            checked = checked_node(node, self.schema)
            source.ensure(tx, self.schema)
            clear = "".join(f", n.`{name}` = null" for name in removed)  # names from the schema
            tx.run(
                f"MATCH (n:`{nt.name}` {{id: $id}}) SET n += $set{clear}, "
                "n.source_ids = CASE WHEN $sid IN coalesce(n.source_ids, []) THEN n.source_ids "
                "ELSE coalesce(n.source_ids, []) + [$sid] END, "
                "n.citations = coalesce(n.citations, []) + [$citation], "
                "n.confidence = CASE WHEN n.confidence > $confidence THEN n.confidence "
                "ELSE $confidence END",
                id=node_id,
                set={k: checked[k] for k in sets if k in checked},
                sid=source.id,
                citation=source.provenance.citation(),
                confidence=source.provenance.confidence,
            ).consume()
            after = current(tx, nt.name, node_id)
            return self.result(node_id, self.audit(tx, node_id, nt.name, before, after), after)

        return await self.run(work)

    def _edge(
        self, relation: str, start: str, end: str, props: Any, provenance: Provenance
    ) -> tuple[Edge, Props]:
        if relation not in self.schema.relations:
            raise InputError(
                "relation",
                f"unknown relation {relation!r}; declared: {', '.join(self.schema.relations)}",
            )
        if props is not None and not isinstance(props, dict):
            raise InputError("properties", "properties must be an object")
        edge = Edge(relation, start, end, provenance, dict(props or {}))
        try:
            checked = validate_edge(edge, self.schema)
        except RecordError as err:
            where = {"source": "from", "target": "to", "confidence": "source.confidence"}
            raise InputError(where.get(err.field, f"properties.{err.field}"), err.message) from None
        return edge, checked

    def _ends(self, tx: ManagedTransaction, edge: Edge) -> tuple[str, str]:
        types = []
        for end, field in ((edge.source, "from"), (edge.target, "to")):
            type_name = self.schema.type_of_id(end)
            found = current(tx, type_name, end)
            if found is None or found.get("deleted_at"):
                raise InputError(field, f"no {type_name} with id {end!r} (or it is deleted)")
            types.append(type_name)
        return types[0], types[1]

    async def link(
        self, relation: str, start: str, end: str, props: Any, source: SourceRef
    ) -> EditResult:
        edge, checked = self._edge(relation, start, end, props, source.provenance)
        key = edge_id(relation, start, end)
        props = {**checked, **provenance_props(source.provenance), "id": key}
        row = edit_row(key, props, s=start, t=end)

        def work(tx: ManagedTransaction) -> EditResult:
            s_type, t_type = self._ends(tx, edge)
            source.ensure(tx, self.schema)
            read = (
                f"MATCH (:`{s_type}` {{id: $s}})-[e:`{relation}`]->(:`{t_type}` {{id: $t}}) "
                "RETURN properties(e) AS p"
            )
            old = tx.run(read, s=start, t=end).single()
            write_edge_in(tx, self.schema, relation, s_type, t_type, row)
            new = tx.run(read, s=start, t=end).single()
            before = dict(old["p"]) if old else None
            after = dict(new["p"]) if new else None
            return self.result(key, self.audit(tx, key, relation, before, after), None)

        return await self.run(work)

    async def unlink(self, relation: str, start: str, end: str) -> EditResult:
        edge, _ = self._edge(relation, start, end, None, Provenance("-"))
        key = edge_id(relation, start, end)

        def work(tx: ManagedTransaction) -> EditResult:
            s_type, t_type = self._ends(tx, edge)
            found = tx.run(
                f"MATCH (:`{s_type}` {{id: $s}})-[e:`{relation}`]->(:`{t_type}` {{id: $t}}) "
                "WITH e, properties(e) AS p DELETE e RETURN p",
                s=start,
                t=end,
            ).single()
            if found is None:
                raise InputError("to", f"there is no {relation} from {start!r} to {end!r}")
            return self.result(key, self.audit(tx, key, relation, dict(found["p"]), None), None)

        return await self.run(work)

    async def mark(
        self,
        node_id: str,
        sets: Props,
        expect_deleted: bool | None,
        source: Node | None,
        field: str = "id",
    ) -> EditResult:
        """Set (or, with None, remove) lifecycle or fact properties of an existing node."""
        type_name = type_of(self.schema, node_id, field)
        provenance = ""
        params: Props = {"id": node_id, "set": {k: v for k, v in sets.items() if v is not None}}
        removed = "".join(f", n.`{k}` = null" for k, v in sets.items() if v is None)
        if source is not None:
            provenance = (
                ", n.source_ids = CASE WHEN $sid IN coalesce(n.source_ids, []) "
                "THEN n.source_ids ELSE coalesce(n.source_ids, []) + [$sid] END, "
                "n.citations = coalesce(n.citations, []) + [$citation]"
            )
            params["sid"] = source.id
            params["citation"] = Provenance(source.id, self.change.locator).citation()

        def work(tx: ManagedTransaction) -> EditResult:
            before = current(tx, type_name, node_id)
            if before is None:
                raise InputError(field, f"no {type_name} with id {node_id!r}")
            deleted = bool(before.get("deleted_at"))
            if expect_deleted is not None and deleted != expect_deleted:
                state = "is not deleted" if expect_deleted else "is already deleted"
                raise InputError(field, f"{type_name} {node_id!r} {state}")
            if expect_deleted is None and deleted:
                raise InputError(field, f"{type_name} {node_id!r} is deleted; restore it first")
            if source is not None:
                write_node(tx, self.schema, SOURCE, source.id, checked_node(source, self.schema))
            tx.run(
                f"MATCH (n:`{type_name}` {{id: $id}}) SET n += $set{removed}{provenance}", **params
            ).consume()
            after = current(tx, type_name, node_id)
            return self.result(node_id, self.audit(tx, node_id, type_name, before, after), after)

        return await self.run(work)

    async def soft_delete(self, node_id: str) -> EditResult:
        """Move a node and its relations out of the live graph into a DeletedNode."""
        type_name = type_of(self.schema, node_id, "id")

        def work(tx: ManagedTransaction) -> EditResult:
            before = current(tx, type_name, node_id)
            if before is None:
                gone = _deleted(tx, node_id) is not None
                raise InputError(
                    "id",
                    f"{type_name} {node_id!r} is already deleted"
                    if gone
                    else f"no {type_name} with id {node_id!r}",
                )
            if type_name == SOURCE and node_id == audit_source().id:
                raise InputError("id", "the audit log's own Source cannot be deleted")
            rels = [
                dict(r)
                for r in tx.run(
                    f"MATCH (n:`{type_name}` {{id: $id}})-[r]->(m) RETURN type(r) AS type, "
                    "'out' AS direction, m.id AS other, properties(r) AS props UNION ALL "
                    f"MATCH (n:`{type_name}` {{id: $id}})<-[r]-(m) RETURN type(r) AS type, "
                    "'in' AS direction, m.id AS other, properties(r) AS props",
                    id=node_id,
                )
            ]
            source = audit_source()
            kept = Node(
                DELETED_NODE,
                {
                    "node_id": node_id,
                    "node_type": type_name,
                    "properties": as_json(before),
                    "relations": as_json(rels),
                    "removed_at": self.change.at,
                    "reason": self.change.reason,
                },
                Provenance(source.id, self.change.locator),
            )
            write_node(
                tx,
                self.schema,
                DELETED_NODE,
                kept.id,
                {**validate_node(kept, self.schema), **provenance_props(kept.provenance)},
            )
            tx.run(f"MATCH (n:`{type_name}` {{id: $id}}) DETACH DELETE n", id=node_id).consume()
            after = {**before, "deleted_at": self.change.at, "deleted_reason": self.change.reason}
            return self.result(node_id, self.audit(tx, node_id, type_name, before, after), None)

        return await self.run(work)

    async def restore(self, node_id: str) -> EditResult:
        """Put a soft-deleted node back, with the relations whose other end is still there."""
        type_name = type_of(self.schema, node_id, "id")

        def work(tx: ManagedTransaction) -> EditResult:
            kept = _deleted(tx, node_id)
            if kept is None:
                there = current(tx, type_name, node_id) is not None
                raise InputError(
                    "id",
                    f"{type_name} {node_id!r} is not deleted"
                    if there
                    else f"no {type_name} with id {node_id!r}",
                )
            props = json.loads(kept["properties"])
            tx.run(f"CREATE (n:`{type_name}`) SET n = $props", props=props).consume()
            for rel in json.loads(kept["relations"]):
                other = str(rel["other"])
                try:
                    other_type = self.schema.type_of_id(other)
                    self.schema.relation(str(rel["type"]))
                except KeyError:
                    continue
                a, b = ("n", "m") if rel["direction"] == "out" else ("m", "n")
                tx.run(
                    f"MATCH (n:`{type_name}` {{id: $id}}) MATCH (m:`{other_type}` {{id: $other}}) "
                    f"CREATE ({a})-[r:`{rel['type']}`]->({b}) SET r = $props",
                    id=node_id,
                    other=other,
                    props=rel["props"],
                ).consume()
            tx.run("MATCH (d:DeletedNode {node_id: $id}) DELETE d", id=node_id).consume()
            before = {
                **props,
                "deleted_at": kept.get("removed_at"),
                "deleted_reason": kept.get("reason"),
            }
            after = current(tx, type_name, node_id)
            return self.result(node_id, self.audit(tx, node_id, type_name, before, after), after)

        return await self.run(work)

    async def decide(self, left: str, right: str, judgement: str, note: str) -> EditResult:
        left_type = type_of(self.schema, left, "left")
        if type_of(self.schema, right, "right") != left_type:
            raise InputError("right", f"{right!r} is not a {left_type} like {left!r}")
        if left == right:
            raise InputError("right", "a merge decision needs two different nodes")
        if judgement not in JUDGEMENTS:
            raise InputError("judgement", f"judgement must be one of {', '.join(JUDGEMENTS)}")
        review = review_source()
        decision = Decision(
            left_type,
            left,
            right,
            judgement,
            method="review",
            decided_by=self.change.actor,
            decided_at=self.change.at[:10],
        )
        node = decision.node(review)
        node.props["note"] = note.strip() or None
        node.provenance = Provenance(
            review.id, f"{decision.left}~{decision.right}; {self.change.locator}"
        )
        checked = checked_node(node, self.schema)

        def work(tx: ManagedTransaction) -> EditResult:
            for end, field in ((left, "left"), (right, "right")):
                if current(tx, left_type, end) is None:
                    raise InputError(field, f"no {left_type} with id {end!r}")
            write_node(tx, self.schema, SOURCE, review.id, checked_node(review, self.schema))
            before = current(tx, MERGE_DECISION, node.id)
            write_node(tx, self.schema, MERGE_DECISION, node.id, checked)
            after = current(tx, MERGE_DECISION, node.id)
            audit_id = self.audit(tx, node.id, MERGE_DECISION, before, after)
            return self.result(node.id, audit_id, after)

        return await self.run(work)
