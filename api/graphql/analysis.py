"""Root fields over `queries/`: vendor chains, coverage, trends, licences, network, search.

Each resolver calls its function in `queries/` in a worker thread (the store's
driver blocks) and hands the result through `api.access` for the caller's role
before it leaves: a redacted person's id becomes `public_id`, its label
`label_for`, its properties `redact_properties`. A public caller can neither find
a redacted person by name (search drops the hit) nor by real id (refused like an
unknown id); an anonymous id (`anon_...`) handed out earlier is accepted as input.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import time
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.access import Role, is_redacted, label_for, public_id, redact_properties
from graph.store import Store, StoreError
from queries import coverage, hosts, licences, network, search, trends, vendor_chains
from queries.network import Graph, GraphEdge, GraphNode

from .connections import PageInfo
from .context import Context
from .errors import PublicError, Unavailable

if TYPE_CHECKING:  # the generated types are classes at run time, `Any` for mypy
    HostCollaboration: TypeAlias = Any
    IncidentTrend: TypeAlias = Any
    LicenceDestination: TypeAlias = Any
    NetworkGraph: TypeAlias = Any
    NetworkPath: TypeAlias = Any
    PeriodComparison: TypeAlias = Any
    SanctionsCoverage: TypeAlias = Any
    SearchHit: TypeAlias = Any
    StatedFigure: TypeAlias = Any
    VendorChain: TypeAlias = Any
else:
    from .results import (
        HostCollaboration,
        IncidentTrend,
        LicenceDestination,
        NetworkGraph,
        NetworkPath,
        PeriodComparison,
        SanctionsCoverage,
        SearchHit,
        StatedFigure,
        VendorChain,
    )

T = TypeVar("T")
MAX_CHAINS = 1000
MAX_HOSTS = 500
MAX_HITS = 100
PERSON = "Person"
#: The search index is rebuilt when the node count changed, or after this many seconds.
SEARCH_INDEX_TTL = 60.0


# -- inputs -------------------------------------------------------------------------------
@strawberry.enum(description="How sanctions coverage groups incidents.")
class CoverageGrouping(enum.Enum):
    TACTIC = "tactic"
    ORIGIN = "origin"
    HOST = "host"
    PERPETRATOR = "perpetrator"


@strawberry.enum(description="Which incidents an analytical answer counts: transnational "
                 "(the target was outside the origin state; the default), domestic, unknown "
                 "(the source gives no place or no origin), or all. The answer counts the "
                 "other scopes apart, in `leftOut`.")  # fmt: skip
class IncidentScope(enum.Enum):
    TRANSNATIONAL = "transnational"
    DOMESTIC = "domestic"
    UNKNOWN = "unknown"
    ALL = "all"


@strawberry.input(description="Years start..end, both included.")
class YearRange:
    start: int
    end: int


@strawberry.type(description="A vendor chain and its place in the list.")
class VendorChainEdge:
    cursor: str
    node: VendorChain


@strawberry.type(description="A page of vendor chains, with the count of all that match.")
class VendorChainConnection:
    total_count: int
    page_info: PageInfo
    edges: list[VendorChainEdge]
    nodes: list[VendorChain]


def _chain_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"chain:{offset}".encode()).decode().rstrip("=")


def _chain_offset(cursor: str | None) -> int:
    """The offset after `cursor` (0 without one); PublicError for a cursor that is not ours."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        kind, _, number = text.partition(":")
        if kind != "chain" or not number.isdigit():
            raise ValueError(text)
    except (ValueError, UnicodeDecodeError):
        raise PublicError(f"invalid cursor {cursor[:60]!r}") from None
    return int(number) + 1


# -- running queries/ ---------------------------------------------------------------------
async def run(info: Info[Context, None], fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(store, *args, **kwargs)` in a worker thread; its ValueError/LookupError are the
    client's mistakes and go out as written."""
    store = info.context.store
    if store is None:
        raise Unavailable()
    try:
        return await run_in_threadpool(fn, store, *args, **kwargs)
    except StoreError as exc:
        raise Unavailable() from exc
    except KeyError:
        raise
    except (ValueError, LookupError) as exc:
        raise PublicError(str(exc)) from None


# -- what the role may see ----------------------------------------------------------------
class ResultView:
    """Maps the person ids and labels of a result to what `role` may see.

    `prepare` loads the properties of every Person id the result mentions (one
    batched read through the request's DataLoader); `apply` returns the result with
    each such id replaced by its `public_id` and each person's label by `label_for`.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.role: Role = ctx.role
        self.props: dict[str, dict[str, Any]] = {}

    def is_person(self, value: str) -> bool:
        try:
            return self.ctx.schema.type_of_id(value) == PERSON
        except KeyError:
            return False

    def _collect(self, obj: Any, out: set[str]) -> None:
        if isinstance(obj, str):
            if self.is_person(obj):
                out.add(obj)
        elif isinstance(obj, tuple | list):
            for item in obj:
                self._collect(item, out)
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            for f in dataclasses.fields(obj):
                self._collect(getattr(obj, f.name), out)

    async def prepare(self, result: Any) -> ResultView:
        ids: set[str] = set()
        self._collect(result, ids)
        await self.load(ids)
        return self

    async def load(self, ids: Iterable[str]) -> None:
        wanted = sorted(i for i in set(ids) - set(self.props) if self.is_person(i))
        if wanted:
            found = await self.ctx.loaders.nodes.load_many(wanted)
            for node_id, props in zip(wanted, found, strict=True):
                self.props[node_id] = props or {}

    def redacted(self, node_id: str) -> bool:
        return self.is_person(node_id) and is_redacted(
            PERSON, self.props.get(node_id, {}), self.role
        )

    def id(self, node_id: str) -> str:
        if not self.is_person(node_id):
            return node_id
        return public_id(node_id, PERSON, self.props.get(node_id, {}), self.role)

    def apply(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.id(obj)
        if isinstance(obj, tuple):
            return tuple(self.apply(x) for x in obj)
        if isinstance(obj, list):
            return [self.apply(x) for x in obj]
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes: dict[str, Any] = {}
            for f in dataclasses.fields(obj):
                value = getattr(obj, f.name)
                if isinstance(value, dict):
                    continue  # amounts by currency and the like: no ids
                new = self.apply(value)
                if new is not value and new != value:
                    changes[f.name] = new
            own = getattr(obj, "id", None) or getattr(obj, "key", None)
            if hasattr(obj, "label") and isinstance(own, str) and self.is_person(own):
                changes["label"] = label_for(PERSON, self.props.get(own, {}), self.role)
            return dataclasses.replace(obj, **changes) if changes else obj
        return obj


def redact_graph(graph: Graph, role: Role) -> Graph:
    """The graph as `role` may see it: redacted people get anonymous ids, labels and
    properties; a relation touching one keeps no citation and gets an anonymous id."""
    by_id = {n.id: n for n in graph.nodes}

    def visible_id(node_id: str) -> str:
        n = by_id.get(node_id)
        return node_id if n is None else public_id(node_id, n.type, n.properties, role)

    nodes = []
    for n in graph.nodes:
        props = redact_properties(n.type, n.properties, role)
        props["id"] = visible_id(n.id)
        nodes.append(GraphNode(props["id"], n.type, label_for(n.type, n.properties, role), props))
    edges = []
    for e in graph.edges:
        hidden = [by_id[x] for x in (e.source, e.target)
                  if x in by_id and is_redacted(by_id[x].type, by_id[x].properties, role)]  # fmt: skip
        props = dict(e.properties)
        edge_id = e.id
        if hidden:
            edge_id = public_id(e.id, hidden[0].type, hidden[0].properties, role)
            props = {k: v for k, v in props.items() if k != "citations"}
            props["source_ids"] = []
            props["id"] = edge_id
        edges.append(GraphEdge(edge_id, e.type, visible_id(e.source), visible_id(e.target), props))
    return Graph(tuple(nodes), tuple(edges), graph.truncated)


def _anonymous_targets(store: Store) -> dict[str, str]:
    """Anonymous id -> real id of every person a public caller sees redacted."""
    rows = store.read(
        "MATCH (n:Person) WHERE n.is_target = true OR n.protected = true "
        "RETURN n.id AS id, n.is_target AS is_target, n.protected AS protected"
    )
    return {public_id(r["id"], PERSON, r, Role.PUBLIC): r["id"] for r in rows}


async def resolve_id(info: Info[Context, None], given: str) -> str:
    """The real id behind an id given by the caller; a redacted person's real id is refused
    (for roles that may not see it) exactly like an unknown id."""
    ctx = info.context
    if given.startswith("anon_"):
        cache: dict[str, str] | None = ctx.extra.get("anonymous_targets")
        if cache is None:
            cache = ctx.extra["anonymous_targets"] = await run(info, _anonymous_targets)
        if given not in cache:
            raise PublicError(f"no node with id {given!r}")
        return cache[given]
    view = ResultView(ctx)
    await view.load([given])
    if view.redacted(given):
        raise PublicError(f"no node with id {given!r}")
    return given


# -- the search index ---------------------------------------------------------------------
_INDEX_STATE: weakref.WeakKeyDictionary[Store, tuple[int, float]] = weakref.WeakKeyDictionary()


def _search(store: Store, text: str, types: list[str] | None, limit: int) -> list[search.SearchHit]:
    """Search with an index refreshed when the graph changed size or grew old."""
    count, when = _INDEX_STATE.get(store, (-1, 0.0))
    now_count = store.node_count()
    refresh = now_count != count or time.monotonic() - when > SEARCH_INDEX_TTL
    hits = search.search(store, text, types=types, limit=limit, refresh=refresh)
    if refresh:
        _INDEX_STATE[store] = (now_count, time.monotonic())
    return hits


def _check_types(info: Info[Context, None], types: list[str] | None) -> None:
    unknown = [t for t in types or () if t not in info.context.schema.nodes]
    if unknown:
        raise PublicError(f"unknown node types {unknown}")


# -- the root fields ----------------------------------------------------------------------
@strawberry.type
class AnalysisQuery:
    """Root fields over the questions of `queries/` (one resolver each)."""

    @strawberry.field(description="Vendor -> product -> customer -> incidents chains, for a vendor "
                      "and/or a product (id, name or alias), a customer state (id, ISO code or "
                      "name: the state or its agencies) or agency, or for all vendors; paged, "
                      "with the total count. Chains with link `use-operator-unknown` reach the "
                      "incidents that used a product with no origin state (no customer); each "
                      "incident says how it relates to its chain (`relation`).")  # type: ignore[untyped-decorator]  # fmt: skip
    async def vendor_chains(
        self, info: Info[Context, None], vendor: str | None = None, product: str | None = None,
        state: str | None = None, agency: str | None = None, first: int = 100,
        after: str | None = None,
    ) -> VendorChainConnection:  # fmt: skip
        if not 0 <= first <= MAX_CHAINS:
            raise PublicError(f"first must be between 0 and {MAX_CHAINS}")
        start = _chain_offset(after)
        chains = await run(info, vendor_chains.vendor_chains, vendor=vendor, product=product,
                           state=state, agency=agency)  # fmt: skip
        page = chains[start : start + first]
        view = await ResultView(info.context).prepare(page)
        edges = [VendorChainEdge(cursor=_chain_cursor(start + k), node=view.apply(c))
                 for k, c in enumerate(page)]  # fmt: skip
        return VendorChainConnection(
            total_count=len(chains), edges=edges, nodes=[e.node for e in edges],
            page_info=PageInfo(has_next_page=start + len(page) < len(chains),
                               has_previous_page=start > 0,
                               start_cursor=edges[0].cursor if edges else None,
                               end_cursor=edges[-1].cursor if edges else None),
        )  # fmt: skip

    @strawberry.field(description="Incidents, perpetrators and designated perpetrators per group, "
                      "with the gaps (groups with no designated perpetrator).")  # type: ignore[untyped-decorator]  # fmt: skip
    async def sanctions_coverage(
        self, info: Info[Context, None], by: CoverageGrouping = CoverageGrouping.ORIGIN,
        scope: IncidentScope = IncidentScope.TRANSNATIONAL,
    ) -> SanctionsCoverage:  # fmt: skip
        result = await run(info, coverage.sanctions_coverage, by.value, scope.value)
        view = await ResultView(info.context).prepare(result)
        return view.apply(result)

    @strawberry.field(description="Host states whose authorities acted for an origin state "
                      "(origin and host: ISO code or State id).")  # type: ignore[untyped-decorator]  # fmt: skip
    async def host_collaboration(
        self, info: Info[Context, None], origin: str | None = None, host: str | None = None,
        first: int = 100, scope: IncidentScope = IncidentScope.TRANSNATIONAL,
    ) -> list[HostCollaboration]:  # fmt: skip
        if not 0 <= first <= MAX_HOSTS:
            raise PublicError(f"first must be between 0 and {MAX_HOSTS}")
        result = await run(info, hosts.host_collaboration, origin=origin, host=host, limit=first,
                           scope=scope.value)  # fmt: skip
        view = await ResultView(info.context).prepare(result)
        return [view.apply(h) for h in result]

    @strawberry.field(description="Documented incidents per year, beside the figures the "
                      "sources state.")  # type: ignore[untyped-decorator]  # fmt: skip
    async def incidents_per_year(
        self, info: Info[Context, None], origin: str | None = None, host: str | None = None,
        tactic: str | None = None, start: int | None = None, end: int | None = None,
        scope: IncidentScope = IncidentScope.TRANSNATIONAL,
    ) -> IncidentTrend:  # fmt: skip
        return await run(info, trends.incidents_per_year, origin=origin, host=host,
                         tactic=tactic, start=start, end=end, scope=scope.value)  # fmt: skip

    @strawberry.field(description="Two periods side by side: counts, yearly averages, ratios.")  # type: ignore[untyped-decorator]
    async def compare_periods(
        self, info: Info[Context, None], first: YearRange, second: YearRange,
        origin: str | None = None, host: str | None = None, tactic: str | None = None,
        scope: IncidentScope = IncidentScope.TRANSNATIONAL,
    ) -> PeriodComparison:  # fmt: skip
        return await run(info, trends.compare_periods, (first.start, first.end),
                         (second.start, second.end), origin=origin, host=host,
                         tactic=tactic, scope=scope.value)  # fmt: skip

    @strawberry.field(description="Aggregates as the sources state them (Statistic nodes) about "
                      "an origin, host and/or tactic.")  # type: ignore[untyped-decorator]  # fmt: skip
    async def stated_figures(
        self, info: Info[Context, None], origin: str | None = None, host: str | None = None,
        tactic: str | None = None,
    ) -> list[StatedFigure]:  # fmt: skip
        return await run(info, trends.stated_figures, trends.Filters(origin, host, tactic))

    @strawberry.field(description="Export licences to origin states of TNR and operators of "
                      "spyware, grouped by destination.")  # type: ignore[untyped-decorator]  # fmt: skip
    async def licences_to_repressors(
        self, info: Info[Context, None], exporter: str | None = None,
        control_prefix: str | None = None, year_from: int | None = None,
        year_to: int | None = None, decision: str | None = None, min_value: float | None = None,
    ) -> list[LicenceDestination]:  # fmt: skip
        result = await run(info, licences.licences_to_tnr_states, exporter=exporter,
                           control_prefix=control_prefix, year_from=year_from, year_to=year_to,
                           decision=decision, min_value=min_value)  # fmt: skip
        view = await ResultView(info.context).prepare(result)
        return [view.apply(g) for g in result]

    @strawberry.field(description="The nodes within `depth` (1..3) relations of a node, "
                      "optionally only of some types and dated within start..end.")  # type: ignore[untyped-decorator]  # fmt: skip
    async def neighbourhood(
        self, info: Info[Context, None], id: strawberry.ID, depth: int = 1,
        types: list[str] | None = None, start: int | None = None, end: int | None = None,
        limit: int = network.DEFAULT_LIMIT,
    ) -> NetworkGraph:  # fmt: skip
        _check_types(info, types)
        real = await resolve_id(info, str(id))
        graph = await run(info, network.neighbourhood, real, depth=depth, types=types,
                          start=start, end=end, limit=limit)  # fmt: skip
        return redact_graph(graph, info.context.role)

    @strawberry.field(description="The shortest chain of relations (either direction) between "
                      "two nodes.")  # type: ignore[untyped-decorator]  # fmt: skip
    async def shortest_path(
        self, info: Info[Context, None],
        source: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID, max_length: int = network.MAX_PATH,
    ) -> NetworkPath:  # fmt: skip
        a = await resolve_id(info, str(source))
        b = await resolve_id(info, str(to))
        path = await run(info, network.shortest_path, a, b, max_length)
        return dataclasses.replace(path, graph=redact_graph(path.graph, info.context.role))

    @strawberry.field(description="These nodes and every relation among them.")  # type: ignore[untyped-decorator]
    async def subgraph(self, info: Info[Context, None], ids: list[strawberry.ID]) -> NetworkGraph:
        if len(ids) > network.MAX_LIMIT:
            raise PublicError(f"at most {network.MAX_LIMIT} ids")
        real: list[str] = []
        for given in ids:
            try:
                real.append(await resolve_id(info, str(given)))
            except PublicError:
                continue  # unknown ids are left out, as subgraph() does
        graph = await run(info, network.subgraph, real)
        return redact_graph(graph, info.context.role)

    @strawberry.field(description="Fuzzy, cross-script search over names and aliases (best first).")  # type: ignore[untyped-decorator]
    async def search(
        self, info: Info[Context, None], text: str, types: list[str] | None = None,
        first: int = 20,
    ) -> list[SearchHit]:  # fmt: skip
        if not 0 <= first <= MAX_HITS:
            raise PublicError(f"first must be between 0 and {MAX_HITS}")
        _check_types(info, types)
        view = ResultView(info.context)
        want = max(first, 1)
        asked = want
        while True:
            hits = await run(info, _search, text, types, asked)
            await view.load(h.id for h in hits if h.type == PERSON)
            # A hidden person is not found at all: neither its label nor the matched alias.
            kept = [h for h in hits if not view.redacted(h.id)]
            if len(kept) >= want or len(hits) < asked or asked >= MAX_HITS * 10:
                return kept[:first]
            asked *= 4
