"""The root Query: generated entity fields, plus the place for analytical queries.

For every node type there is a field by id (`state(id)`) and a Relay connection
(`states(first, after, last, before, filter, orderBy)`); `node(id)` and
`nodes(ids)` fetch any node by its id.

Root fields over `queries/` (vendor chains, coverage, neighbourhood, shortest
path, search ...) go on `Query` below: add a resolver there, or a mixin class
that `Query` inherits, in the pycon style of one class per API domain.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from graph.schema import NodeType, Schema

from .aggregates import build_connection
from .analysis import AnalysisQuery
from .answers import AsOf, as_of_argument
from .briefing import BriefingQuery
from .connections import Connection, fetch_connection
from .context import Context
from .errors import PublicError
from .filters import OrderDirection
from .inputs import TypeInputs, build_inputs
from .permissions import may_read_id, role_of, type_permissions
from .types import Entity, Node, Registry, build_types, lower_camel, plural

MAX_NODES = 100


def _single(registry: Registry, nt: NodeType) -> Any:
    async def resolve(info: Info[Context, None], id: strawberry.ID) -> Any:
        given = str(id)
        view = info.context.view
        # An anon_ id maps back, a hidden one is refused; this type's own field may read it.
        real = view.real_id(given) if not (nt.admin_only or nt.internal) else given
        try:
            if real is None or registry.schema.type_of_id(real) != nt.name:
                return None
        except KeyError:
            return None
        props = await info.context.loaders.nodes.load(real)
        return registry.node(props, info.context.view) if props is not None else None

    resolve.__annotations__ = {
        "info": Info,
        "id": strawberry.ID,
        "return": registry.nodes[nt.name] | None,
    }
    return strawberry.field(
        resolver=resolve,
        name=lower_camel(nt.name),
        description=f"One {nt.name} by id, or null.",
        permission_classes=type_permissions(nt),
    )


def _plural(registry: Registry, nt: NodeType, inputs: TypeInputs) -> Any:
    connection = build_connection(registry.schema, nt, registry)

    async def resolve(
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: Any = None,
        order_by: Any = None,
        as_of: str | None = None,
    ) -> Connection[Any]:
        field = order_by.field.value if order_by is not None else "id"
        descending = order_by is not None and order_by.direction == OrderDirection.DESC
        view = info.context.view
        return await fetch_connection(
            info.context,
            inputs.spec,
            lambda p: registry.node(p, view),
            first=first,
            after=after,
            last=last,
            before=before,
            flt=filter,
            order_field=field,
            descending=descending,
            cls=connection,
            as_of=as_of_argument(as_of),
        )

    resolve.__annotations__ = {
        "info": Info,
        "first": int | None,
        "after": str | None,
        "last": int | None,
        "before": str | None,
        "filter": inputs.filter | None,
        "order_by": inputs.order | None,
        "as_of": AsOf,
        "return": connection,
    }
    return strawberry.field(
        resolver=resolve,
        name=plural(nt.name),
        description=f"{nt.name} nodes, a page at a time.",
        permission_classes=type_permissions(nt),
    )


async def _node(info: Info[Context, None], id: strawberry.ID) -> Node | None:
    view = info.context.view
    real = view.real_id(str(id))  # an anon_ id maps back; the real id of a hidden node does not
    if real is None or not may_read_id(info.context.schema, real, role_of(info)):
        return None
    props = await info.context.loaders.nodes.load(real)
    node: Entity | None = REGISTRY_REF[0].node(props, view) if props is not None else None
    return node


async def _nodes(info: Info[Context, None], ids: list[strawberry.ID]) -> list[Node | None]:
    if len(ids) > MAX_NODES:
        raise PublicError(f"at most {MAX_NODES} ids at once")
    role, view = role_of(info), info.context.view
    reals = [view.real_id(str(i)) or "" for i in ids]
    allowed = [i if i and may_read_id(info.context.schema, i, role) else "" for i in reals]
    found = await info.context.loaders.nodes.load_many(allowed)
    return [REGISTRY_REF[0].node(p, view) if p is not None else None for p in found]


REGISTRY_REF: list[Registry] = []


def build_entity_query(schema: Schema) -> type[Any]:
    """The generated part of the root Query (one class, fields for every node type)."""
    registry = build_types(schema)
    REGISTRY_REF[:] = [registry]
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "node": strawberry.field(resolver=_node, description="Any node by its id, or null."),
        "nodes": strawberry.field(resolver=_nodes, description="Nodes by id, in order."),
    }
    for nt in schema.nodes.values():
        if not nt.root_fields:  # served by its own module (watches.py)
            continue
        inputs = build_inputs(nt, schema)
        namespace[f"one_{nt.name}"] = _single(registry, nt)
        namespace[f"all_{nt.name}"] = _plural(registry, nt, inputs)
    return strawberry.type(type("EntityQuery", (), namespace))  # type: ignore[no-any-return]


def build_query(schema: Schema) -> type[Any]:
    entity_query = build_entity_query(schema)

    @strawberry.type(description="The root of every read.")
    class Query(entity_query, AnalysisQuery, BriefingQuery):  # type: ignore[valid-type,misc]
        # Root fields over queries/ (vendor chains, coverage, neighbourhood, shortest path,
        # search ...) come from AnalysisQuery (analysis.py), each resolver delegating to its
        # function in queries/.
        pass

    return Query
