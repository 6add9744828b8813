"""Filter and order inputs of each node type, generated from the schema."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import strawberry

from graph.schema import NodeType, Schema, load_schema

from .filters import (
    DateFilter,
    FilterField,
    FloatFilter,
    IntFilter,
    OrderDirection,
    StringFilter,
    StringListFilter,
    TypeSpec,
)
from .types import relation_ends, relation_field

_KINDS: dict[str, tuple[str, Any]] = {
    "string": ("string", StringFilter),
    "text": ("string", StringFilter),
    "url": ("string", StringFilter),
    "date": ("date", DateFilter),
    "int": ("int", IntFilter),
    "float": ("float", FloatFilter),
    "bool": ("bool", bool),
    "list[string]": ("list", StringListFilter),
}
YEAR_SOURCES = ("year", "date", "decision_date", "listing_date")


@dataclass(frozen=True)
class TypeInputs:
    spec: TypeSpec
    filter: type[Any]
    order: type[Any]
    order_field: type[enum.Enum]


def build_inputs(nt: NodeType, schema: Schema | None = None) -> TypeInputs:
    schema = schema or load_schema()
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    fields: list[FilterField] = []

    def add(attr: str, kind: str, prop: str, py: Any, description: str | None = None) -> None:
        annotations[attr] = py | None
        namespace[attr] = strawberry.field(default=None, description=description)
        fields.append(FilterField(attr, kind, prop))

    add("ids", "ids", "", list[strawberry.ID], "Only these ids.")
    add(
        "related_to",
        "related",
        "",
        strawberry.ID,
        "Only nodes with a relation (either direction) to this node.",
    )
    for prop in nt.properties.values():
        if prop.name == "year":
            continue
        kind, py = _KINDS[prop.type]
        add(prop.name, kind, prop.name, py, prop.description or None)
    if any(name in nt.properties for name in YEAR_SOURCES):
        source = ", ".join(n for n in YEAR_SOURCES if n in nt.properties)
        add("year", "year", "", IntFilter, f"The year, from {source} (the first one set).")
    add("confidence", "float", "confidence", FloatFilter)
    for rt, direction in relation_ends(schema, nt):
        # hasOriginState: false = incidents with no ORIGIN_STATE; hasIncomingTargeted ...
        name = relation_field(rt.name, direction)
        attr = "has_" + ("incoming_" if direction == "in" else "") + rt.name.lower()
        annotations[attr] = bool | None
        namespace[attr] = strawberry.field(
            default=None,
            description=f"true: only nodes with a `{name}` relation; false: "
            "only nodes without one.",
        )
        fields.append(FilterField(attr, "has", "", rt.name, direction))
    namespace["__annotations__"] = annotations
    flt = strawberry.input(
        type(f"{nt.name}Filter", (), namespace),
        description=f"Conditions on {nt.name} nodes; all given must hold.",
    )

    orderable = ["id", "confidence", *(p.name for p in nt.properties.values() if not p.is_list)]
    members = {name.upper(): name for name in orderable}
    order_enum = enum.Enum(f"{nt.name}OrderField", members)  # type: ignore[misc]
    order_field = strawberry.enum(order_enum, description=f"Fields to order {nt.name} nodes by.")
    order = strawberry.input(
        type(
            f"{nt.name}Order",
            (),
            {
                "__annotations__": {"field": order_field, "direction": OrderDirection},
                "field": strawberry.field(default=order_field["ID"]),
                "direction": strawberry.field(default=OrderDirection.ASC),
            },
        ),
        description="Order by a field, then by id; nulls come last.",
    )
    spec = TypeSpec(nt, tuple(fields), frozenset(orderable))
    return TypeInputs(spec, flt, order, order_field)
