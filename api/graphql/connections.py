"""Relay connections over one node type: filters, ordering and keyset cursors in Cypher.

A page is ordered by the chosen field, nulls last, then by id, so a cursor
(field, value, id) names one place in a total order and pages stay stable when
nodes are added elsewhere. Property names come only from the schema; every
value is a Cypher parameter.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hmac
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry

from graph.anonymity import anon_id, sign
from graph.hidden import IDENTIFYING_RELATIONS
from graph.schema import NodeType
from graph.visibility import View
from queries.common import all_recorded, recorded

from .context import Context
from .errors import PublicError
from .permissions import Forbidden
from .query_limits import DEFAULT_PAGE

T = TypeVar("T")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_PARAM = re.compile(r"\$(p\d+)\b")


# -- GraphQL types shared by every connection ---------------------------------------------
@strawberry.enum(description="Sort direction; nulls come last either way.")
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input(description="Conditions on a string property (all given must hold).")
class StringFilter:
    eq: str | None = None
    in_: list[str] | None = strawberry.field(name="in", default=None)
    contains: str | None = strawberry.field(default=None, description="case-insensitive")


@strawberry.input(description="Conditions on a list of strings: some element matches.")
class StringListFilter:
    eq: str | None = strawberry.field(default=None, description="an element equals (any case)")
    contains: str | None = strawberry.field(default=None, description="an element contains")


@strawberry.input(description="A range on an integer property (bounds inclusive for gte/lte).")
class IntFilter:
    eq: int | None = None
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


@strawberry.input(description="A range on a float property.")
class FloatFilter:
    eq: float | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


@strawberry.input(
    description="A range on an ISO date (YYYY, YYYY-MM or YYYY-MM-DD), compared as text: "
    "a partial date sorts before the full dates that begin with it."
)
class DateFilter:
    eq: str | None = None
    gt: str | None = None
    gte: str | None = None
    lt: str | None = None
    lte: str | None = None


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


# -- what a type's filter and order inputs mean -------------------------------------------
_OPS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class FilterField:
    attr: str  # Python attribute of the filter input
    kind: str  # string | list | int | float | date | bool | year | related | ids | has
    prop: str  # the stored property ('' for related/ids/has)
    relation: str = ""  # for `has`: the relation type
    direction: str = ""  # for `has`: "out" (n is its source) or "in" (n is its target)


@dataclass(frozen=True)
class TypeSpec:
    """How one node type is filtered and ordered."""

    node_type: NodeType
    filters: tuple[FilterField, ...]
    orderable: frozenset[str]

    @property
    def year_expression(self) -> str:
        props = self.node_type.properties
        parts = []
        if "year" in props:
            parts.append("n.`year`")
        for name in ("date", "decision_date", "listing_date"):
            if name in props:
                parts.append(f"toInteger(substring(n.`{name}`, 0, 4))")
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


class Params:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"

    def used_in(self, query: str) -> dict[str, Any]:
        """The parameters `query` names (a large unused map costs its transfer)."""
        return {name: self.values[name] for name in set(_PARAM.findall(query))}


def _check_date(value: str) -> str:
    if not _DATE.match(value):
        raise PublicError("a date filter takes YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def where_clauses(
    spec: TypeSpec,
    flt: Any,
    params: Params,
    schema: Any,
    view: View | None = None,
    as_of: str | None = None,
) -> list[str]:
    """Cypher conditions on `n` for a filter input (None: no condition).

    `as_of` (the parameter, e.g. "$p0", holding a record time at full precision: see
    queries.common.check_as_of): `n`, and the relations and nodes a filter tests, were
    recorded by then.

    For `public` (the default view) no filter can find what it may not see: ids of hidden
    nodes match nothing, and a filter on a property the public does not see as stored
    never matches a node whose value is withheld or scrubbed (graph/visibility.py).
    """
    view = view or View(schema=schema)
    out: list[str] = []
    if as_of is not None:
        out.append(recorded("n", as_of))
    if flt is None:
        return out
    for f in spec.filters:
        value = getattr(flt, f.attr, None)
        if value is None:
            continue
        col = f"n.`{f.prop}`" if f.prop else ""
        if f.prop and not view.field_is_public(spec.node_type, f.prop):
            masked = view.masked_ids(spec.node_type)
            if masked:
                out.append(f"{params.add(dict.fromkeys(masked, True))}[n.id] IS NULL")
        if f.kind == "ids":
            wanted = [view.real_id(str(v)) for v in value]
            out.append(f"n.id IN {params.add([v for v in wanted if v])}")
        elif f.kind == "related":
            other = view.real_id(str(value))
            if other is None:  # unknown, hidden or not for this role: as if there were none
                out.append("false")
                continue
            other_type = schema.type_of_id(other)
            when = f" WHERE {all_recorded('e', 'm', param=as_of)}" if as_of is not None else ""
            out.append(
                f"EXISTS {{ MATCH (n)-[e]-(m:`{other_type}` {{id: {params.add(other)}}}){when} }}"
            )
        elif f.kind == "bool":
            out.append(f"{col} = {params.add(bool(value))}")
        elif f.kind == "has":
            out.append(has_relation(f.relation, f.direction, bool(value), params, view, as_of))
        elif f.kind == "string":
            if value.eq is not None:
                out.append(f"{col} = {params.add(value.eq)}")
            if value.in_ is not None:
                out.append(f"{col} IN {params.add(list(value.in_))}")
            if value.contains is not None:
                out.append(f"toLower({col}) CONTAINS {params.add(value.contains.lower())}")
        elif f.kind == "list":
            if value.eq is not None:
                p = params.add(value.eq.lower())
                out.append(f"any(x IN coalesce({col}, []) WHERE toLower(x) = {p})")
            if value.contains is not None:
                p = params.add(value.contains.lower())
                out.append(f"any(x IN coalesce({col}, []) WHERE toLower(x) CONTAINS {p})")
        else:  # int, float, date, year: ranges
            target = spec.year_expression if f.kind == "year" else col
            for op, sym in _OPS.items():
                bound = getattr(value, op, None)
                if bound is None:
                    continue
                if f.kind == "date":
                    bound = _check_date(bound)
                out.append(f"{target} {sym} {params.add(bound)}")
    return out


def has_relation(
    relation: str,
    direction: str,
    present: bool,
    params: Params,
    view: View,
    as_of: str | None = None,
) -> str:
    """`n` has (or has not) a relation of this type in this direction, as `view` sees it
    (and, given the parameter `as_of` holding a record time, recorded by then).

    For the public, an identifying relation (MEMBER_OF) of a redacted person is not there
    at all (View.relation shows it from neither end), so it neither makes nor breaks a match.
    """
    arrow = f"-[e:`{relation}`]->" if direction == "out" else f"<-[e:`{relation}`]-"
    tests = [all_recorded("e", "m", param=as_of)] if as_of else []
    if view.public and relation in IDENTIFYING_RELATIONS and view.hidden.redacted:
        red = params.add(dict.fromkeys(sorted(view.hidden.redacted), True))
        tests.append(f"{red}[n.id] IS NULL AND {red}[m.id] IS NULL")
    guard = f" WHERE {' AND '.join(tests)}" if tests else ""
    exists = f"EXISTS {{ MATCH (n){arrow}(m){guard} }}"
    return exists if present else f"NOT {exists}"


# -- cursors ------------------------------------------------------------------------------
def encode_cursor(field: str, value: Any, node_id: str, role: int = 0) -> str:
    """An opaque cursor: the place in the order, signed with the server's key."""
    raw = json.dumps([field, value, node_id, role], separators=(",", ":"), ensure_ascii=False)
    body = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    return f"{body}.{sign(raw)}"


INVALID_CURSOR = "invalid cursor; start again without it"


def decode_cursor(cursor: str, field: str, role: int = 0) -> tuple[Any, str]:
    """(value, id) of a cursor this server made for this ordering and role; any other
    string (garbage, tampered, another ordering's) is refused with the same message."""
    try:
        body, _, mac = str(cursor).rpartition(".")
        raw = base64.urlsafe_b64decode((body + "=" * (-len(body) % 4)).encode()).decode()
        if not hmac.compare_digest(sign(raw), mac):
            raise ValueError("bad signature")
        name, value, node_id, made_for = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise PublicError(INVALID_CURSOR) from None
    if name != field or made_for != role or not isinstance(node_id, str):
        raise PublicError(INVALID_CURSOR)
    return value, node_id


Tie = tuple[str, Any]  # (Cypher expression, its value at the cursor)


def _ties(ties: list[tuple[str, str]], op: str) -> str:
    """Lexicographic `op` over (expression, parameter) pairs."""
    expr, p = ties[0]
    if len(ties) == 1:
        return f"{expr} {op} {p}"
    return f"({expr} {op} {p} OR ({expr} = {p} AND {_ties(ties[1:], op)}))"


def _after(col: str | None, value: Any, ties: list[Tie], desc: bool, params: Params) -> str:
    """The nodes that come after (col=value, ties) in the order (col nulls last)."""
    op = "<" if desc else ">"
    t = _ties([(e, params.add(v)) for e, v in ties], op)
    if col is None:
        return t
    if value is None:
        return f"({col} IS NULL AND {t})"
    pv = params.add(value)
    return f"({col} IS NULL OR {col} {op} {pv} OR ({col} = {pv} AND {t}))"


def _before(col: str | None, value: Any, ties: list[Tie], desc: bool, params: Params) -> str:
    """The nodes that come before (col=value, ties) in the order (col nulls last)."""
    op = ">" if desc else "<"
    t = _ties([(e, params.add(v)) for e, v in ties], op)
    if col is None:
        return t
    if value is None:
        return f"({col} IS NOT NULL OR {t})"
    pv = params.add(value)
    return f"({col} IS NOT NULL AND ({col} {op} {pv} OR ({col} = {pv} AND {t})))"


def _order_by(col: str | None, ties: list[str], desc: bool, reverse: bool = False) -> str:
    """ORDER BY for the order (col nulls last, then the ties), or for its exact reverse."""
    d = "DESC" if desc != reverse else "ASC"
    tail = ", ".join(f"{t} {d}" for t in ties)
    if col is None:
        return tail
    nulls = "DESC" if reverse else "ASC"
    return f"CASE WHEN {col} IS NULL THEN 1 ELSE 0 END {nulls}, {col} {d}, {tail}"


async def _page(
    ctx: Context,
    label: str,
    conditions: list[str],
    params: Params,
    keys: list[str],
    keyset: list[str],
    key: str | None,
    tie_exprs: list[str],
    size: int,
    descending: bool,
    backwards: bool,
) -> list[dict[str, Any]]:
    """The rows of one page in one query (size + 1 of them when there are more)."""
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    then = f" WHERE {' AND '.join(keyset)}" if keyset else ""
    limit = params.add(size + 1)
    # Sorted and cut on the keys alone, the properties read only for the rows kept (about
    # twice as fast on both engines as projecting every row first); the RETURN sorts its
    # few rows again, since a projection is not bound to keep the order of the WITH.
    order = _order_by(key, tie_exprs, descending, backwards)
    kept = ", ".join(["n"] + [k for k in ("k", "rk") if k == key or k in tie_exprs])
    query = (
        f"MATCH (n:`{label}`){where} WITH {', '.join(keys)}{then} "
        f"WITH {kept} ORDER BY {order} LIMIT {limit} "
        f"RETURN properties(n) AS p, {key or 'null'} AS k ORDER BY {order}"
    )
    return await ctx.loaders.read(query, **params.values) if size else []


def _within(rank: int, bounds: list[tuple[str, Any]], asc: bool) -> bool:
    """Whether an anonymous rank lies after/before (">"/"<") each bound in the order."""
    for op, (value, _) in bounds:
        if rank == int(value):
            return False
        ahead = rank > int(value) if asc else rank < int(value)
        if ahead != (op == ">"):
            return False
    return True


@dataclass(frozen=True)
class Segment:
    """One run of a public page's order: rows meeting `where`, by (`col`, id); or, with
    `where` None, the anonymous rows by rank."""

    where: str | None = None
    col: str | None = None


async def _segmented_page(
    ctx: Context,
    label: str,
    conditions: list[str],
    params: Params,
    segments: list[Segment],
    ranks: dict[str, int],
    places: dict[str, tuple[int, Any, str]],
    size: int,
    descending: bool,
    backwards: bool,
) -> list[dict[str, Any]]:
    """A public page in runs, each read by a query as cheap as the analyst's.

    The public's order (graph/visibility.py) puts the rows it sees as stored first and the
    anonymous ones, by rank, where nulls go; one query computing that order for every row
    costs up to twice the analyst's. Here each run is the analyst's query with one more
    condition, cut at the rows still needed, and a run is read only when a page reaches
    it. `places` gives, per cursor (after/before), its run, its value and its real id.
    Rows come back in page order (size + 1 of them when there are more).
    """
    if not size:
        return []
    asc = not descending
    scan_asc = asc != backwards
    d = "ASC" if scan_asc else "DESC"
    order = range(len(segments)) if not backwards else range(len(segments) - 1, -1, -1)
    need = size + 1
    out: list[dict[str, Any]] = []
    for position in order:
        segment = segments[position]
        bounds: list[tuple[str, Any]] = []  # (">" after / "<" before, (value, id))
        excluded = False
        for which, (at, value, real) in places.items():
            if at == position:
                bounds.append((">" if which == "after" else "<", (value, real)))
            elif (which == "after") == (at > position):
                excluded = True  # the whole run lies before `after` or after `before`
        if excluded:
            continue
        if segment.where is None:
            anon_bounds = [(op, (ranks[real], real)) for op, (_, real) in bounds]
            ordered = sorted(
                (r for r, rank in ranks.items() if _within(rank, anon_bounds, asc)),
                key=ranks.__getitem__,
                reverse=not scan_asc,
            )
            # In rank order, a chunk at a time (doubling while a filter drops rows), so a
            # page reads the properties of the rows it keeps, not of every anonymous one.
            start, chunk = 0, need - len(out)
            while start < len(ordered) and len(out) < need:
                ids = ordered[start : start + chunk]
                start, chunk = start + len(ids), chunk * 2
                conds = [*conditions, f"n.id IN {params.add(ids)}"]
                query = (
                    f"MATCH (n:`{label}`) WHERE {' AND '.join(conds)} "
                    "RETURN properties(n) AS p, null AS k"
                )
                found = await ctx.loaders.read(query, **params.used_in(query))
                found.sort(key=lambda row: ranks[row["p"]["id"]], reverse=not scan_asc)
                out.extend(found[: need - len(out)])
        else:
            conds = [*conditions, segment.where]
            ties = ([segment.col] if segment.col else []) + ["n.id"]
            for op, (value, real) in bounds:
                sym = op if asc else {">": "<", "<": ">"}[op]
                values = ([value] if segment.col else []) + [real]
                conds.append(
                    _ties([(e, params.add(v)) for e, v in zip(ties, values, strict=True)], sym)
                )
            by = ", ".join(f"{t} {d}" for t in ties)
            k = segment.col or "null"
            query = (
                f"MATCH (n:`{label}`) WHERE {' AND '.join(conds)} WITH n ORDER BY {by} "
                f"LIMIT {params.add(need - len(out))} RETURN properties(n) AS p, {k} AS k "
                f"ORDER BY {by}"
            )
            out.extend(await ctx.loaders.read(query, **params.used_in(query)))
        if len(out) >= need:
            break
    return out[:need]


def _segments(
    order_field: str,
    col: str,
    masked: list[str],
    anonymous: list[str],
    params: Params,
    descending: bool,
) -> list[Segment]:
    """The runs of the public's order, when a page can be read run by run (else [])."""
    if not anonymous:
        return []
    anon = f"{params.add(dict.fromkeys(anonymous, True))}[n.id] IS NULL"
    if order_field == "id":  # the rows shown as stored by id, then the anonymous ones
        return [Segment(anon), Segment()]
    if not masked or not set(anonymous) <= set(masked):
        return []  # anonymous rows keep their value here: one query orders them
    m = params.add(dict.fromkeys(masked, True))
    valued = Segment(f"{m}[n.id] IS NULL AND {col} IS NOT NULL", col)
    nulls = Segment(f"{anon} AND ({col} IS NULL OR coalesce({m}[n.id], false))")
    # nulls last; among them the ties (rank, then id) go the way of the order
    return [valued, Segment(), nulls] if descending else [valued, nulls, Segment()]


def _run_of(runs: list[Segment], real: str, value: Any, ranks: dict[str, int]) -> int:
    """The run a cursor's row belongs to: anonymous, with a value, or without."""
    for i, segment in enumerate(runs):
        if segment.where is None:
            if real in ranks:
                return i
        elif real not in ranks and (segment.col is not None) == (value is not None):
            return i  # ordered by id, the one run of stored rows has no value either
    raise PublicError(INVALID_CURSOR)


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
    for cursor, place in ((after, _after), (before, _before)):
        if cursor is not None:
            value, shown = decode_cursor(cursor, order_field, role)
            node_id = view.real_id(shown) if shown.startswith("anon_") else shown
            if node_id is None or (node_id in ranks) != shown.startswith("anon_"):
                raise PublicError(INVALID_CURSOR)
            places["after" if place is _after else "before"] = (value, node_id)
            tie_values = ([ranks.get(node_id, -1)] if ranks else []) + [node_id]
            ties = list(zip(tie_exprs, tie_values, strict=True))
            keyset.append(place(key, value, ties, descending, params))
    segments = _segments(order_field, f"n.`{order_field}`", masked, anonymous, params, descending)
    if segments:
        runs = {
            which: (_run_of(segments, real, value, ranks), value, real)
            for which, (value, real) in places.items()
        }
        rows = await _segmented_page(
            ctx, label, conditions, params, segments, ranks, runs, size, descending, backwards
        )
    else:
        rows = await _page(
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
