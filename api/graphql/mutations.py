"""The root Mutation: audited edits for editors and admins, generated from graph/schema.yaml.

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
and a confidence. The Editor (editor.py) runs each change; the input types and the
checks of what a client gives are in edit_inputs.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from graph.decisions import review_source
from graph.records import Provenance
from graph.schema import SOURCE, NodeType, Schema

from .audit import InputError
from .context import Context
from .edit_inputs import (
    SourceRef,
    given_props,
    input_type,
    need_reason,
    source_arg,
    source_ref_type,
    type_of,
)
from .editor import Editor, EditResult
from .permissions import IsEditor
from .types import Registry, build_types

FromID = Annotated[strawberry.ID, strawberry.argument(name="from")]


def _create_field(registry: Registry, nt: NodeType, inp: type[Any], ref: type[Any]) -> Any:
    async def resolve(info: Info[Context, None], input: Any, cited: Any) -> EditResult:
        editor = Editor(info, registry, f"create{nt.name}")
        given = given_props(input, nt)
        return await editor.create(nt, given, SourceRef(registry.schema, cited, editor.change))

    async def resolve_source(info: Info[Context, None], input: Any) -> EditResult:
        # A Source is its own source: it needs a title and a URL or a file.
        return await Editor(info, registry, "createSource").create(nt, given_props(input, nt), None)

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
        return await editor.update(nt, str(id), given_props(patch, nt), ref_)

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
        editor = Editor(info, registry, "unlink", need_reason(reason))
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
        editor = Editor(info, registry, "markProtected", need_reason(reason))
        if not protectable:
            raise InputError("personId", "no type of this schema can be protected")
        type_of(schema, str(person_id), "personId", protectable)
        return await editor.mark(
            str(person_id), {"protected": protected}, None, review_source(), "personId"
        )

    async def soft_delete(info: Info[Context, None], id: strawberry.ID, reason: str) -> EditResult:
        editor = Editor(info, registry, "softDelete", need_reason(reason))
        return await editor.soft_delete(str(id))

    async def restore(info: Info[Context, None], id: strawberry.ID, reason: str) -> EditResult:
        editor = Editor(info, registry, "restore", need_reason(reason))
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
