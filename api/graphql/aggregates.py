"""Aggregates on every connection, generated from the schema.

`exportLicences(filter: ...) { aggregate { ... } }` counts the nodes the connection's
filter selects and gives `sum/min/max/avg` of each numeric property, and
`groupBy(by: {property: ...} | {relation: ...}, limit, orderBy)` the same per value of a
property or per node at the other end of a declared relation, top `limit` first:

    exportLicences(first: 0, filter: {controlCode: {eq: "5A001"}}) {
      aggregate { count value { sum }
        groupBy(by: {relation: DESTINATION}, limit: 5, orderBy: {by: SUM, field: VALUE}) {
          key label count value { sum } } } }

The rules are the connection's (graph/visibility.py): the same filter conditions, and for
the public no group-by or statistic over a property it does not see for every node
(refused), values it may not test grouped as null (like the sort key of a connection),
nodes shown anonymously grouped under their anonymous id and ordered by it, and no
identifying relation of a redacted person walked. A node with several relations of the
type counts once in each of their groups; one with none in the group whose key is null.
Property names come from the schema, every value is a parameter.
"""

from __future__ import annotations

import enum
import types
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.types import Info

from graph.anonymity import anon_id
from graph.hidden import IDENTIFYING_RELATIONS
from graph.schema import NodeType, Schema
from graph.visibility import View
from queries.common import all_recorded

from .connections import Connection, Scope
from .context import Context
from .errors import PublicError
from .filters import OrderDirection
from .permissions import Forbidden
from .query_limits import DEFAULT_GROUPS, MAX_GROUPS
from .types import Direction, Registry, relation_ends, relation_field

NUMERIC = ("int", "float")


@strawberry.type(
    description="Statistics of a numeric property over the nodes counted "
    "(null when none of them has a value)."
)
class NumericStats:
    count: int = strawberry.field(description="How many of the nodes have a value.")
    sum: float | None
    min: float | None
    max: float | None
    avg: float | None


@strawberry.enum(description="What groups are ordered by.")
class GroupOrderKey(enum.Enum):
    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    KEY = "key"


def _enum(name: str, members: dict[str, str], description: str) -> Any:
    made = enum.Enum(name, members)  # type: ignore[misc]
    return strawberry.enum(made, description=description)


def _upper(name: str) -> str:
    """`originState` -> `ORIGIN_STATE`, `value` -> `VALUE`."""
    return "".join(f"_{c}" if c.isupper() else c.upper() for c in name)


@dataclass(frozen=True)
class AggregateSpec:
    """What one node type can be aggregated over (from the schema)."""

    node_type: NodeType
    numeric: tuple[str, ...]  # numeric properties: statistics and SUM/AVG/MIN/MAX orders
    groupable: tuple[str, ...]  # scalar filterable properties: groupBy property
    relations: dict[str, tuple[str, Direction]]  # enum value -> (relation, direction)


def aggregate_spec(schema: Schema, nt: NodeType) -> AggregateSpec:
    props = nt.properties.values()
    numeric = tuple(p.name for p in props if p.type in NUMERIC)
    groupable = tuple(p.name for p in props if p.filterable and not p.is_list)
    relations = {relation_field(rt.name, d): (rt.name, d) for rt, d in relation_ends(schema, nt)}
    return AggregateSpec(nt, numeric, groupable, relations)


# -- the rules for the public ------------------------------------------------------------
def check_numeric(view: View, nt: NodeType, prop: str) -> None:
    prop_def = nt.properties[prop]
    if view.public and (prop_def.sensitive or not view.field_is_public(nt, prop)):
        raise Forbidden("statistics of a withheld field need the analyst role")


def check_groupable(view: View, nt: NodeType, prop: str) -> None:
    prop_def = nt.properties[prop]
    if view.public and (prop_def.sensitive or (nt.can_hide and prop not in nt.public)):
        raise Forbidden("grouping by a withheld field needs the analyst role")


# -- Cypher -------------------------------------------------------------------------------
def _stats(numeric: tuple[str, ...]) -> str:
    parts = ["count(n) AS c"]
    for i, p in enumerate(numeric):
        col = f"n.`{p}`"
        parts += [
            f"count({col}) AS k{i}",
            f"sum({col}) AS s{i}",
            f"min({col}) AS lo{i}",
            f"max({col}) AS hi{i}",
            f"avg({col}) AS av{i}",
        ]
    return ", ".join(parts)


def _read_stats(row: dict[str, Any], numeric: tuple[str, ...]) -> dict[str, NumericStats]:
    out = {}
    for i, p in enumerate(numeric):
        k = int(row.get(f"k{i}") or 0)

        def num(v: Any, k: int = k) -> float | None:
            return float(v) if k and v is not None else None

        out[p] = NumericStats(
            count=k,
            sum=num(row.get(f"s{i}")),
            min=num(row.get(f"lo{i}")),
            max=num(row.get(f"hi{i}")),
            avg=num(row.get(f"av{i}")),
        )
    return out


def _nulls_last(expr: str, direction: str) -> str:
    return f"CASE WHEN {expr} IS NULL THEN 1 ELSE 0 END, {expr} {direction}"


def _key_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class GroupRow:
    key: str | None
    label: str | None
    type: str | None
    count: int
    stats: dict[str, NumericStats]


async def group_rows(
    ctx: Context,
    spec: AggregateSpec,
    registry: Registry,
    scope: Scope,
    *,
    prop: str | None,
    relation: str | None,
    limit: int,
    order: str,
    order_field: str | None,
    descending: bool,
) -> list[GroupRow]:
    """The top `limit` groups of the scope's nodes, by a property or a related node."""
    if (prop is None) == (relation is None):
        raise PublicError("group by exactly one of a property or a relation")
    if not 1 <= limit <= MAX_GROUPS:
        raise PublicError(f"limit must be between 1 and {MAX_GROUPS}")
    view, nt = ctx.view, spec.node_type
    values = dict(scope.params)  # the filter's parameters are p0, p1 ...; these g0, g1 ...

    def add(value: Any) -> str:
        name = f"g{len(values)}"
        values[name] = value
        return f"${name}"

    if order != "count" and order != "key":
        if order_field is None:
            raise PublicError("ordering groups by sum, avg, min or max needs a numeric field")
        check_numeric(view, nt, order_field)
    if prop is not None:
        check_groupable(view, nt, prop)
        key = f"n.`{prop}`"
        masked = [] if view.field_is_public(nt, prop) else view.masked_ids(nt)
        if masked:
            key = f"CASE WHEN {add(dict.fromkeys(masked, True))}[n.id] THEN null ELSE {key} END"
        head = f"{scope.match} WITH n, {key} AS g RETURN g, null AS mid, "
    else:
        assert relation is not None
        rel, direction = spec.relations[relation]
        arrow = f"-[e:`{rel}`]->" if direction == "out" else f"<-[e:`{rel}`]-"
        tests = [all_recorded("e", "m", param=scope.as_of)] if scope.as_of else []
        if view.public and rel in IDENTIFYING_RELATIONS and view.hidden.redacted:
            red = add(dict.fromkeys(sorted(view.hidden.redacted), True))
            tests.append(f"{red}[n.id] IS NULL AND {red}[m.id] IS NULL")
        guard = f" WHERE {' AND '.join(tests)}" if tests else ""
        schema = ctx.schema
        rt = schema.relation(rel)
        ends = rt.targets if direction == "out" else rt.sources
        anonymous = {i: anon_id(i) for e in ends for i in view.anonymous_ids(schema.node(e))}
        shown = f"coalesce({add(anonymous)}[m.id], m.id)" if anonymous else "m.id"
        head = (
            f"{scope.match} OPTIONAL MATCH (n){arrow}(m){guard} WITH DISTINCT n, m "
            f"RETURN CASE WHEN m IS NULL THEN null ELSE {shown} END AS g, m.id AS mid, "
        )
    direction_word = "DESC" if descending else "ASC"
    tail = _nulls_last("g", "ASC")
    if order == "count":
        by = f"c {direction_word}, {tail}"
    elif order == "key":
        by = _nulls_last("g", direction_word)
    else:
        assert order_field is not None
        short = {"sum": "s", "avg": "av", "min": "lo", "max": "hi"}[order]
        by = f"{_nulls_last(f'{short}{spec.numeric.index(order_field)}', direction_word)}, c DESC, {tail}"
    query = f"{head}{_stats(spec.numeric)} ORDER BY {by} LIMIT {add(limit)}"
    rows = await ctx.loaders.read(query, **values)
    nodes: dict[str, Any] = {}
    mids = [str(r["mid"]) for r in rows if r.get("mid") is not None]
    if mids:
        for props in await ctx.loaders.nodes.load_many(mids):
            if props is not None:
                nodes[str(props["id"])] = props
    out = []
    for r in rows:
        stats = _read_stats(r, spec.numeric)
        count = int(r["c"])
        if prop is not None:
            text = _key_text(r["g"])
            label = view.text(text) if text is not None else None
            out.append(GroupRow(label, label, None, count, stats))
            continue
        mid = r.get("mid")
        if mid is None:
            out.append(GroupRow(None, None, None, count, stats))
            continue
        obj = registry.node(nodes[str(mid)], view) if str(mid) in nodes else None
        type_name = ctx.schema.type_of_id(str(mid))
        if obj is None:
            out.append(GroupRow(view.shown_id(str(mid)), None, type_name, count, stats))
        else:
            out.append(GroupRow(str(obj.id), str(obj.label), type_name, count, stats))
    return out


# -- GraphQL types ------------------------------------------------------------------------
def _stat_resolver(nt: NodeType, prop: str) -> Any:
    def resolve(root: Any, info: Info[Context, None]) -> NumericStats | None:
        check_numeric(info.context.view, nt, prop)
        return root.stats.get(prop)  # type: ignore[no-any-return]

    resolve.__annotations__ = {"info": Info, "return": NumericStats | None}
    return resolve


def _stats_type(nt: NodeType, numeric: tuple[str, ...]) -> type[Any] | None:
    """`{T}Stats`: one NumericStats field per numeric property (None if the type has none)."""
    if not numeric:
        return None
    ns: dict[str, Any] = {
        f"stat_{p}": strawberry.field(
            resolver=_stat_resolver(nt, p),
            name=relation_field(p, "out"),
            description=f"Statistics of `{p}` over the nodes counted.",
        )
        for p in numeric
    }
    ns["__annotations__"] = {"stats": strawberry.Private[dict[str, Any]]}
    return strawberry.type(
        type(f"{nt.name}Stats", (), ns),  # type: ignore[no-any-return]
        description=f"Statistics of the numeric properties of {nt.name} "
        "nodes (for the public, only of the properties it sees).",
    )


def _stats_field(stats_cls: type[Any] | None) -> dict[str, Any]:
    if stats_cls is None:
        return {}

    def resolve(root: Any) -> Any:
        return stats_cls(stats=root.stats)

    resolve.__annotations__ = {"return": stats_cls}
    return {
        "numeric_stats": strawberry.field(
            resolver=resolve,
            name="stats",
            description="sum, min, max and avg of each numeric property.",
        )
    }


def build_aggregate(schema: Schema, nt: NodeType, registry: Registry) -> tuple[type[Any], Any]:
    """The `{T}Aggregate` type of a node type and the resolver of a connection's
    `aggregate` field."""
    spec = aggregate_spec(schema, nt)
    name = nt.name
    stats_cls = _stats_type(nt, spec.numeric)
    prop_enum = _enum(
        f"{name}GroupField",
        {_upper(relation_field(p, "out")): p for p in spec.groupable},
        f"Properties to group {name} nodes by.",
    )
    by_ann: dict[str, Any] = {"property": prop_enum | None}
    by_ns: dict[str, Any] = {"property": strawberry.field(default=None)}
    if spec.relations:
        rel_enum = _enum(
            f"{name}GroupRelation",
            {_upper(k): k for k in spec.relations},
            f"Relations to group {name} nodes by the node at their other end.",
        )
        by_ann["relation"] = rel_enum | None
        by_ns["relation"] = strawberry.field(default=None)
    by_ns["__annotations__"] = by_ann
    group_by = strawberry.input(
        type(f"{name}GroupBy", (), by_ns), description="Give exactly one: a property or a relation."
    )
    order_ann: dict[str, Any] = {"by": GroupOrderKey, "direction": OrderDirection}
    order_ns: dict[str, Any] = {
        "by": strawberry.field(default=GroupOrderKey.COUNT),
        "direction": strawberry.field(default=OrderDirection.DESC),
    }
    if spec.numeric:
        num_enum = _enum(
            f"{name}NumericField",
            {_upper(relation_field(p, "out")): p for p in spec.numeric},
            f"Numeric properties of {name} nodes.",
        )
        order_ann["field"] = num_enum | None
        order_ns["field"] = strawberry.field(
            default=None, description="The numeric property of SUM, AVG, MIN and MAX."
        )
    order_ns["__annotations__"] = order_ann
    group_order = strawberry.input(
        type(f"{name}GroupOrder", (), order_ns),
        description="Order groups by their count (the default, largest first), a statistic of "
        "a numeric field, or their key; ties by key.",
    )

    group_ns: dict[str, Any] = {
        "__annotations__": {
            "key": str | None,
            "label": str | None,
            "type": str | None,
            "count": int,
            "stats": strawberry.Private[dict[str, Any]],
        },
        "key": strawberry.field(
            description="The property's value, or the id of the node at the other end (null: none)."
        ),
        "label": strawberry.field(description="The value, or the node's label."),
        "type": strawberry.field(description="The node's type (relation groups)."),
        "count": strawberry.field(description="How many of the nodes are in the group."),
        **_stats_field(stats_cls),
    }
    group_cls = strawberry.type(
        type(f"{name}Group", (), group_ns), description=f"A group of {name} nodes."
    )

    async def group_by_resolver(
        root: Any,
        info: Info[Context, None],
        by: Any,
        limit: int = DEFAULT_GROUPS,
        order_by: Any = None,
    ) -> list[Any]:
        order = order_by.by.value if order_by is not None else "count"
        field = getattr(order_by, "field", None)
        descending = order_by is None or order_by.direction == OrderDirection.DESC
        prop = by.property.value if by.property is not None else None
        rel = getattr(by, "relation", None)
        rows = await group_rows(
            info.context,
            spec,
            registry,
            root.scope,
            prop=prop,
            relation=rel.value if rel is not None else None,
            limit=limit,
            order=order,
            order_field=field.value if field is not None else None,
            descending=descending,
        )
        return [
            group_cls(key=g.key, label=g.label, type=g.type, count=g.count, stats=g.stats)
            for g in rows
        ]

    group_by_resolver.__annotations__ = {
        "info": Info,
        "by": group_by,
        "limit": int,
        "order_by": group_order | None,
        "return": list[group_cls],  # type: ignore[valid-type]
    }
    agg_ns: dict[str, Any] = {
        "__annotations__": {
            "count": int,
            "stats": strawberry.Private[dict[str, Any]],
            "scope": strawberry.Private[Scope],
        },
        "count": strawberry.field(description="How many nodes match the filter."),
        **_stats_field(stats_cls),
        "group_by": strawberry.field(
            resolver=group_by_resolver,
            description=f"The nodes in groups, the top `limit` (at most {MAX_GROUPS}) first.",
        ),
    }
    agg_cls = strawberry.type(
        type(f"{name}Aggregate", (), agg_ns),
        description=f"Counts and statistics of the {name} nodes a "
        "connection's filter selects (all pages).",
    )

    async def aggregate(root: Any, info: Info[Context, None]) -> Any:
        scope: Scope = root.scope
        rows = await info.context.loaders.read(
            f"{scope.match} RETURN {_stats(spec.numeric)}", **scope.params
        )
        row = rows[0] if rows else {"c": 0}
        return agg_cls(
            count=int(row.get("c") or 0), stats=_read_stats(row, spec.numeric), scope=scope
        )

    aggregate.__annotations__ = {"info": Info, "return": agg_cls}
    return agg_cls, aggregate


_CONNECTIONS: dict[tuple[int, str], type[Any]] = {}


def build_connection(schema: Schema, nt: NodeType, registry: Registry) -> type[Any]:
    """`{T}Connection`: the Relay connection of a node type with its `aggregate` field
    (made once per registry and type: every field returning it shares the class)."""
    made = _CONNECTIONS.get((id(registry), nt.name))
    if made is not None:
        return made
    _, resolver = build_aggregate(schema, nt, registry)
    node_cls = registry.nodes[nt.name]

    def body(ns: dict[str, Any]) -> None:
        ns["__annotations__"] = {}
        ns["__module__"] = __name__
        ns["aggregate"] = strawberry.field(
            resolver=resolver,
            description="Counts, statistics and groups of every node the filter selects "
            "(all pages; pass first: 0 to fetch no page).",
        )

    base: Any = Connection
    cls = types.new_class(f"{nt.name}Connection", (base.__class_getitem__(node_cls),), {}, body)
    made = strawberry.type(cls, name=f"{nt.name}Connection")
    _CONNECTIONS[(id(registry), nt.name)] = made
    return made
