"""neomodel classes built from graph/schema.yaml by one small factory: the scripting API's models.

Nothing here is written by hand per type. `MODELS["State"]` is the OGM class of State, with:

- its declared properties, the provenance properties (`source_ids`, `citations`,
  `confidence`), the record time (`first_seen`, `last_seen`, `lost_at`, `sightings`) and the
  lifecycle properties (`deleted_at`, `deleted_reason`); its unique `uid`, stored as `id`;
- one outgoing manager (RelationshipTo) per (relation type, target type) it is a source of,
  named `manager_name`: the relation in lower case (`origin_state`), followed by the target
  type when the relation has several (`part_of_state`, `part_of_agency`);
- one incoming manager (RelationshipFrom) per (relation type, source type) it is a target of,
  named `incoming_name`: the relation in lower case and `_from` (`origin_state_from`: the
  incidents whose origin is this State), followed by the source type when the relation has
  several (`based_in_from_vendor`);
- `sources()`: the Source nodes its `source_ids` cite (on every relation too).

`RELATION_MODELS["PART_OF"]` is the StructuredRel of PART_OF: its properties, provenance,
record time and `uid` (the writer's relation id).

Indexes are declared on the classes (`index=True`): each property the schema marks
filterable, `confidence` (the API filters and orders every type on it) and the record time
in RECORD_TIME_INDEXED, on nodes and relations; `uid` is unique. Store.ensure_schema reads
them off these classes.

Writes: facts are not written through the OGM. A fact needs a known Source, a citation and
the record time the Writer keeps (one sighting per source and dataset, lists unioned,
confidence kept at its highest, soft-deleted nodes left deleted, the load recorded), which a
save hook cannot reproduce without copying the writer; so every write of a fact type (save,
delete, bulk create or merge, connect, disconnect, replace, reconnect, a relation's save)
raises OgmWriteRefused, which points to graph/writer.py and the loaders. The bookkeeping
types (graph/schema.py constants; schema.yaml `internal` or `admin_only`: merge decisions,
the audit log, deleted nodes, loads, watches, notifications) are modelled as BookkeepingNode
and may be written; they carry no facts, and the modules that own them say how.
"""

from __future__ import annotations

from typing import Any, ClassVar

from neomodel import (
    ArrayProperty,
    BooleanProperty,
    FloatProperty,
    IntegerProperty,
    RelationshipFrom,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    StructuredRel,
    ZeroOrMore,
)

from graph.schema import SOURCE, NodeType, Property, Schema, load_schema

#: Record-time properties every node and relation is indexed on (the change feed reads
#: ranges of it). Not last_seen: every load rewrites it on every fact it confirms, and an
#: index on it made re-loading the UK licences (288k records) take twice as long.
RECORD_TIME_INDEXED = ("first_seen",)
#: Provenance properties every node type is indexed on: the API filters and orders on it.
PROVENANCE_INDEXED = ("confidence",)

WRITE_REFUSED = (
    "{what}: facts are not written through the OGM. Write Node and Edge records citing a "
    "Source through graph/writer.py (Writer(store).write(records)), or load a file with a "
    "loader (`tnr load`); editors use the GraphQL mutations. They validate the fact, check "
    "its Source and keep its record time."
)


class OgmWriteRefused(RuntimeError):
    """A write of a fact through the OGM; the message says where facts are written."""


def _refuse(what: str) -> OgmWriteRefused:
    return OgmWriteRefused(WRITE_REFUSED.format(what=what))


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
    """Attribute of an outgoing manager: `part_of`, or `targeted_person` when several."""
    base = relation.lower()
    return base if len(targets) == 1 else f"{base}_{target.lower()}"


def incoming_name(relation: str, source: str, sources: tuple[str, ...]) -> str:
    """Attribute of an incoming manager: `origin_state_from`, or `based_in_from_vendor`
    when the relation has several source types."""
    base = f"{relation.lower()}_from"
    return base if len(sources) == 1 else f"{base}_{source.lower()}"


def _sources(source_ids: list[str] | None) -> list[StructuredNode]:
    ids = [str(i) for i in source_ids or ()]
    if not ids:
        return []
    found = MODELS[SOURCE].nodes.filter(uid__in=ids).all()
    order = {sid: i for i, sid in enumerate(ids)}
    return sorted(found, key=lambda s: order.get(str(s.uid), len(order)))


class GraphNode(StructuredNode):
    """What every node class has: its schema type and the Sources it cites."""

    __abstract_node__ = True
    #: The schema's declaration of the type (graph/schema.py NodeType).
    node_type: ClassVar[NodeType]

    def sources(self) -> list[StructuredNode]:
        """The Source nodes this node cites (its `source_ids`), in that order."""
        return _sources(getattr(self, "source_ids", None))


class FactNode(GraphNode):
    """A node type of facts: read through the OGM, written by the Writer (see the module)."""

    __abstract_node__ = True

    def pre_save(self) -> None:
        raise _refuse(f"saving a {type(self).__name__}")

    def pre_delete(self) -> None:
        raise _refuse(f"deleting a {type(self).__name__} (editors use softDelete)")

    @classmethod
    def _bulk_create(cls, *props: tuple[Any, ...], **kwargs: dict[str, Any]) -> list[Any]:
        raise _refuse(f"creating {cls.__name__} nodes")

    @classmethod
    def _bulk_create_or_update(cls, *props: tuple[Any, ...], **kwargs: dict[str, Any]) -> list[Any]:
        raise _refuse(f"merging {cls.__name__} nodes")

    @classmethod
    def _bulk_get_or_create(cls, *props: tuple[Any, ...], **kwargs: dict[str, Any]) -> list[Any]:
        raise _refuse(f"merging {cls.__name__} nodes")

    @classmethod
    def bulk_save(cls, nodes: list[Any]) -> list[Any]:
        raise _refuse(f"saving {cls.__name__} nodes")


class BookkeepingNode(GraphNode):
    """An internal or admin-only type (schema.yaml `internal`, `admin_only`): bookkeeping of
    the machinery (merge decisions, the audit log, deleted nodes, loads, watches and their
    notifications), not facts. Never shown to the public; writable through the OGM."""

    __abstract_node__ = True


class FactRel(StructuredRel):
    """What every relation class has: the Sources it cites; written by the Writer only."""

    #: The relation type's name in the schema.
    relation_type: ClassVar[str]

    def sources(self) -> list[StructuredNode]:
        """The Source nodes this relation cites (its `source_ids`), in that order."""
        return _sources(getattr(self, "source_ids", None))

    def pre_save(self) -> None:
        raise _refuse(f"saving a {self.relation_type} relation")


class FactRelations(ZeroOrMore):
    """A relationship manager that reads and refuses every write (see the module)."""

    def connect(self, node: Any, properties: dict[str, Any] | None = None) -> Any:
        raise _refuse(f"connecting {self.definition['relation_type']}")

    def replace(self, node: Any, properties: dict[str, Any] | None = None) -> Any:
        raise _refuse(f"replacing {self.definition['relation_type']}")

    def reconnect(self, old_node: Any, new_node: Any) -> None:
        raise _refuse(f"reconnecting {self.definition['relation_type']}")

    def disconnect(self, node: Any) -> None:
        raise _refuse(f"disconnecting {self.definition['relation_type']}")

    def disconnect_all(self) -> None:
        raise _refuse(f"disconnecting {self.definition['relation_type']}")


def _is_bookkeeping(nt: NodeType) -> bool:
    return nt.internal or nt.admin_only


def _doc(nt: NodeType) -> str:
    if not _is_bookkeeping(nt):
        return nt.description
    kind = " and ".join(
        k for k, on in (("internal", nt.internal), ("admin-only", nt.admin_only)) if on
    )
    return f"{nt.description}\n\nBookkeeping ({kind}), not a fact: see BookkeepingNode."


def _common(schema: Schema) -> list[Property]:
    """The properties every node and relation carries: provenance and record time."""
    return [*schema.provenance.values(), *schema.record_time.values()]


def _relation_models(schema: Schema) -> dict[str, type[StructuredRel]]:
    out: dict[str, type[StructuredRel]] = {}
    for rt in schema.relations.values():
        attrs: dict[str, Any] = {
            "__module__": __name__,
            "__doc__": rt.description or f"The {rt.name} relation.",
            "relation_type": rt.name,
            "uid": StringProperty(db_property="id"),
        }
        for prop in (*_common(schema), *rt.properties.values()):
            attrs[prop.name] = ogm_property(prop, index=prop.name in RECORD_TIME_INDEXED)
        out[rt.name] = type(f"{rt.name.title().replace('_', '')}Rel", (FactRel,), attrs)
    return out


def _managers(
    schema: Schema, nt: NodeType, rel_models: dict[str, type[StructuredRel]]
) -> dict[str, Any]:
    """The outgoing and incoming relationship managers of one node type."""
    out: dict[str, Any] = {}
    for rt in schema.relations.values():
        model = rel_models[rt.name]
        if nt.name in rt.sources:
            for target in rt.targets:
                out[manager_name(rt.name, target, rt.targets)] = RelationshipTo(
                    target, rt.name, cardinality=FactRelations, model=model
                )
        if nt.name in rt.targets:
            for source in rt.sources:
                out[incoming_name(rt.name, source, rt.sources)] = RelationshipFrom(
                    source, rt.name, cardinality=FactRelations, model=model
                )
    return out


def build_models(
    schema: Schema,
) -> tuple[dict[str, type[StructuredNode]], dict[str, type[StructuredRel]]]:
    rel_models = _relation_models(schema)
    indexed = {*PROVENANCE_INDEXED, *RECORD_TIME_INDEXED}
    node_models: dict[str, type[StructuredNode]] = {}
    for nt in schema.nodes.values():
        attrs: dict[str, Any] = {
            "__module__": __name__,
            "__doc__": _doc(nt),
            "node_type": nt,
            "uid": StringProperty(unique_index=True, required=True, db_property="id"),
        }
        for prop in (*_common(schema), *schema.lifecycle.values()):
            attrs[prop.name] = ogm_property(prop, index=prop.name in indexed)
        for prop in nt.properties.values():
            attrs[prop.name] = ogm_property(prop, required=prop.required, index=prop.filterable)
        managers = _managers(schema, nt, rel_models)
        clash = sorted(set(managers) & set(attrs))
        if clash:
            raise ValueError(f"{nt.name}: relationship managers {clash} clash with properties")
        base = BookkeepingNode if _is_bookkeeping(nt) else FactNode
        node_models[nt.name] = type(nt.name, (base,), {**attrs, **managers})
    return node_models, rel_models


MODELS, RELATION_MODELS = build_models(load_schema())
# neomodel resolves RelationshipTo("State") by class name in this module.
globals().update(MODELS)
