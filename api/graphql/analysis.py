"""Root fields over `queries/`: vendor chains, coverage, trends, licences, network, search.

Each resolver calls its function in `queries/` in a worker thread (the store's
driver blocks) and hands the result through graph/visibility.py for the caller's role
before it leaves: a redacted person's id becomes `public_id`, its label
`label_for`, its properties `redact_properties`. A public caller can neither find
a redacted person by name (search drops the hit) nor by real id (refused like an
unknown id); an anonymous id (`anon_...`) handed out earlier is accepted as input.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from graph.store import QueryTimeout, Store, StoreError
from graph.visibility import View
from queries import changes as change_feed
from queries import coverage, designations, hosts, licences, network, search, trends, vendor_chains
from queries.common import check_as_of
from queries.network import Graph

from .connections import PageInfo
from .context import Context
from .cursors import INVALID_CURSOR, decode_cursor, encode_cursor
from .errors import PublicError, TimedOut, Unavailable

if TYPE_CHECKING:  # the generated types are classes at run time, `Any` for mypy
    ChangeFeed: TypeAlias = Any
    DesignationsByOrigin: TypeAlias = Any
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
        ChangeFeed,
        DesignationsByOrigin,
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
#: The search index is rebuilt when the node count changed (before the search), and in the
#: background after this many seconds (an edit that renames without adding or removing a
#: node). A rebuild of the full shared data takes about 10 s of one core in the server
#: process, so not more often.
SEARCH_INDEX_TTL = 600.0


# -- inputs -------------------------------------------------------------------------------
@strawberry.enum(name="ChangeKindFilter", description="Which changes the feed lists.")
class ChangeKindInput(enum.Enum):
    ADDED = "added"
    CONFIRMED = "confirmed"
    LOST = "lost"


@strawberry.enum(description="How sanctions coverage groups incidents.")
class CoverageGrouping(enum.Enum):
    TACTIC = "tactic"
    ORIGIN = "origin"
    HOST = "host"
    PERPETRATOR = "perpetrator"


@strawberry.enum(
    description="Which incidents an analytical answer counts: transnational "
    "(the target was outside the origin state; the default), domestic, unknown "
    "(the source gives no place or no origin), or all. The answer counts the "
    "other scopes apart, in `leftOut`."
)
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


def _chain_cursor(offset: int, role: int) -> str:
    return encode_cursor("vendorChains", offset, "", role)


def _chain_offset(cursor: str | None, role: int) -> int:
    """The offset after `cursor` (0 without one); a cursor not made here is refused."""
    if cursor is None:
        return 0
    value, _ = decode_cursor(cursor, "vendorChains", role)
    if not isinstance(value, int) or value < 0:
        raise PublicError(INVALID_CURSOR)
    return value + 1


# -- running queries/ ---------------------------------------------------------------------
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]")


def unechoed(message: str) -> str:
    """A message from `queries/` without what it quotes of the client's input: an error
    never repeats a name or id, so it reads the same whether or not the graph holds it."""
    return _QUOTED.sub("…", message)


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
    except QueryTimeout:
        raise TimedOut() from None
    except KeyError:
        raise
    except (ValueError, LookupError) as exc:
        raise PublicError(unechoed(str(exc))) from None


# -- the graph as of a record time --------------------------------------------------------
AS_OF_HELP = (
    "A record time (UTC ISO 8601: a date such as 2026-12-01, meaning 00:00 UTC that "
    "day, or a time such as 2026-12-01T09:30:00Z): the answer as the graph stood "
    "then, from the nodes and relations recorded by then. None: now."
)
AsOf = Annotated[str | None, strawberry.argument(description=AS_OF_HELP)]


def as_of_argument(value: str | None) -> str | None:
    """The `asOf` argument at full precision, or a PublicError naming it."""
    try:
        return check_as_of(value, "asOf")
    except ValueError as exc:
        raise PublicError(str(exc)) from None


# -- what the role may see ----------------------------------------------------------------
class ResultView:
    """A result of `queries/` as the caller's role sees it (`View.apply`)."""

    def __init__(self, ctx: Context) -> None:
        self.view = ctx.view

    async def prepare(self, result: Any) -> ResultView:
        return self  # everything it needs is in the view (read once per request)

    def apply(self, obj: Any) -> Any:
        return self.view.apply(obj)


def _withheld(d: Any, party_id: str) -> Any:
    """A listing of a party the role may not see: its place and counts, nothing that names
    the party (the listing's reference and id point into the published list, its name, year
    and citations too); the party is the anonymous ref `View.apply` made."""
    return dataclasses.replace(
        d,
        listing_id=party_id.replace("anon_", "anon_listing_", 1),
        reference=None,
        year=None,
        sources=(),
        party_name=None,
    )


def withhold_hidden_parties(result: T, view: View) -> T:
    """`result` (already through `view.apply`) with the listings of hidden parties withheld
    (`_withheld`) and put last, so that no order among published names places them."""
    if not view.public:
        return result

    def party(d: Any) -> str:
        return str(d.party.id if isinstance(d, designations.OriginDesignation) else d.designated_id)

    def hidden(d: Any) -> bool:
        return party(d).startswith("anon_")

    def fix(rows: tuple[Any, ...]) -> tuple[Any, ...]:
        kept = tuple(d for d in rows if not hidden(d))
        return kept + tuple(
            sorted((_withheld(d, party(d)) for d in rows if hidden(d)), key=lambda d: d.listing_id)
        )

    if isinstance(result, designations.DesignationsByOrigin):
        states = tuple(
            dataclasses.replace(s, designations=fix(s.designations)) for s in result.states
        )
        return dataclasses.replace(result, states=states)  # type: ignore[return-value]
    if isinstance(result, coverage.Coverage):
        groups = tuple(
            dataclasses.replace(g, designations=fix(g.designations)) for g in result.groups
        )
        return dataclasses.replace(result, groups=groups)  # type: ignore[return-value]
    return result


def redact_graph(graph: Graph, view: View) -> Graph:
    """The graph as `view` shows it (`Graph.seen_by`, graph/visibility.py)."""
    return graph.seen_by(view)


#: The id asked for in place of one the caller may not name: well formed, in no graph.
NOWHERE = "_" + "0" * 20


async def resolve_id(info: Info[Context, None], given: str) -> str:
    """The id to ask `queries/` for. A hidden node's real id, an anonymous id handed out
    for nothing, and a node the role may not read become an id that is in no graph, so the
    question runs exactly as it does for an id that does not exist (same answer, same
    error): nothing tells the two apart."""
    given = str(given)
    real = info.context.view.real_id(given)
    if real is not None:
        return real
    try:
        prefix = info.context.schema.node(info.context.schema.type_of_id(given)).id_prefix
    except KeyError:
        return given  # not an id at all: refused as any such string is
    return prefix + NOWHERE


# -- the search index ---------------------------------------------------------------------
def _search(store: Store, text: str, types: list[str] | None, limit: int) -> list[search.SearchHit]:
    """Search with an index that follows the graph: rebuilt before the search when the graph
    changed size (an edit shows at once), in the background when it grew old (built warm
    at start, queries/search.py `warm`, so no search waits for a first build)."""
    return search.current(store, SEARCH_INDEX_TTL).search(text, types=types, limit=limit)


def _check_types(info: Info[Context, None], types: list[str] | None) -> None:
    view = info.context.view
    if any(not view.may_see_type(t) or info.context.schema.nodes[t].internal for t in types or ()):
        raise PublicError("types: not node types that can be searched or shown here")


# -- the root fields ----------------------------------------------------------------------
@strawberry.type
class AnalysisQuery:
    """Root fields over the questions of `queries/` (one resolver each)."""

    @strawberry.field(
        description="Vendor -> product -> customer -> incidents chains, for a vendor "
        "and/or a product (id, name or alias), a customer state (id, ISO code or "
        "name: the state or its agencies) or agency, or for all vendors; paged, "
        "with the total count. Chains with link `use-operator-unknown` reach the "
        "incidents that used a product with no origin state (no customer); each "
        "incident says how it relates to its chain (`relation`)."
    )  # type: ignore[untyped-decorator]
    async def vendor_chains(
        self,
        info: Info[Context, None],
        vendor: str | None = None,
        product: str | None = None,
        state: str | None = None,
        agency: str | None = None,
        first: int = 100,
        after: str | None = None,
        as_of: AsOf = None,
    ) -> VendorChainConnection:
        if not 0 <= first <= MAX_CHAINS:
            raise PublicError(f"first must be between 0 and {MAX_CHAINS}")
        role = int(info.context.view.role)
        start = _chain_offset(after, role)
        chains = await run(
            info,
            vendor_chains.vendor_chains,
            vendor=vendor,
            product=product,
            state=state,
            agency=agency,
            as_of=as_of_argument(as_of),
        )
        page = chains[start : start + first]
        view = await ResultView(info.context).prepare(page)
        edges = [
            VendorChainEdge(cursor=_chain_cursor(start + k, role), node=view.apply(c))
            for k, c in enumerate(page)
        ]
        return VendorChainConnection(
            total_count=len(chains),
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo(
                has_next_page=start + len(page) < len(chains),
                has_previous_page=start > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(
        description="Incidents, perpetrators and designated perpetrators per group, "
        "each group with why it is or is not covered (`reason`, `explanation`) and "
        "its incidents counted three ways: naming no perpetrator, naming "
        "perpetrators none designated, naming a designated one; `undesignated` "
        "lists the perpetrators nothing designates. The gaps are the groups whose "
        "perpetrators are known and none designated; groups whose incidents name "
        "no perpetrator are `unattributed`, not gaps."
    )  # type: ignore[untyped-decorator]
    async def sanctions_coverage(
        self,
        info: Info[Context, None],
        by: CoverageGrouping = CoverageGrouping.ORIGIN,
        scope: IncidentScope = IncidentScope.TRANSNATIONAL,
        as_of: AsOf = None,
    ) -> SanctionsCoverage:
        result = await run(
            info, coverage.sanctions_coverage, by.value, scope.value, as_of_argument(as_of)
        )
        view = await ResultView(info.context).prepare(result)
        return withhold_hidden_parties(view.apply(result), info.context.view)

    @strawberry.field(
        description="What loads changed in a window of record time (`since` "
        "exclusive, `until` inclusive; UTC ISO 8601): facts first recorded "
        "(added), stated again (confirmed) or no longer contained by a complete "
        "load of their dataset (lost), one change per fact and source (`kinds`: "
        "ADDED and LOST unless asked; a re-load confirms every fact of its file), "
        "with the "
        "loads of the window and counts per load, kind and type. Record time is "
        "when the graph learnt a fact, not the date of the event it is about. "
        "The public sees only changes to what it may see."
    )  # type: ignore[untyped-decorator]
    async def changes(
        self,
        info: Info[Context, None],
        since: str,
        until: str | None = None,
        kinds: list[ChangeKindInput] | None = None,
        types: list[str] | None = None,
        first: int = 100,
    ) -> ChangeFeed:
        wanted = tuple(k.value for k in kinds) if kinds else change_feed.DEFAULT_KINDS
        return await run(
            info,
            change_feed.changes,
            since,
            until,
            view=info.context.view,
            kinds=wanted,
            types=tuple(types) if types else None,
            limit=first,
        )

    @strawberry.field(
        description="Per origin state with documented incidents: the listings "
        "under one sanctions regime (`regime`: authority/code such as EU/HR, the "
        "regime's id or name, as the data has it) of the state's persons, agencies "
        "and organisations and of its incidents' perpetrators; which are linked to "
        "its incidents and which are not; which states have nobody designated. "
        "What it leaves out is counted (other scopes, incidents with no origin, "
        "listings tied to no state)."
    )  # type: ignore[untyped-decorator]
    async def designations_by_origin(
        self,
        info: Info[Context, None],
        regime: str,
        scope: IncidentScope = IncidentScope.TRANSNATIONAL,
        as_of: AsOf = None,
    ) -> DesignationsByOrigin:
        result = await run(
            info, designations.designations_by_origin, regime, scope.value, as_of_argument(as_of)
        )
        return withhold_hidden_parties(info.context.view.apply(result), info.context.view)

    @strawberry.field(
        description="Host states whose authorities acted for an origin state "
        "(origin and host: ISO code or State id)."
    )  # type: ignore[untyped-decorator]
    async def host_collaboration(
        self,
        info: Info[Context, None],
        origin: str | None = None,
        host: str | None = None,
        first: int = 100,
        scope: IncidentScope = IncidentScope.TRANSNATIONAL,
        as_of: AsOf = None,
    ) -> list[HostCollaboration]:
        if not 0 <= first <= MAX_HOSTS:
            raise PublicError(f"first must be between 0 and {MAX_HOSTS}")
        result = await run(
            info,
            hosts.host_collaboration,
            origin=origin,
            host=host,
            limit=first,
            scope=scope.value,
            as_of=as_of_argument(as_of),
        )
        view = await ResultView(info.context).prepare(result)
        return [view.apply(h) for h in result]

    @strawberry.field(
        description="Documented incidents per year, beside the figures the sources state."
    )  # type: ignore[untyped-decorator]
    async def incidents_per_year(
        self,
        info: Info[Context, None],
        origin: str | None = None,
        host: str | None = None,
        tactic: str | None = None,
        start: int | None = None,
        end: int | None = None,
        scope: IncidentScope = IncidentScope.TRANSNATIONAL,
        as_of: AsOf = None,
    ) -> IncidentTrend:
        result = await run(
            info,
            trends.incidents_per_year,
            origin=origin,
            host=host,
            tactic=tactic,
            start=start,
            end=end,
            scope=scope.value,
            as_of=as_of_argument(as_of),
        )
        return info.context.view.apply(result)

    @strawberry.field(description="Two periods side by side: counts, yearly averages, ratios.")  # type: ignore[untyped-decorator]
    async def compare_periods(
        self,
        info: Info[Context, None],
        first: YearRange,
        second: YearRange,
        origin: str | None = None,
        host: str | None = None,
        tactic: str | None = None,
        scope: IncidentScope = IncidentScope.TRANSNATIONAL,
        as_of: AsOf = None,
    ) -> PeriodComparison:
        result = await run(
            info,
            trends.compare_periods,
            (first.start, first.end),
            (second.start, second.end),
            origin=origin,
            host=host,
            tactic=tactic,
            scope=scope.value,
            as_of=as_of_argument(as_of),
        )
        return info.context.view.apply(result)

    @strawberry.field(
        description="Aggregates as the sources state them (Statistic nodes) about "
        "an origin, host and/or tactic."
    )  # type: ignore[untyped-decorator]
    async def stated_figures(
        self,
        info: Info[Context, None],
        origin: str | None = None,
        host: str | None = None,
        tactic: str | None = None,
        as_of: AsOf = None,
    ) -> list[StatedFigure]:
        result = await run(
            info, trends.stated_figures, trends.Filters(origin, host, tactic), as_of_argument(as_of)
        )
        return info.context.view.apply(result)

    @strawberry.field(
        description="Export licences to origin states of TNR and operators of "
        "spyware, grouped by destination."
    )  # type: ignore[untyped-decorator]
    async def licences_to_repressors(
        self,
        info: Info[Context, None],
        exporter: str | None = None,
        control_prefix: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        decision: str | None = None,
        min_value: float | None = None,
        as_of: AsOf = None,
    ) -> list[LicenceDestination]:
        result = await run(
            info,
            licences.licences_to_tnr_states,
            exporter=exporter,
            control_prefix=control_prefix,
            year_from=year_from,
            year_to=year_to,
            decision=decision,
            min_value=min_value,
            as_of=as_of_argument(as_of),
        )
        view = await ResultView(info.context).prepare(result)
        return [view.apply(g) for g in result]

    @strawberry.field(
        description="The nodes within `depth` (1..3) relations of a node, "
        "optionally only of some types and dated within start..end."
    )  # type: ignore[untyped-decorator]
    async def neighbourhood(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        depth: int = 1,
        types: list[str] | None = None,
        start: int | None = None,
        end: int | None = None,
        limit: int = network.DEFAULT_LIMIT,
        as_of: AsOf = None,
    ) -> NetworkGraph:
        _check_types(info, types)
        when = as_of_argument(as_of)
        real = await resolve_id(info, str(id))
        graph = await run(
            info,
            network.neighbourhood,
            real,
            depth=depth,
            types=types,
            start=start,
            end=end,
            limit=limit,
            avoid=info.context.view.avoid,
            as_of=when,
        )
        return redact_graph(graph, info.context.view)

    @strawberry.field(
        description="The shortest chain of relations (either direction) between two nodes."
    )  # type: ignore[untyped-decorator]
    async def shortest_path(
        self,
        info: Info[Context, None],
        source: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID,
        max_length: int = network.MAX_PATH,
        as_of: AsOf = None,
    ) -> NetworkPath:
        when = as_of_argument(as_of)
        a = await resolve_id(info, str(source))
        b = await resolve_id(info, str(to))
        path = await run(
            info, network.shortest_path, a, b, max_length, avoid=info.context.view.avoid, as_of=when
        )
        return dataclasses.replace(path, graph=redact_graph(path.graph, info.context.view))

    @strawberry.field(description="These nodes and every relation among them.")  # type: ignore[untyped-decorator]
    async def subgraph(
        self, info: Info[Context, None], ids: list[strawberry.ID], as_of: AsOf = None
    ) -> NetworkGraph:
        when = as_of_argument(as_of)
        if len(ids) > network.MAX_LIMIT:
            raise PublicError(f"at most {network.MAX_LIMIT} ids")
        real: list[str] = []
        for given in ids:
            try:
                real.append(await resolve_id(info, str(given)))
            except PublicError:
                continue  # unknown ids are left out, as subgraph() does
        graph = await run(info, network.subgraph, real, as_of=when)
        return redact_graph(graph, info.context.view)

    @strawberry.field(description="Fuzzy, cross-script search over names and aliases (best first).")  # type: ignore[untyped-decorator]
    async def search(
        self,
        info: Info[Context, None],
        text: str,
        types: list[str] | None = None,
        first: int = 20,
    ) -> list[SearchHit]:
        if not 0 <= first <= MAX_HITS:
            raise PublicError(f"first must be between 0 and {MAX_HITS}")
        _check_types(info, types)
        view = info.context.view
        want = max(first, 1)
        asked = want
        while True:
            hits = await run(info, _search, text, types, asked)
            # A hidden node is not found at all, nor a node by a name that names a redacted
            # person ("Free <name> campaign"): the match itself would say who.
            names = view.hidden.names
            kept = [
                h
                for h in hits
                if not view.is_hidden(h.id)
                and not (view.public and (names.mentions(h.label) or names.mentions(h.matched)))
            ]
            if len(kept) >= want or len(hits) < asked or asked >= MAX_HITS * 10:
                return kept[:first]
            asked *= 4
