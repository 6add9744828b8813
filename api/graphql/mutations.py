"""Audited edits for editors and admins, generated from graph/schema.yaml.

For each editable node type one factory makes `<Type>Input` and `<Type>Patch`
(every declared property; the required ones are checked by graph.validate so a
missing one is a field-level error) and the fields `create<Type>(input, source)`
and `update<Type>(id, patch, source)`. Besides: `link` / `unlink`,
`recordMergeDecision`, `markProtected`, `softDelete` / `restore`.

Every input is validated against the schema before anything is written; a bad
one is a GraphQL error with `extensions: {code: "BAD_USER_INPUT", field}` and
changes nothing. Each change runs in one transaction with its audit record
(api/graphql/audit.py), with the writer's own Cypher for creates and links, and
carries provenance like any load: the cited Source (an existing one, or a new
one with a title and a URL or a file), a citation "edit by <actor> at <time>"
and a confidence.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from neo4j import ManagedTransaction
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON
from strawberry.types import Info

from graph import hidden
from graph.ids import normalize_key
from graph.matching import JUDGEMENTS, Decision, review_source
from graph.records import Edge, Node, Provenance
from graph.schema import DELETED_NODE, MERGE_DECISION, SOURCE, NodeType, Schema
from graph.validate import RecordError, validate_edge, validate_node
from graph.writer import edge_id, write_edge_in

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
from .errors import PublicError
from .permissions import IsEditor
from .types import PY_TYPES, Entity, Registry, build_types, lower_camel

Props = dict[str, Any]
FromID = Annotated[strawberry.ID, strawberry.argument(name="from")]
Work = Callable[[ManagedTransaction], "EditResult"]


@strawberry.type(description="What a mutation changed, and the audit record that says so.")
class EditResult:
    operation: str
    id: strawberry.ID = strawberry.field(description="The node or relation changed.")
    audit_id: strawberry.ID = strawberry.field(description="The AuditRecord of the change.")
    node: Entity | None = strawberry.field(
        default=None, description="The node as it is now (null for relations)."
    )


# -- inputs generated from the schema -----------------------------------------------------
def input_type(nt: NodeType, kind: str) -> type[Any]:
    """`<Type>Input` (kind "Input") or `<Type>Patch` (kind "Patch") of a node type."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for prop in nt.properties.values():
        annotations[prop.name] = PY_TYPES[prop.type] | None
        notes = [prop.description] if prop.description else []
        if prop.required and kind == "Input":
            notes.append("required")
        if prop.name in nt.keys and kind == "Patch":
            notes.append("natural key: cannot be changed")
        namespace[prop.name] = strawberry.field(
            default=strawberry.UNSET, description="; ".join(notes) or None
        )
    namespace["__annotations__"] = annotations
    what = "new" if kind == "Input" else "changes to a (null removes a property)"
    cls = type(f"{nt.name}{kind}", (), namespace)
    return strawberry.input(cls, description=f"The properties of a {what} {nt.name}.")  # type: ignore[no-any-return]


def _given(obj: Any, nt: NodeType) -> Props:
    """The properties a client gave (explicit nulls included, unset ones left out)."""
    return {n: getattr(obj, n) for n in nt.properties if getattr(obj, n) is not strawberry.UNSET}


def _field(name: str, prefix: str = "") -> str:
    return f"{prefix}{lower_camel(name)}"


def _checked_node(node: Node, schema: Schema, prefix: str = "") -> Props:
    try:
        props = validate_node(node, schema)
    except RecordError as err:
        where = "source.confidence" if err.field == "confidence" else _field(err.field, prefix)
        raise InputError(where, err.message) from None
    return {**props, **provenance_props(node.provenance)}


def new_source(props: Props, prefix: str, locator: str) -> Node:
    """A new Source from a client: a title and a URL or a file; its ref defaults to either."""
    props = {k: v for k, v in props.items() if v is not None}
    if not str(props.get("title") or "").strip():
        raise InputError(f"{prefix}title", "a new Source needs a title")
    document = props.get("url") or props.get("file")
    if not str(document or "").strip():
        raise InputError(f"{prefix}url", "a new Source needs a URL or a file (document)")
    props.setdefault("ref", document)
    node = Node(SOURCE, props, Provenance("pending"))
    node.provenance = Provenance(node.id, locator)
    return node


def _need_reason(reason: str) -> str:
    if not reason.strip():
        raise InputError("reason", "give a reason for the audit log")
    return reason.strip()


def _type_of(schema: Schema, node_id: str, field: str, allowed: tuple[str, ...] = ()) -> str:
    try:
        type_name = schema.type_of_id(node_id)
    except KeyError:
        raise InputError(field, f"{node_id!r} is not the id of any node") from None
    if schema.node(type_name).admin_only or (allowed and type_name not in allowed):
        raise InputError(field, f"{node_id!r} is a {type_name}, which cannot be edited here")
    return type_name


def _deleted(tx: ManagedTransaction, node_id: str) -> Props | None:
    """The DeletedNode that keeps a soft-deleted node, if it is one."""
    rec = tx.run(
        "MATCH (d:DeletedNode {node_id: $id}) RETURN properties(d) AS p", id=node_id
    ).single()
    return dict(rec["p"]) if rec is not None else None


def _current(tx: ManagedTransaction, type_name: str, node_id: str) -> Props | None:
    rec = tx.run(
        f"MATCH (n:`{type_name}` {{id: $id}}) RETURN properties(n) AS p", id=node_id
    ).single()
    return dict(rec["p"]) if rec is not None else None


class SourceRef:
    """A `SourceRefInput` checked against the schema: the Source to cite and how."""

    def __init__(self, schema: Schema, ref: Any, change: Change) -> None:
        self.new: Node | None = None
        self.new_props: Props = {}
        given_id = ref.id if ref.id is not strawberry.UNSET else None
        new = ref.new if ref.new is not strawberry.UNSET else None
        if (given_id is None) == (new is None):
            raise InputError("source", "cite one Source: an existing `id` or a `new` Source")
        confidence = 1.0 if ref.confidence in (None, strawberry.UNSET) else float(ref.confidence)
        locator = ref.locator if ref.locator not in (None, strawberry.UNSET) else ""
        self.locator = f"{locator}; {change.locator}" if locator else change.locator
        if new is not None:
            self.new = new_source(_given(new, schema.node(SOURCE)), "source.new.", "")
            self.new_props = _checked_node(self.new, schema, "source.new.")
            self.id = self.new.id
        else:
            self.id = str(given_id)
            _type_of(schema, self.id, "source.id", (SOURCE,))
        self.provenance = Provenance(self.id, self.locator, confidence)

    def ensure(self, tx: ManagedTransaction, schema: Schema) -> None:
        """Write the new Source, or check the cited one is in the graph (and not deleted)."""
        if self.new is not None:
            write_node(tx, schema, SOURCE, self.id, self.new_props)
            return
        found = _current(tx, SOURCE, self.id)
        if found is None or found.get("deleted_at"):
            raise InputError("source.id", f"no Source with id {self.id!r} in the graph")


# -- the operations -----------------------------------------------------------------------
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
        checked = _checked_node(node, self.schema)
        if not node.id:
            raise InputError(_field(nt.keys[0]), f"{nt.name} needs {nt.keys[0]!r}")

        def work(tx: ManagedTransaction) -> EditResult:
            before = _current(tx, nt.name, node.id)
            if before is not None:
                what = "restore it" if before.get("deleted_at") else f"use update{nt.name}"
                raise InputError(
                    _field(nt.keys[0]), f"a {nt.name} with these keys exists ({node.id}); {what}"
                )
            if source is not None:
                source.ensure(tx, self.schema)
            write_node(tx, self.schema, nt.name, node.id, checked)
            after = _current(tx, nt.name, node.id)
            return self.result(node.id, self.audit(tx, node.id, nt.name, None, after), after)

        return await self.run(work)

    async def update(
        self, nt: NodeType, node_id: str, given: Props, source: SourceRef
    ) -> EditResult:
        _type_of(self.schema, node_id, "id", (nt.name,))
        if not given:
            raise InputError("patch", "nothing to change")
        for name, value in given.items():
            if value is None and nt.properties[name].required:
                raise InputError(_field(name), f"{nt.name} requires {name!r}; it cannot be removed")
        removed = sorted(n for n, v in given.items() if v is None)
        sets = {n: v for n, v in given.items() if v is not None}

        def work(tx: ManagedTransaction) -> EditResult:
            before = _current(tx, nt.name, node_id)
            if before is None or before.get("deleted_at"):
                raise InputError("id", f"no {nt.name} with id {node_id!r} (or it is deleted)")
            for key in nt.keys:
                if key in given and normalize_key(given[key]) != normalize_key(before.get(key)):
                    raise InputError(
                        _field(key),
                        f"{key!r} is a natural key of {nt.name}; "
                        "create a new node and record a merge decision instead",
                    )
            facts = {k: v for k, v in before.items() if k in nt.properties and k not in removed}
            node = Node(nt.name, {**facts, **sets}, source.provenance, id=node_id)
            checked = _checked_node(node, self.schema)
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
            after = _current(tx, nt.name, node_id)
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
            found = _current(tx, type_name, end)
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
        type_name = _type_of(self.schema, node_id, field)
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
            before = _current(tx, type_name, node_id)
            if before is None:
                raise InputError(field, f"no {type_name} with id {node_id!r}")
            deleted = bool(before.get("deleted_at"))
            if expect_deleted is not None and deleted != expect_deleted:
                state = "is not deleted" if expect_deleted else "is already deleted"
                raise InputError(field, f"{type_name} {node_id!r} {state}")
            if expect_deleted is None and deleted:
                raise InputError(field, f"{type_name} {node_id!r} is deleted; restore it first")
            if source is not None:
                write_node(tx, self.schema, SOURCE, source.id, _checked_node(source, self.schema))
            tx.run(
                f"MATCH (n:`{type_name}` {{id: $id}}) SET n += $set{removed}{provenance}", **params
            ).consume()
            after = _current(tx, type_name, node_id)
            return self.result(node_id, self.audit(tx, node_id, type_name, before, after), after)

        return await self.run(work)

    async def soft_delete(self, node_id: str) -> EditResult:
        """Move a node and its relations out of the live graph into a DeletedNode."""
        type_name = _type_of(self.schema, node_id, "id")

        def work(tx: ManagedTransaction) -> EditResult:
            before = _current(tx, type_name, node_id)
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
        type_name = _type_of(self.schema, node_id, "id")

        def work(tx: ManagedTransaction) -> EditResult:
            kept = _deleted(tx, node_id)
            if kept is None:
                there = _current(tx, type_name, node_id) is not None
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
            after = _current(tx, type_name, node_id)
            return self.result(node_id, self.audit(tx, node_id, type_name, before, after), after)

        return await self.run(work)

    async def decide(self, left: str, right: str, judgement: str, note: str) -> EditResult:
        left_type = _type_of(self.schema, left, "left")
        if _type_of(self.schema, right, "right") != left_type:
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
        checked = _checked_node(node, self.schema)

        def work(tx: ManagedTransaction) -> EditResult:
            for end, field in ((left, "left"), (right, "right")):
                if _current(tx, left_type, end) is None:
                    raise InputError(field, f"no {left_type} with id {end!r}")
            write_node(tx, self.schema, SOURCE, review.id, _checked_node(review, self.schema))
            before = _current(tx, MERGE_DECISION, node.id)
            write_node(tx, self.schema, MERGE_DECISION, node.id, checked)
            after = _current(tx, MERGE_DECISION, node.id)
            audit_id = self.audit(tx, node.id, MERGE_DECISION, before, after)
            return self.result(node.id, audit_id, after)

        return await self.run(work)


# -- the Mutation root --------------------------------------------------------------------
def source_arg(ref: Any) -> Any:
    """The `source` argument (`source` itself is a reserved name in strawberry's resolvers)."""
    return Annotated[ref, strawberry.argument(name="source")]


def source_ref_type(source_input: type[Any]) -> type[Any]:
    """`SourceRefInput`: an existing Source's id or a new Source, with locator and confidence."""
    namespace = {
        "__annotations__": {
            "id": strawberry.ID | None,
            "new": source_input | None,
            "locator": str | None,
            "confidence": float | None,
        },
        "id": strawberry.field(default=strawberry.UNSET, description="An existing Source."),
        "new": strawberry.field(
            default=strawberry.UNSET, description="A new Source: a title and a URL or a file."
        ),
        "locator": strawberry.field(
            default=strawberry.UNSET, description="Page, paragraph or passage in the source."
        ),
        "confidence": strawberry.field(
            default=strawberry.UNSET, description="0..1 (default 1: stated by the source)."
        ),
    }
    cls = type("SourceRefInput", (), namespace)
    description = "The Source behind an edit: an existing one or a new one."
    return strawberry.input(cls, description=description)  # type: ignore[no-any-return]


def _create_field(registry: Registry, nt: NodeType, inp: type[Any], ref: type[Any]) -> Any:
    async def resolve(info: Info[Context, None], input: Any, cited: Any) -> EditResult:
        editor = Editor(info, registry, f"create{nt.name}")
        given = _given(input, nt)
        return await editor.create(nt, given, SourceRef(registry.schema, cited, editor.change))

    async def resolve_source(info: Info[Context, None], input: Any) -> EditResult:
        # A Source is its own source: it needs a title and a URL or a file.
        return await Editor(info, registry, "createSource").create(nt, _given(input, nt), None)

    resolve.__annotations__ = {
        "info": Info,
        "input": inp,
        "cited": source_arg(ref),
        "return": EditResult,
    }
    resolve_source.__annotations__ = {"info": Info, "input": inp, "return": EditResult}
    return strawberry.field(
        resolver=resolve_source if nt.name == SOURCE else resolve,
        name=f"create{nt.name}",
        permission_classes=[IsEditor],
        description=f"Create one {nt.name} (editor).",
    )


def _update_field(registry: Registry, nt: NodeType, patch: type[Any], ref: type[Any]) -> Any:
    async def resolve(
        info: Info[Context, None], id: strawberry.ID, patch: Any, cited: Any = None
    ) -> EditResult:
        editor = Editor(info, registry, f"update{nt.name}")
        if cited is None:  # only for a Source: its own page backs the change of its description
            ref_ = SourceRef.__new__(SourceRef)
            ref_.new, ref_.id = None, str(id)
            ref_.provenance = Provenance(str(id), editor.change.locator)
        else:
            ref_ = SourceRef(registry.schema, cited, editor.change)
        return await editor.update(nt, str(id), _given(patch, nt), ref_)

    source_type = source_arg(ref | None if nt.name == SOURCE else ref)
    resolve.__annotations__ = {
        "info": Info,
        "id": strawberry.ID,
        "patch": patch,
        "cited": source_type,
        "return": EditResult,
    }
    if nt.name != SOURCE:
        resolve.__defaults__ = None
    return strawberry.field(
        resolver=resolve,
        name=f"update{nt.name}",
        permission_classes=[IsEditor],
        description=f"Change properties of one {nt.name} (editor).",
    )


def build_mutation(schema: Schema) -> type[Any]:
    """The root Mutation: generated create/update fields and the hand-written operations."""
    registry = build_types(schema)
    source_input = input_type(schema.node(SOURCE), "Input")
    ref = source_ref_type(source_input)
    namespace: dict[str, Any] = {"__module__": __name__}
    for name in schema.editable:  # the types declared `editable: true`
        nt = schema.node(name)
        inp = source_input if name == SOURCE else input_type(nt, "Input")
        namespace[f"create_{name}"] = _create_field(registry, nt, inp, ref)
        namespace[f"update_{name}"] = _update_field(registry, nt, input_type(nt, "Patch"), ref)

    async def link(
        info: Info[Context, None],
        relation: str,
        from_: FromID,
        to: strawberry.ID,
        cited: Any,
        properties: JSON | None = None,
    ) -> EditResult:
        editor = Editor(info, registry, "link")
        ref_ = SourceRef(schema, cited, editor.change)
        return await editor.link(relation, str(from_), str(to), properties, ref_)

    async def unlink(
        info: Info[Context, None], relation: str, from_: FromID, to: strawberry.ID, reason: str
    ) -> EditResult:
        editor = Editor(info, registry, "unlink", _need_reason(reason))
        return await editor.unlink(relation, str(from_), str(to))

    async def record_merge_decision(
        info: Info[Context, None],
        left: strawberry.ID,
        right: strawberry.ID,
        judgement: str,
        note: str | None = None,
    ) -> EditResult:
        editor = Editor(info, registry, "recordMergeDecision", (note or "").strip())
        return await editor.decide(str(left), str(right), judgement, note or "")

    #: The types an editor can redact like a target: those `protected` makes people at risk.
    protectable = schema.types_where(lambda nt: "protected" in nt.redact_when)

    async def mark_protected(
        info: Info[Context, None], person_id: strawberry.ID, protected: bool, reason: str
    ) -> EditResult:
        editor = Editor(info, registry, "markProtected", _need_reason(reason))
        if not protectable:
            raise InputError("personId", "no type of this schema can be protected")
        _type_of(schema, str(person_id), "personId", protectable)
        return await editor.mark(
            str(person_id), {"protected": protected}, None, review_source(), "personId"
        )

    async def soft_delete(info: Info[Context, None], id: strawberry.ID, reason: str) -> EditResult:
        editor = Editor(info, registry, "softDelete", _need_reason(reason))
        return await editor.soft_delete(str(id))

    async def restore(info: Info[Context, None], id: strawberry.ID, reason: str) -> EditResult:
        editor = Editor(info, registry, "restore", _need_reason(reason))
        return await editor.restore(str(id))

    ops: dict[str, tuple[Callable[..., Any], str, dict[str, Any]]] = {
        "link": (
            link,
            "Add (or update) a relation, with its source (editor).",
            {"cited": source_arg(ref)},
        ),
        "unlink": (unlink, "Remove a relation; the audit log keeps it (editor).", {}),
        "record_merge_decision": (
            record_merge_decision,
            "Record that two nodes are (or are "
            "not) the same entity: match, no-match or unsure (editor).",
            {},
        ),
        "mark_protected": (mark_protected, "Redact a person like a target, or stop (editor).", {}),
        "soft_delete": (
            soft_delete,
            "Take a node and its relations out of the graph: no read "
            "reaches it; it is kept, with its audit trail, for restore (editor).",
            {},
        ),
        "restore": (restore, "Bring back a soft-deleted node (editor).", {}),
    }
    for attr, (fn, description, extra) in ops.items():
        fn.__annotations__ = {**fn.__annotations__, **extra}
        namespace[attr] = strawberry.field(
            resolver=fn, permission_classes=[IsEditor], description=description
        )
    return strawberry.type(type("Mutation", (), namespace))  # type: ignore[no-any-return]
