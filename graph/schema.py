"""Load graph/schema.yaml: the one declared model every other layer derives from."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SCHEMA_PATH = Path(__file__).with_name("schema.yaml")

PROPERTY_TYPES = frozenset(
    {"string", "text", "int", "float", "bool", "date", "url", "list[string]"}
)

#: Properties every relation may carry besides its declared ones.
RELATION_COMMON: dict[str, dict[str, Any]] = {
    "start": {"type": "date", "description": "when the relation began"},
    "end": {"type": "date", "description": "when the relation ended"},
}


#: The types the machinery itself is built on, by name: provenance (every fact cites a Source),
#: entity resolution (its MergeDecisions), the audit log and soft deletion. Code names them
#: through these constants; everything else it knows of a type comes from the schema's keys.
SOURCE = "Source"
MERGE_DECISION = "MergeDecision"
AUDIT_RECORD = "AuditRecord"
DELETED_NODE = "DeletedNode"
LOAD = "Load"
WATCH = "Watch"
NOTIFICATION = "Notification"

#: The keys a node type and a relation type may declare (anything else is a mistake).
NODE_KEYS = frozenset(
    {
        "description",
        "keys",
        "label_property",
        "properties",
        "visibility",
        "admin_only",
        "internal",
        "mentions_people",
        "relevance",
        "matchable",
        "editable",
        "colour",
        "caption",
        "network",
        "stix",
        "ftm",
        "root_fields",
    }
)
RELATION_KEYS = frozenset({"description", "source", "target", "properties", "stix", "ftm"})
STIX_KEYS = frozenset(
    {"type", "identity_class", "sectors", "location", "perpetrator", "not_spyware", "standard"}
)
FTM_KEYS = frozenset({"schema", "properties", "country"})
RELATION_STIX_KEYS = frozenset({"type", "reversed", "actor"})
RELATION_FTM_KEYS = frozenset({"property", "value", "edge", "source", "target", "properties"})
#: In an `ftm.properties` map: the node's label (its label property, or the anonymous
#: label of a redacted node).
LABEL = "@label"
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class SchemaError(ValueError):
    """The schema file itself is inconsistent."""


@dataclass(frozen=True)
class StixMapping:
    """How exports/stix.py maps a node type (the `stix:` block)."""

    #: The STIX 2.1 object type (or an `x-tnr-...` custom one); "" for no object of its own.
    type: str
    identity_class: str = ""
    sectors: tuple[str, ...] = ()
    #: The property with the country code of the `location` object the type also becomes.
    location: str = ""
    #: The STIX type when the node perpetrates an incident in the export.
    perpetrator: str = ""
    #: The STIX type when the node is not spyware.
    not_spyware: str = ""
    #: Properties carried under their STIX names, not as x_tnr_ ones.
    standard: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FtmMapping:
    """How exports/ftm.py maps a node type (the `ftm:` block)."""

    #: The FollowTheMoney schema; "" when the type is not an entity of its own.
    schema: str = ""
    #: FtM property -> our properties (the first present wins; LABEL is the node's label).
    properties: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The property whose value stands for the node on related entities (a country code).
    country: str = ""


@dataclass(frozen=True)
class RelationStix:
    """How exports/stix.py maps a relation type (its `stix:` block)."""

    type: str  # the STIX relationship type
    reversed: bool = False
    #: A node at its end that is also a `location` is named as an actor (its identity).
    actor: bool = False


@dataclass(frozen=True)
class RelationFtm:
    """How exports/ftm.py maps a relation type (its `ftm:` block)."""

    #: The FtM properties of the source's entity that the target fills.
    property: tuple[str, ...] = ()
    #: For a property that is neither an entity nor a country: the target's property given.
    value: str = ""
    #: An FtM interval schema (Membership, Ownership) made of the relation, with the FtM
    #: properties of its source and target ends and FtM property -> relation property.
    edge: str = ""
    source: str = ""
    target: str = ""
    properties: dict[str, str] = field(default_factory=dict)


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
    #: Entity resolution runs on it (graph/resolve.py). Declared as `matchable: true`.
    matchable: bool = False
    #: The GraphQL mutations may create and update it. Declared as `editable: true`.
    editable: bool = False
    #: Its one colour ("#rrggbb"), in briefing figures and the explorer; "" for none.
    colour: str = ""
    #: The type in words, singular and plural (`caption:`).
    caption: tuple[str, str] = ("", "")
    #: False when briefings leave it out of their network figures.
    network: bool = True
    #: Its STIX mapping; None when it has no object of its own (`stix: false`).
    stix: StixMapping | None = None
    #: Its FollowTheMoney mapping; None when FtM exports leave it out.
    ftm: FtmMapping | None = None
    #: False for a type its own API module serves (watches): no generated root fields.
    root_fields: bool = True

    @property
    def can_hide(self) -> bool:
        """True if a node of this type can be redacted or tied for the public role."""
        return bool(self.redact_when or self.tied_by) or self.name == SOURCE

    def words(self, n: int = 1) -> str:
        """The type in words: "export licence" (n == 1), "export licences"."""
        one = self.caption[0] or self.name.lower()
        return one if n == 1 else self.caption[1] or one + "s"

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
    stix: RelationStix | None = None
    ftm: RelationFtm | None = None

    @property
    def stix_type(self) -> RelationStix:
        """Its STIX mapping; by default the name in lower case with hyphens."""
        return self.stix or RelationStix(self.name.lower().replace("_", "-"))


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
            raise KeyError(
                f"unknown node type {name!r}; declared: {', '.join(self.nodes)}"
            ) from None

    def relation(self, name: str) -> RelationType:
        try:
            return self.relations[name]
        except KeyError:
            known = ", ".join(self.relations)
            raise KeyError(f"unknown relation type {name!r}; declared: {known}") from None

    def types_where(self, test: Callable[[NodeType], bool]) -> tuple[str, ...]:
        """The names of the node types that pass `test`, in declaration order."""
        return tuple(nt.name for nt in self.nodes.values() if test(nt))

    @property
    def matchable(self) -> tuple[str, ...]:
        """The types entity resolution runs on."""
        return self.types_where(lambda nt: nt.matchable)

    @property
    def editable(self) -> tuple[str, ...]:
        """The types the mutations create and update."""
        return self.types_where(lambda nt: nt.editable)

    @property
    def people_at_risk(self) -> tuple[str, ...]:
        """The types whose nodes may be people at risk (a `visibility.redact_when`)."""
        return self.types_where(lambda nt: bool(nt.redact_when))

    def colours(self) -> dict[str, str]:
        """Type -> colour, for the types that declare one."""
        return {nt.name: nt.colour for nt in self.nodes.values() if nt.colour}

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
            filterable=bool(
                spec.get("filterable", not ptype.startswith("list[") and ptype != "text")
            ),
        )
    return props


def _check_keys(spec: Any, allowed: frozenset[str], where: str) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise SchemaError(f"{where}: expected a mapping, got {spec!r}")
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise SchemaError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )
    return spec


def _flag(spec: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = spec.get(key, default)
    if not isinstance(value, bool):
        raise SchemaError(f"{where}.{key}: expected true or false, got {value!r}")
    return value


def _names(value: Any, where: str) -> tuple[str, ...]:
    """A name or a list of names."""
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        raise SchemaError(f"{where}: expected a name or a list of names, got {value!r}")
    return tuple(items)


def _declared(props: dict[str, Property], names: Any, where: str) -> None:
    missing = sorted(set(names) - set(props) - {LABEL})
    if missing:
        raise SchemaError(f"{where}: {missing} are not declared properties")


def _stix(name: str, spec: dict[str, Any], props: dict[str, Property]) -> StixMapping | None:
    raw = spec.get("stix", {})
    if raw is False:
        return None
    where = f"{name}.stix"
    raw = _check_keys(raw, STIX_KEYS, where)
    for key in ("location", "perpetrator", "not_spyware", "identity_class"):
        if not isinstance(raw.get(key, ""), str):
            raise SchemaError(f"{where}.{key}: expected a string, got {raw[key]!r}")
    standard = (
        frozenset(_names(raw["standard"], f"{where}.standard"))
        if "standard" in raw
        else frozenset()
    )
    _declared(props, standard | ({raw["location"]} if raw.get("location") else set()), where)
    return StixMapping(
        type=str(raw.get("type") or f"x-tnr-{name.lower()}"),
        identity_class=str(raw.get("identity_class", "")),
        sectors=_names(raw["sectors"], f"{where}.sectors") if "sectors" in raw else (),
        location=str(raw.get("location", "")),
        perpetrator=str(raw.get("perpetrator", "")),
        not_spyware=str(raw.get("not_spyware", "")),
        standard=standard,
    )


def _ftm(name: str, spec: dict[str, Any], props: dict[str, Property]) -> FtmMapping | None:
    if "ftm" not in spec:
        return None
    where = f"{name}.ftm"
    raw = _check_keys(spec["ftm"], FTM_KEYS, where)
    if bool(raw.get("schema")) == bool(raw.get("country")):
        raise SchemaError(f"{where}: give either `schema` (an FtM entity) or `country`")
    given = raw.get("properties") or {}
    if not isinstance(given, dict):
        raise SchemaError(f"{where}.properties: expected a mapping, got {given!r}")
    mapped = {str(k): _names(v, f"{where}.properties.{k}") for k, v in given.items()}
    _declared(props, {p for ours in mapped.values() for p in ours}, f"{where}.properties")
    country = str(raw.get("country") or "")
    _declared(props, {country} - {""}, f"{where}.country")
    return FtmMapping(str(raw.get("schema") or ""), mapped, country)


def _caption(name: str, spec: dict[str, Any]) -> tuple[str, str]:
    raw = spec.get("caption", name.lower())
    words = _names(raw, f"{name}.caption")
    if len(words) > 2:
        raise SchemaError(f"{name}.caption: expected [singular, plural], got {raw!r}")
    return (words[0], words[1] if len(words) == 2 else words[0] + "s")


def _knowledge(name: str, spec: dict[str, Any], props: dict[str, Property]) -> dict[str, Any]:
    """The per-type knowledge of a node type: the NodeType fields beyond its model."""
    _check_keys(spec, NODE_KEYS, name)
    colour = spec.get("colour", "")
    if colour and not (isinstance(colour, str) and COLOUR.fullmatch(colour)):
        raise SchemaError(f'{name}.colour: expected "#rrggbb", got {colour!r}')
    return {
        "matchable": _flag(spec, "matchable", False, name),
        "editable": _flag(spec, "editable", False, name),
        "network": _flag(spec, "network", True, name),
        "colour": str(colour).lower(),
        "caption": _caption(name, spec),
        "stix": _stix(name, spec, props),
        "ftm": _ftm(name, spec, props),
    }


def _relation_knowledge(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    _check_keys(spec, RELATION_KEYS, f"relation {name}")
    out: dict[str, Any] = {}
    if "stix" in spec:
        raw = _check_keys(spec["stix"], RELATION_STIX_KEYS, f"relation {name}.stix")
        out["stix"] = RelationStix(
            str(raw.get("type") or name.lower().replace("_", "-")),
            _flag(raw, "reversed", False, f"relation {name}.stix"),
            _flag(raw, "actor", False, f"relation {name}.stix"),
        )
    if "ftm" in spec:
        where = f"relation {name}.ftm"
        raw = _check_keys(spec["ftm"], RELATION_FTM_KEYS, where)
        if bool(raw.get("property")) == bool(raw.get("edge")):
            raise SchemaError(f"{where}: give either `property` or `edge`")
        if raw.get("edge") and not (raw.get("source") and raw.get("target")):
            raise SchemaError(f"{where}: an `edge` needs the FtM `source` and `target` properties")
        out["ftm"] = RelationFtm(
            property=_names(raw["property"], f"{where}.property") if raw.get("property") else (),
            value=str(raw.get("value") or ""),
            edge=str(raw.get("edge") or ""),
            source=str(raw.get("source") or ""),
            target=str(raw.get("target") or ""),
            properties={str(k): str(v) for k, v in (raw.get("properties") or {}).items()},
        )
    return out


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
            name,
            str(spec.get("description", "")),
            keys,
            label,
            props,
            admin_only=bool(spec.get("admin_only", False)),
            internal=bool(spec.get("internal", False)),
            redact_when=tuple(vis.get("redact_when") or ()),
            tied_by=tuple(vis.get("tied_by") or ()),
            public=public,
            mentions_people=bool(spec.get("mentions_people", True)),
            relevance=int(spec.get("relevance", 50)),
            **_knowledge(name, spec, props),
            root_fields=bool(spec.get("root_fields", True)),
        )
    relations: dict[str, RelationType] = {}
    for name, spec in raw["relation_types"].items():
        ends = tuple(spec["source"]), tuple(spec["target"])
        for end in (*ends[0], *ends[1]):
            if end not in nodes:
                raise SchemaError(f"relation {name}: unknown node type {end!r}")
        props = {**_properties(RELATION_COMMON, name), **_properties(spec.get("properties"), name)}
        relations[name] = RelationType(
            name, str(spec.get("description", "")), *ends, props, **_relation_knowledge(name, spec)
        )
    for nt in nodes.values():
        for rel in nt.tied_by:
            if rel not in relations:
                raise SchemaError(f"{nt.name}.visibility.tied_by: unknown relation {rel!r}")
    by_prefix = {nt.id_prefix: nt.name for nt in nodes.values()}
    return Schema(
        int(raw.get("version", 1)),
        provenance,
        nodes,
        relations,
        by_prefix,
        lifecycle=lifecycle,
        record_time=record_time,
    )


@cache
def load_schema(path: Path = SCHEMA_PATH) -> Schema:
    with path.open(encoding="utf-8") as fh:
        return parse_schema(yaml.safe_load(fh))
