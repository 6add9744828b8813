"""What a client gives an edit: the generated input types, and its checks against the schema.

`<Type>Input` and `<Type>Patch` of a node type and `SourceRefInput` (the Source behind
an edit); the properties a client gave, checked by graph.validate, with every mistake an
`InputError` naming the field; the id of a node that may be edited; the cited Source.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from neo4j import ManagedTransaction

from graph.records import Node, Provenance
from graph.schema import SOURCE, NodeType, Schema
from graph.validate import RecordError, validate_node

from .audit import Change, InputError, provenance_props, write_node
from .types import PY_TYPES, lower_camel

Props = dict[str, Any]


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


# -- checks of what a client gave ---------------------------------------------------------
def given_props(obj: Any, nt: NodeType) -> Props:
    """The properties a client gave (explicit nulls included, unset ones left out)."""
    return {n: getattr(obj, n) for n in nt.properties if getattr(obj, n) is not strawberry.UNSET}


def field_name(name: str, prefix: str = "") -> str:
    return f"{prefix}{lower_camel(name)}"


def checked_node(node: Node, schema: Schema, prefix: str = "") -> Props:
    try:
        props = validate_node(node, schema)
    except RecordError as err:
        where = "source.confidence" if err.field == "confidence" else field_name(err.field, prefix)
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


def need_reason(reason: str) -> str:
    if not reason.strip():
        raise InputError("reason", "give a reason for the audit log")
    return reason.strip()


def type_of(schema: Schema, node_id: str, field: str, allowed: tuple[str, ...] = ()) -> str:
    try:
        type_name = schema.type_of_id(node_id)
    except KeyError:
        raise InputError(field, f"{node_id!r} is not the id of any node") from None
    if schema.node(type_name).admin_only or (allowed and type_name not in allowed):
        raise InputError(field, f"{node_id!r} is a {type_name}, which cannot be edited here")
    return type_name


def current(tx: ManagedTransaction, type_name: str, node_id: str) -> Props | None:
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
            self.new = new_source(given_props(new, schema.node(SOURCE)), "source.new.", "")
            self.new_props = checked_node(self.new, schema, "source.new.")
            self.id = self.new.id
        else:
            self.id = str(given_id)
            type_of(schema, self.id, "source.id", (SOURCE,))
        self.provenance = Provenance(self.id, self.locator, confidence)

    def ensure(self, tx: ManagedTransaction, schema: Schema) -> None:
        """Write the new Source, or check the cited one is in the graph (and not deleted)."""
        if self.new is not None:
            write_node(tx, schema, SOURCE, self.id, self.new_props)
            return
        found = current(tx, SOURCE, self.id)
        if found is None or found.get("deleted_at"):
            raise InputError("source.id", f"no Source with id {self.id!r} in the graph")
