"""neomodel classes built from graph/schema.yaml by one small factory.

Nothing here is written by hand per type: `MODELS["State"]` is the OGM class of
State, with its declared properties, its unique `id` and one relationship
manager per (relation type, target type). `RELATION_MODELS["PART_OF"]` is the
StructuredRel of PART_OF.
"""

from __future__ import annotations

from typing import Any

from neomodel import (
    ArrayProperty,
    BooleanProperty,
    FloatProperty,
    IntegerProperty,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    StructuredRel,
)

from graph.schema import Property, Schema, load_schema


def ogm_property(prop: Property, **extra: Any) -> Any:
    """The neomodel property for a declared property (dates stay ISO strings)."""
    required = bool(extra.pop("required", False))
    if prop.type in ("string", "text", "url", "date"):
        return StringProperty(required=required, **extra)
    if prop.type == "int":
        return IntegerProperty(required=required, **extra)
    if prop.type == "float":
        return FloatProperty(required=required, **extra)
    if prop.type == "bool":
        return BooleanProperty(required=required, **extra)
    if prop.type == "list[string]":
        return ArrayProperty(StringProperty(), required=required, **extra)
    raise ValueError(f"no OGM property for type {prop.type!r}")


def manager_name(relation: str, target: str, targets: tuple[str, ...]) -> str:
    """Attribute name of a relationship manager: `part_of`, or `targeted_person` when several."""
    base = relation.lower()
    return base if len(targets) == 1 else f"{base}_{target.lower()}"


def build_models(
    schema: Schema,
) -> tuple[dict[str, type[StructuredNode]], dict[str, type[StructuredRel]]]:
    rel_models: dict[str, type[StructuredRel]] = {}
    for rt in schema.relations.values():
        attrs: dict[str, Any] = {"__module__": __name__}
        for prop in (*schema.provenance.values(), *rt.properties.values()):
            attrs[prop.name] = ogm_property(prop)
        rel_models[rt.name] = type(
            f"{rt.name.title().replace('_', '')}Rel", (StructuredRel,), attrs
        )

    node_models: dict[str, type[StructuredNode]] = {}
    for nt in schema.nodes.values():
        attrs = {
            "__module__": __name__,
            "__doc__": nt.description,
            "uid": StringProperty(unique_index=True, required=True, db_property="id"),
        }
        for prop in (*schema.provenance.values(), *nt.properties.values()):
            attrs[prop.name] = ogm_property(prop, required=prop.required)
        for rt in schema.relations.values():
            if nt.name in rt.sources:
                for target in rt.targets:
                    attrs[manager_name(rt.name, target, rt.targets)] = RelationshipTo(
                        target, rt.name, model=rel_models[rt.name]
                    )
        node_models[nt.name] = type(nt.name, (StructuredNode,), attrs)
    return node_models, rel_models


MODELS, RELATION_MODELS = build_models(load_schema())
# neomodel resolves RelationshipTo("State") by class name in this module.
globals().update(MODELS)
