"""Load graph/schema.yaml: the one declared model every other layer derives from."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SCHEMA_PATH = Path(__file__).with_name("schema.yaml")

PROPERTY_TYPES = frozenset({"string", "text", "int", "float", "bool", "date", "url", "list[string]"})

#: Properties every relation may carry besides its declared ones.
RELATION_COMMON: dict[str, dict[str, Any]] = {
    "start": {"type": "date", "description": "when the relation began"},
    "end": {"type": "date", "description": "when the relation ended"},
}


class SchemaError(ValueError):
    """The schema file itself is inconsistent."""


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    required: bool = False
    sensitive: bool = False
    description: str = ""
    values: tuple[str, ...] = ()  # the allowed values, when the schema lists them
    #: The API filters and orders on it, so the store indexes it (Store.ensure_schema).
    #: Declared with `filterable: false|true`; by default every scalar that is not free text.
    filterable: bool = True

    @property
    def is_list(self) -> bool:
        return self.type.startswith("list[")


@dataclass(frozen=True)
class NodeType:
    name: str
    description: str
    keys: tuple[str, ...]
    label_property: str
    properties: dict[str, Property]
    #: Readable by the admin role only (e.g. the audit log); never exposed to other roles.
    admin_only: bool = False
    #: Bookkeeping (merge decisions, deleted nodes): never in search, networks or exports.
    internal: bool = False
    #: Properties that make a node of this type a person at risk (graph/visibility.py).
    redact_when: tuple[str, ...] = ()
    #: Relations that make a node of this type reveal a redacted node at their other end.
    tied_by: tuple[str, ...] = ()
    #: What the public sees of a redacted or tied node (the allow-list).
    public: frozenset[str] = frozenset()
    #: False when no text of this type can name a person (no scrubbing, no filter guard).
    mentions_people: bool = True
    #: Where the type comes when a neighbourhood is cut to its limit (lower: kept first;
    #: bulk rows such as licences and listings last). Declared as `relevance:`.
    relevance: int = 50
    #: False for a type its own API module serves (watches): no generated root fields.
    root_fields: bool = True

    @property
    def can_hide(self) -> bool:
        """True if a node of this type can be redacted or tied for the public role."""
        return bool(self.redact_when or self.tied_by) or self.name == "Source"

    @property
    def id_prefix(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class RelationType:
    name: str
    description: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    properties: dict[str, Property]


@dataclass(frozen=True, eq=False)
class Schema:
    version: int
    provenance: dict[str, Property]
    nodes: dict[str, NodeType]
    relations: dict[str, RelationType]
    _by_prefix: dict[str, str] = field(default_factory=dict, repr=False)
    #: Properties any node may carry outside its declared facts (soft deletion).
    lifecycle: dict[str, Property] = field(default_factory=dict)
    #: When the graph recorded each node and relation (graph/writer.py keeps them).
    record_time: dict[str, Property] = field(default_factory=dict)

    def node(self, name: str) -> NodeType:
        try:
            return self.nodes[name]
        except KeyError:
            raise KeyError(f"unknown node type {name!r}; declared: {', '.join(self.nodes)}") from None

    def relation(self, name: str) -> RelationType:
        try:
            return self.relations[name]
        except KeyError:
            known = ", ".join(self.relations)
            raise KeyError(f"unknown relation type {name!r}; declared: {known}") from None

    def type_of_id(self, node_id: str) -> str:
        """The node type encoded in an id made by make_id."""
        prefix = node_id.split("_", 1)[0]
        try:
            return self._by_prefix[prefix]
        except KeyError:
            raise KeyError(f"{node_id!r} is not an id of any declared node type") from None


def _properties(raw: dict[str, Any] | None, where: str) -> dict[str, Property]:
    props: dict[str, Property] = {}
    for name, spec in (raw or {}).items():
        ptype = spec.get("type")
        if ptype not in PROPERTY_TYPES:
            raise SchemaError(f"{where}.{name}: unknown type {ptype!r}")
        props[name] = Property(
            name=name,
            type=ptype,
            required=bool(spec.get("required", False)),
            sensitive=bool(spec.get("sensitive", False)),
            description=str(spec.get("description", "")),
            values=tuple(str(v) for v in spec.get("values") or ()),
            filterable=bool(spec.get("filterable", not ptype.startswith("list[") and ptype != "text")),
        )
    return props


def parse_schema(raw: dict[str, Any]) -> Schema:
    provenance = _properties(raw.get("provenance"), "provenance")
    lifecycle = _properties(raw.get("lifecycle"), "lifecycle")
    record_time = _properties(raw.get("record_time"), "record_time")
    nodes: dict[str, NodeType] = {}
    for name, spec in raw["node_types"].items():
        props = _properties(spec.get("properties"), name)
        for reserved in ("id", *provenance, *lifecycle, *record_time):
            if reserved in props:
                raise SchemaError(f"{name}.{reserved}: reserved property name")
        keys = tuple(spec["keys"])
        missing = [k for k in keys if k not in props]
        if missing:
            raise SchemaError(f"{name}: keys {missing} are not declared properties")
        label = spec.get("label_property", keys[0])
        if label not in props:
            raise SchemaError(f"{name}: label_property {label!r} is not a declared property")
        vis = spec.get("visibility") or {}
        public = frozenset(vis.get("public") or ())
        unknown = sorted((public | set(vis.get("redact_when") or ())) - set(props))
        if unknown:
            raise SchemaError(f"{name}.visibility: {unknown} are not declared properties")
        nodes[name] = NodeType(
            name, str(spec.get("description", "")), keys, label, props,
            admin_only=bool(spec.get("admin_only", False)),
            internal=bool(spec.get("internal", False)),
            redact_when=tuple(vis.get("redact_when") or ()),
            tied_by=tuple(vis.get("tied_by") or ()),
            public=public,
            mentions_people=bool(spec.get("mentions_people", True)),
            relevance=int(spec.get("relevance", 50)),
            root_fields=bool(spec.get("root_fields", True)),
        )
    relations: dict[str, RelationType] = {}
    for name, spec in raw["relation_types"].items():
        ends = tuple(spec["source"]), tuple(spec["target"])
        for end in (*ends[0], *ends[1]):
            if end not in nodes:
                raise SchemaError(f"relation {name}: unknown node type {end!r}")
        props = {**_properties(RELATION_COMMON, name), **_properties(spec.get("properties"), name)}
        relations[name] = RelationType(name, str(spec.get("description", "")), *ends, props)
    for nt in nodes.values():
        for rel in nt.tied_by:
            if rel not in relations:
                raise SchemaError(f"{nt.name}.visibility.tied_by: unknown relation {rel!r}")
    by_prefix = {nt.id_prefix: nt.name for nt in nodes.values()}
    return Schema(int(raw.get("version", 1)), provenance, nodes, relations, by_prefix,
                  lifecycle=lifecycle, record_time=record_time)


@cache
def load_schema(path: Path = SCHEMA_PATH) -> Schema:
    with path.open(encoding="utf-8") as fh:
        return parse_schema(yaml.safe_load(fh))
