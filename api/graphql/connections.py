"""Relay connections over one node type: their GraphQL types and `fetch_connection`.

`fetch_connection` reads one page, as the caller's role sees it, with its count and the
scope of its aggregates. A page is ordered by the chosen field, nulls last, then by id,
so a cursor (field, value, id) names one place in a total order and pages stay stable
when nodes are added elsewhere (cursors.py). What a filter means is in filters.py, the
queries that read a page in paging.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry

from graph.anonymity import anon_id

from .context import Context
from .cursors import INVALID_CURSOR, comes_after, comes_before, decode_cursor, encode_cursor
from .errors import PublicError
from .filters import Params, TypeSpec, where_clauses
from .paging import read_page, read_segmented_page, run_of, segments_of
from .permissions import Forbidden
from .query_limits import DEFAULT_PAGE

T = TypeVar("T")


# -- GraphQL types shared by every connection ---------------------------------------------
@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


class LazyEdge(Edge[Any]):
    """An edge whose cursor is encoded only when a query reads it (`cursor`)."""

    _place: tuple[str, Any, str, int]

    @property
    def cursor(self) -> str:  # type: ignore[override]
        return encode_cursor(*self._place)

    @classmethod
    def of(cls, node: Any, field: str, value: Any, node_id: str, role: int = 0) -> Edge[Any]:
        """The edge of `node` at (field=value, node_id) in the order, for a role's cursors."""
        edge = cls.__new__(cls)
        edge.__dict__.update(node=node, _place=(field, value, node_id, role))
        return edge


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]
    #: What the filter selects, for the connection's aggregates (api/graphql/aggregates.py).
    scope: strawberry.Private[Any] = None

    @strawberry.field(description="How many nodes match the filter (all pages).")  # type: ignore[untyped-decorator]
    async def total_count(self) -> int:
        return await self.count()


async def fetch_connection(
    ctx: Context,
    spec: TypeSpec,
    to_node: Callable[[dict[str, Any]], Any],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    flt: Any,
    order_field: str,
    descending: bool,
    cls: type[Connection[Any]] = Connection,
    as_of: str | None = None,
) -> Connection[Any]:
    """One page of the nodes of `spec`'s type that the filter selects, as `ctx.view` sees
    them; `as_of` (a record time, already checked by queries.common.check_as_of): of the
    graph as it stood then, for the page, the count and the aggregates alike."""
    if first is not None and last is not None:
        raise PublicError("pass either first or last, not both")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= ctx.max_page:
            raise PublicError(f"{name} must be between 0 and {ctx.max_page}")
    if order_field not in spec.orderable:
        raise PublicError("cannot order by that field")
    view = ctx.view
    prop = spec.node_type.properties.get(order_field)
    if view.public and prop is not None and prop.sensitive:
        raise Forbidden("ordering by a sensitive field needs the analyst role")
    backwards = last is not None
    size = last if last is not None else (first if first is not None else DEFAULT_PAGE)
    label = spec.node_type.name
    role = int(view.role)

    params = Params()
    when = params.add(as_of) if as_of is not None else None
    conditions = where_clauses(spec, flt, params, ctx.schema, view, when)
    count_conditions = list(conditions)
    count_params = dict(params.values)
    # The sort key as this role sees it. A value the public may not see sorts as null, and
    # nodes shown anonymously sort among themselves by their anonymous id, never by their
    # stored one (its place in the order would tell a guessed name's hash from another).
    col: str | None = None if order_field == "id" else f"n.`{order_field}`"
    masked = (
        [] if view.field_is_public(spec.node_type, order_field) else view.masked_ids(spec.node_type)
    )
    anonymous = view.anonymous_ids(spec.node_type)
    if order_field == "id" and anonymous:
        col, masked = "n.id", anonymous
    # The key and the rank are computed once per row (WITH), then sorted and compared by alias;
    # sets of ids are maps, so a row costs a lookup, not a scan of the list.
    keys = ["n"]
    if col is not None:
        if masked:
            col = f"CASE WHEN {params.add(dict.fromkeys(masked, True))}[n.id] THEN null ELSE {col} END"
        keys.append(f"{col} AS k")
    ranks = {real: n for n, real in enumerate(sorted(anonymous, key=anon_id))}
    tie_exprs = ["n.id"]
    if ranks:
        keys.append(f"coalesce({params.add(ranks)}[n.id], -1) AS rk")
        tie_exprs.insert(0, "rk")
    key = "k" if col is not None else None
    keyset: list[str] = []
    places: dict[str, tuple[Any, str]] = {}  # after/before -> (value, real id) at the cursor
    for cursor, place in ((after, comes_after), (before, comes_before)):
        if cursor is not None:
            value, shown = decode_cursor(cursor, order_field, role)
            node_id = view.real_id(shown) if shown.startswith("anon_") else shown
            if node_id is None or (node_id in ranks) != shown.startswith("anon_"):
                raise PublicError(INVALID_CURSOR)
            places["after" if place is comes_after else "before"] = (value, node_id)
            tie_values = ([ranks.get(node_id, -1)] if ranks else []) + [node_id]
            ties = list(zip(tie_exprs, tie_values, strict=True))
            keyset.append(place(key, value, ties, descending, params))
    segments = segments_of(order_field, f"n.`{order_field}`", masked, anonymous, params, descending)
    if segments:
        runs = {
            which: (run_of(segments, real, value, ranks), value, real)
            for which, (value, real) in places.items()
        }
        rows = await read_segmented_page(
            ctx, label, conditions, params, segments, ranks, runs, size, descending, backwards
        )
    else:
        rows = await read_page(
            ctx,
            label,
            conditions,
            params,
            keys,
            keyset,
            key,
            tie_exprs,
            size,
            descending,
            backwards,
        )
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    edges = []
    for r in rows:
        node = to_node(r["p"])
        edges.append(LazyEdge.of(node, order_field, r["k"], node.id, role))
    page_info = PageInfo(
        has_next_page=more if not backwards else before is not None,
        has_previous_page=more if backwards else after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )

    async def count() -> int:
        cwhere = f" WHERE {' AND '.join(count_conditions)}" if count_conditions else ""
        found = await ctx.loaders.read(
            f"MATCH (n:`{label}`){cwhere} RETURN count(n) AS c", **count_params
        )
        return int(found[0]["c"]) if found else 0

    scope = Scope(spec, tuple(count_conditions), count_params, when)
    return cls(edges=edges, page_info=page_info, count=count, scope=scope)


@dataclass(frozen=True)
class Scope:
    """The nodes a connection's filter selects: `MATCH (n:<type>) WHERE <conditions>`."""

    spec: TypeSpec
    conditions: tuple[str, ...]
    params: dict[str, Any]
    #: The parameter holding the connection's `asOf` ("$p0"), or None (now).
    as_of: str | None = None

    @property
    def match(self) -> str:
        where = f" WHERE {' AND '.join(self.conditions)}" if self.conditions else ""
        return f"MATCH (n:`{self.spec.node_type.name}`){where}"
