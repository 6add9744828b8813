"""GraphQL types generated from graph/schema.yaml by one small factory.

Nothing here is written by hand per type. For each declared node type there is
one object type implementing `Node` (Relay) and `Entity`, with the declared
properties (dates as ISO strings), `label`, `confidence`, `citations`,
`sources`, and one field per relation end: `partOf` for the outgoing PART_OF
edges of an Agency, `incomingPartOf` for the PART_OF edges that reach it. A
relation field returns relation objects (`PartOfRelation`,
`PartOfIncomingRelation`) with the relation's properties, its sources and the
`node` at the other end.

The generated classes are published in this module's namespace, so type
annotations can name them (`"State"`, `"list[PartOfRelation]"`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Literal

import strawberry
from strawberry.types import Info

from graph.schema import NodeType, Property, RelationType, Schema
from graph.visibility import View

from .context import Context
from .errors import PublicError
from .query_limits import DEFAULT_RELATION_PAGE, MAX_RELATION_PAGE

if TYPE_CHECKING:
    Source = Any

Direction = Literal["out", "in"]
PUBLIC_VIEW = View()
PY_TYPES: dict[str, Any] = {
    "string": str,
    "text": str,
    "url": str,
    "date": str,
    "int": int,
    "float": float,
    "bool": bool,
    "list[string]": list[str],
}


# -- names --------------------------------------------------------------------------------
def lower_camel(name: str) -> str:
    """`PART_OF` -> `partOf`, `ExportLicence` -> `exportLicence`, `eu_member` -> `euMember`."""
    if "_" in name or name.isupper():
        head, *rest = name.lower().split("_")
        return head + "".join(p.capitalize() for p in rest)
    return name[0].lower() + name[1:]


def pascal(name: str) -> str:
    """`PART_OF` -> `PartOf`."""
    return "".join(p.capitalize() for p in name.lower().split("_"))


def plural(name: str) -> str:
    """`Agency` -> `agencies`, `Person` -> `persons`, `ExportLicence` -> `exportLicences`."""
    word = lower_camel(name)
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def relation_field(relation: str, direction: Direction) -> str:
    """The GraphQL name of a relation field: `partOf` (outgoing), `incomingPartOf`."""
    return lower_camel(relation) if direction == "out" else "incoming" + pascal(relation)


def relation_ends(schema: Schema, nt: NodeType) -> list[tuple[RelationType, Direction]]:
    """The relations a node of `nt` may have, in schema order: (type, "out") where it is a
    source, (type, "in") where it is a target (one relation field each)."""
    out: list[tuple[RelationType, Direction]] = []
    for rt in schema.relations.values():
        if nt.name in rt.sources:
            out.append((rt, "out"))
        if nt.name in rt.targets:
            out.append((rt, "in"))
    return out


def relation_type_name(relation: str, direction: Direction) -> str:
    return pascal(relation) + ("Relation" if direction == "out" else "IncomingRelation")


# -- values -------------------------------------------------------------------------------
def convert(prop: Property, value: Any) -> Any:
    """A stored value in its declared GraphQL type (None when it does not fit)."""
    if value is None:
        return None
    try:
        if prop.type == "list[string]":
            return [str(v) for v in (value if isinstance(value, list) else [value])]
        if prop.type == "int":
            return int(value)
        if prop.type == "float":
            return float(value)
        if prop.type == "bool":
            return bool(value)
        return str(value)
    except (TypeError, ValueError):
        return None


#: The Python type a declared property already has when the store holds it as declared.
EXACT: dict[str, type] = {
    "string": str,
    "text": str,
    "url": str,
    "date": str,
    "int": int,
    "float": float,
    "bool": bool,
}


# -- lazy objects ---------------------------------------------------------------------------
# A node or relation object keeps the row its view produced (`_row`) and converts a
# property only when a query reads it: a page of 10,000 nodes asked for 5 of their 20
# fields converts 5 per node. The values are exactly those `convert` gives (a value the
# store already holds in its declared type is returned as it is); `confidence` is a float
# or None, `citations` and `source_ids` lists of strings.
class _Stored:
    """A declared property, read from `_row` and converted on access (`convert`)."""

    __slots__ = ("exact", "name", "prop")

    def __init__(self, prop: Property) -> None:
        self.name = prop.name
        self.prop = prop
        self.exact = EXACT.get(prop.type)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = obj._row.get(self.name)
        if value is None or type(value) is self.exact:
            return value
        return convert(self.prop, value)


class _Confidence:
    __slots__ = ()

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = obj._row.get("confidence")
        return float(value) if isinstance(value, int | float) else None


class _Strings:
    """`citations` and `source_ids`: a list of strings (empty when absent)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        return [str(v) for v in obj._row.get(self.name) or []]


class _Label:
    """The view's label, else the label property, else the id shown."""

    __slots__ = ("prop",)

    def __init__(self, prop: Property | None) -> None:
        self.prop = prop

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        row = obj._row
        label = row.get("label")
        if not label and self.prop is not None:
            label = convert(self.prop, row.get(self.prop.name))
        return str(label or row["id"])


def _lazy_class(cls: type[Any], props: dict[str, Property], extra: dict[str, Any]) -> type[Any]:
    """A subclass of a generated type whose fields are read from `_row` when asked for.

    It is not a strawberry type of its own: its objects are the generated type's objects
    for the schema (isinstance, the inherited definition), built without running the
    dataclass __init__ or converting fields nobody selects.
    """
    namespace: dict[str, Any] = {name: _Stored(p) for name, p in props.items()}
    namespace.update(
        confidence=_Confidence(),
        citations=_Strings("citations"),
        source_ids=_Strings("source_ids"),
        **extra,
    )
    namespace["__module__"] = __name__
    namespace["__doc__"] = cls.__doc__
    return type(cls.__name__, (cls,), namespace)


async def _load_sources(info: Info[Context, None], ids: list[str]) -> list[Any]:
    found = await info.context.loaders.nodes.load_many(ids)
    view = info.context.view
    return [n for n in (REGISTRY.node(p, view) for p in found if p is not None) if n is not None]


# -- interfaces ---------------------------------------------------------------------------
@strawberry.interface(name="Node", description="An object with a globally unique id (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(
        description="The node's id, `<type>_<hash>`; the same in every request and export."
    )


@strawberry.interface(description="A node of the graph: a fact with its provenance.")
class Entity(Node):
    label: str = strawberry.field(description="A name to show for the node.")
    confidence: float | None = strawberry.field(
        description="0..1; 1 = stated by the source, lower = inferred or alleged."
    )
    citations: list[str] = strawberry.field(
        description="Source id and locator (row, line, passage) of each citation."
    )
    source_ids: strawberry.Private[list[str]]
    key: strawberry.Private[str] = ""  # the stored id (`id` is anonymous for a hidden node)

    @strawberry.field(description="The Source nodes that support this fact.")  # type: ignore[untyped-decorator]
    async def sources(self, info: Info[Context, None]) -> list[Source]:
        return await _load_sources(info, self.source_ids)


@strawberry.interface(description="A relation between two nodes, with its provenance.")
class Relation:
    id: strawberry.ID = strawberry.field(description="The relation's id, `rel_<hash>`.")
    type: str = strawberry.field(description="The relation type, e.g. PART_OF.")
    confidence: float | None
    citations: list[str]
    source_ids: strawberry.Private[list[str]]

    @strawberry.field(description="The Source nodes that support this relation.")  # type: ignore[untyped-decorator]
    async def sources(self, info: Info[Context, None]) -> list[Source]:
        return await _load_sources(info, self.source_ids)


# -- the factory --------------------------------------------------------------------------
def _property_fields(props: dict[str, Property]) -> tuple[dict[str, Any], dict[str, Any]]:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for prop in props.values():
        py = PY_TYPES[prop.type]
        description = prop.description or None
        if prop.sensitive:
            description = f"{description + ' ' if description else ''}(sensitive)"
        if prop.required:
            annotations[prop.name] = py
            namespace[prop.name] = strawberry.field(description=description)
        else:
            annotations[prop.name] = py | None
            namespace[prop.name] = strawberry.field(default=None, description=description)
    return annotations, namespace


Resolver = Callable[..., Coroutine[Any, Any, list[Any]]]


def _relation_resolver(owner: str, rt: RelationType, direction: Direction) -> Resolver:
    type_name = relation_type_name(rt.name, direction)

    async def resolve(
        root: Any, info: Info[Context, None], first: int = DEFAULT_RELATION_PAGE
    ) -> list[Any]:
        if not 0 <= first <= MAX_RELATION_PAGE:
            raise PublicError(f"first must be between 0 and {MAX_RELATION_PAGE}")
        view = info.context.view
        key = root.key or root.id
        if not view.shows_relation(rt.name, key):
            return []
        loader = info.context.loaders.relations(owner, rt.name, direction, first)
        rows = await loader.load(key)
        found = (REGISTRY.relation(rt, direction, row, view, key) for row in rows)
        return [e for e in found if e is not None]

    resolve.__annotations__ = {"info": Info, "first": int, "return": f"list[{type_name}]"}
    return resolve


class Registry:
    """The generated classes, and the functions that turn stored rows into them."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.nodes: dict[str, type[Any]] = {}
        self.relations: dict[tuple[str, Direction], type[Any]] = {}
        # What node() and relation() build: lazy subclasses of the generated types.
        self._lazy_nodes: dict[str, tuple[NodeType, type[Any]]] = {}
        self._lazy_relations: dict[tuple[str, Direction], type[Any]] = {}
        module = sys.modules[__name__]
        for rt in schema.relations.values():
            for direction in ("out", "in"):
                cls = self._relation_class(rt, direction)
                self.relations[(rt.name, direction)] = cls
                self._lazy_relations[(rt.name, direction)] = _lazy_class(
                    cls, {**rt.properties, **schema.record_time}, {}
                )
                setattr(module, cls.__name__, cls)
        for nt in schema.nodes.values():
            cls = self._node_class(nt)
            self.nodes[nt.name] = cls
            label = _Label(nt.properties.get(nt.label_property))
            self._lazy_nodes[nt.name] = (
                nt,
                _lazy_class(cls, {**nt.properties, **schema.record_time}, {"label": label}),
            )
            setattr(module, cls.__name__, cls)

    def _node_class(self, nt: NodeType) -> type[Any]:
        annotations, namespace = _property_fields({**nt.properties, **self.schema.record_time})
        taken = {
            lower_camel(p)
            for p in (
                *nt.properties,
                *self.schema.record_time,
                "id",
                "label",
                "confidence",
                "citations",
                "sources",
            )
        }
        for rt in self.schema.relations.values():
            ends_by_direction: tuple[tuple[Direction, tuple[str, ...]], ...] = (
                ("out", rt.sources),
                ("in", rt.targets),
            )
            for direction, ends in ends_by_direction:
                if nt.name not in ends:
                    continue
                name = relation_field(rt.name, direction)
                if name in taken:
                    raise ValueError(f"{nt.name}: relation field {name!r} clashes with a field")
                taken.add(name)
                other = rt.targets if direction == "out" else rt.sources
                what = "to" if direction == "out" else "from"
                namespace[f"rel_{direction}_{rt.name.lower()}"] = strawberry.field(
                    resolver=_relation_resolver(nt.name, rt, direction),
                    name=name,
                    description=f"{rt.name} {what} {' or '.join(other)}. {rt.description}".strip(),
                )
        namespace["__annotations__"] = annotations
        namespace["__module__"] = __name__
        namespace["__doc__"] = nt.description
        cls = type(nt.name, (Entity,), namespace)
        return strawberry.type(cls, description=nt.description)  # type: ignore[no-any-return]

    def _relation_class(self, rt: RelationType, direction: Direction) -> type[Any]:
        annotations, namespace = _property_fields({**rt.properties, **self.schema.record_time})
        other = rt.targets if direction == "out" else rt.sources
        annotations["node"] = other[0] if len(other) == 1 else "Entity"
        namespace["node"] = strawberry.field(description="The node at the other end.")
        namespace["__annotations__"] = annotations
        namespace["__module__"] = __name__
        name = relation_type_name(rt.name, direction)
        cls = type(name, (Relation,), namespace)
        description = f"{'A' if direction == 'out' else 'An incoming'} {rt.name} relation."
        return strawberry.type(cls, description=f"{description} {rt.description}".strip())  # type: ignore[no-any-return]

    # -- rows to objects --------------------------------------------------------------------
    def node(self, props: dict[str, Any], view: View = PUBLIC_VIEW) -> Any:
        """The GraphQL object of a stored node's properties as `view` may see them.

        The default view is `public`'s: a caller that forgets the role shows too little.
        None for an unknown id.
        """
        node_id = str(props.get("id") or "")
        try:
            nt, cls = self._lazy_nodes[self.schema.type_of_id(node_id)]
        except KeyError:
            return None
        shown = view.node(nt.name, props)
        obj = object.__new__(cls)
        obj.__dict__.update(id=shown["id"], key=node_id, _row=shown)
        return obj

    def relation(
        self,
        rt: RelationType,
        direction: Direction,
        row: dict[str, Any],
        view: View = PUBLIC_VIEW,
        owner: str = "",
    ) -> Any:
        node = self.node(row["n"], view)
        if node is None:
            return None
        props = view.relation(rt.name, row["r"], (owner, node.key))
        if props is None:
            return None
        cls = self._lazy_relations[(rt.name, direction)]
        obj = object.__new__(cls)
        obj.__dict__.update(id=str(props.get("id") or ""), type=rt.name, node=node, _row=props)
        return obj


REGISTRY: Registry  # set by build_types()


def build_types(schema: Schema) -> Registry:
    """Generate (once per schema) the node and relation types."""
    global REGISTRY
    existing = globals().get("REGISTRY")
    if isinstance(existing, Registry) and existing.schema is schema:
        return existing
    REGISTRY = Registry(schema)
    return REGISTRY
