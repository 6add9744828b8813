"""Builds a `Briefing` on a state, a host state, a vendor or a tactic from queries/.

Every count comes from a function of queries/ (the same the API and `tnr query`
call): incidents per year from `trends`, breakdowns by tactic, host and origin from
the groups of `coverage.sanctions_coverage` (intersected with the subject's
incidents), host collaboration from `hosts`, chains from `vendor_chains`, licences
from `licences`, the neighbourhood from `network`. The role decides what is shown:
below analyst, a person at risk is never named (graph/visibility.py), and a source whose
title or URL names one is shown without them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from graph.store import Store
from graph.visibility import Role, View, view
from queries.common import ScopeCount, Sources, check_scope, lookup_ids, state_index, year_of
from queries.coverage import Coverage, designations, sanctions_coverage
from queries.hosts import HostState, host_collaboration
from queries.licences import DestinationGroup, LicenceRow, licences_to_tnr_states
from queries.network import Graph, GraphEdge, GraphNode, fetch_nodes, neighbourhood
from queries.search import search
from queries.trends import StatedFigure, Trend, incidents_in_period, incidents_per_year
from queries.trends import stated_figures as query_stated_figures
from queries.vendor_chains import Chain, vendor_chains

from .bulk import LicenceFacts, appendix_table, category_chart, category_table, destination_table
from .bulk import money as bulk_money
from .model import (
    DEFAULT_SCOPE,
    KINDS,
    Briefing,
    Chart,
    Event,
    Footnotes,
    NetEdge,
    NetNode,
    Network,
    Row,
    Section,
    Table,
    Text,
    left_out_text,
)

NODE_TYPE: dict[str, str] = {
    "state": "State",
    "host": "State",
    "vendor": "Vendor",
    "tactic": "Tactic",
}
NETWORK_LIMIT = 36
TIMELINE_LIMIT = 15


class SubjectNotFound(LookupError):
    """No node of the briefing's kind answers to the given name or code."""


# -- small helpers --------------------------------------------------------------------------
def _n(count: int | float, word: str, plural: str | None = None) -> str:
    value = int(count) if float(count).is_integer() else count
    return f"{value:,} {word if value == 1 else (plural or word + 's')}"


def _list(items: Sequence[str], limit: int = 6) -> str:
    items = list(items)
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _years(years: Iterable[int]) -> str:
    ys = sorted(set(years))
    if not ys:
        return ""
    return str(ys[0]) if ys[0] == ys[-1] else f"{ys[0]}-{ys[-1]}"


def _value(v: float | None) -> str:
    if v is None:
        return ""
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.1f}"


QUALIFIER: dict[str, str] = {
    "at-least": "at least",
    "more-than": "more than",
    "nearly": "nearly",
    "about": "about",
    "exact": "",
}


def period_text(st: StatedFigure) -> str:
    if st.start_year and st.end_year:
        return _years([st.start_year, st.end_year])
    return f"since {st.start_year}" if st.start_year else ""


def stated_text(st: StatedFigure, period: bool = True) -> str:
    """'at least 43 cases: <measure>, since 2022', as the source states it."""
    qual = QUALIFIER.get(st.qualifier or "", st.qualifier or "")
    unit = "%" if st.unit == "percent" else f" {st.unit}" if st.unit else ""
    number = f"{qual} {_value(st.value)}{unit}".strip()
    when = period_text(st) if period else ""
    return f"{number}: {st.measure}" + (f" ({when})" if when else "")


def comparable_filters(st: StatedFigure) -> dict[str, str] | None:
    """The trend filters that count the same thing as a stated figure of cases, or None
    when the figure is not a count of cases in a period about one origin/host/tactic each."""
    if not st.start_year or st.unit not in ("cases", "incidents"):
        return None
    found: dict[str, list[str]] = defaultdict(list)
    for about in st.about:
        role, _, value = about.partition(":")
        if role in ("origin", "host", "tactic"):
            found[role].append(value)
    if not found or any(len(v) > 1 for v in found.values()):
        return None
    return {role: values[0] for role, values in found.items()}


@dataclass
class _Ctx:
    store: Store
    role: Role
    notes: Footnotes
    sources: Sources
    subject: GraphNode
    kind: str
    scope: str = DEFAULT_SCOPE
    appendix: list[Table] = field(default_factory=list)
    left_out: list[Text] = field(default_factory=list)

    @property
    def code(self) -> str:
        return str(self.subject.properties.get("code") or self.subject.id)

    @property
    def name(self) -> str:
        return self.subject.label

    def cite_ids(self, *lists: Iterable[str] | None) -> tuple[int, ...]:
        return self.notes.cite(self.sources.refs(*lists))

    @property
    def view(self) -> View:
        return view(self.store, self.role)

    def label(self, node: GraphNode) -> str:
        return self.view.label_of(node.id, node.label)


# -- the subject ----------------------------------------------------------------------------
def resolve_subject(store: Store, kind: str, text: str) -> GraphNode:
    """The node a briefing is about: by id, name, code or alias, else the best fuzzy match."""
    if kind not in KINDS:
        raise ValueError(f"unknown briefing kind {kind!r}; kinds are {', '.join(KINDS)}")
    type_name = NODE_TYPE[kind]
    ids = lookup_ids(store, type_name, text)
    if not ids:
        hits = search(store, text, types=[type_name], limit=1, min_score=88.0, refresh=True)
        ids = [h.id for h in hits]
    if not ids:
        raise SubjectNotFound(f"no {type_name} named {text!r} in the graph")
    return fetch_nodes(store, ids[:1])[ids[0]]


# -- incident scope: the subject's incidents and their breakdowns ---------------------------
def _group_ids(cov: Coverage, keys: Iterable[str]) -> set[str]:
    wanted = set(keys)
    return {i for g in cov.groups if g.key in wanted for i in g.incident_ids}


def _breakdown(
    ctx: _Ctx, cov: Coverage, ids: set[str], key: str, title: str, nodes: dict[str, GraphNode]
) -> Chart | None:
    counts: list[tuple[str, int, set[str]]] = []
    for g in cov.groups:
        inside = set(g.incident_ids) & ids
        if inside:
            counts.append((g.label or g.key, len(inside), inside))
    if not counts:
        return None
    counts.sort(key=lambda c: (-c[1], c[0]))
    src = [
        nodes[i].properties.get("source_ids") for _, _, s in counts for i in sorted(s) if i in nodes
    ]
    return Chart(
        key,
        title,
        tuple(c[0] for c in counts),
        tuple(float(c[1]) for c in counts),
        horizontal=True,
        cites=ctx.cite_ids(*src),
    )


def _year_chart(ctx: _Ctx, trend: Trend, title: str) -> Chart | None:
    if not trend.years:
        return None
    note = (
        f"{_n(trend.undated, 'incident')} without a known year not shown."
        if trend.undated
        else None
    )
    return Chart(
        "years",
        title,
        tuple(str(y.year) for y in trend.years),
        tuple(float(y.count) for y in trend.years),
        cites=ctx.notes.cite(trend.sources),
        note=note,
    )


def _stated(ctx: _Ctx, figures: Sequence[StatedFigure]) -> Section | None:
    """The sources' own figures, beside what the graph documents for the same subject and period."""
    if not figures:
        return None
    rows: list[Row] = []
    for st in figures:
        counted = ""
        filters = comparable_filters(st)
        if filters is not None and st.start_year:
            end = st.end_year or st.start_year + 100  # "since": every later year
            counted = str(
                incidents_in_period(ctx.store, st.start_year, end, scope=ctx.scope, **filters).count
            )  # type: ignore[arg-type]
        rows.append(
            Row(
                (stated_text(st, period=False), period_text(st), counted),
                ctx.notes.cite(st.sources),
            )
        )
    para = Text(
        "What the sources state, in their own words and numbers. The last column gives the "
        "incidents this graph documents individually for the same origin, host, tactic and "
        "period, where the figure counts cases of one origin, host or tactic; the sources' "
        "figures are larger because most cases are not documented one by one in open sources."
    )
    table = Table(
        "stated",
        "Figures stated by the sources",
        ("Stated figure", "Period", "Documented here"),
        tuple(rows),
        numeric=(2,),
        fixed=(2,),
    )
    return Section("stated", "Figures stated by the sources", (para,), table=table)


def _host_table(
    ctx: _Ctx, hosts: Sequence[HostState], tactic_codes: set[str] | None
) -> Table | None:
    rows: list[Row] = []
    states = state_index(ctx.store)
    for h in hosts:
        incidents = [
            i for i in h.incident_list if tactic_codes is None or set(i.tactics) & tactic_codes
        ]
        if not incidents:
            continue
        actors = sorted({a.label or a.id for i in incidents for a in i.assisted_by})
        rows.append(
            Row(
                (
                    h.state.label or h.code or h.state.id,
                    str(len(incidents)),
                    ", ".join(
                        sorted(
                            {
                                (states[o].label if o in states else None) or o
                                for i in incidents
                                for o in i.origins
                            }
                        )
                    ),
                    ", ".join(actors) or "(by the tactic used)",
                    _years(i.year for i in incidents if i.year is not None) or "undated",
                ),
                ctx.notes.cite(*(i.sources for i in incidents)),
            )
        )
    if not rows:
        return None
    return Table(
        "hosts",
        "Host states whose authorities acted for the origin state",
        ("Host state", "Incidents", "Origin", "Acting authority", "Years"),
        tuple(rows),
        note="Detentions, deportations, handovers, denials of entry or of services "
        "carried out by the host's own authorities.",
    )


def _sanctions(ctx: _Ctx, ids: set[str], what: str) -> tuple[Section, dict[str, float]]:
    cov = sanctions_coverage(ctx.store, "perpetrator", ctx.scope)
    groups = [g for g in cov.groups if set(g.incident_ids) & ids]
    people = fetch_nodes(ctx.store, [g.key for g in groups])
    rows: list[Row] = []
    designated = 0
    for g in groups:
        node = people.get(g.key)
        name = ctx.label(node) if node else (g.label or g.key)
        listings = sorted(
            {
                f"{d.regime.authority}/{d.regime.code}"
                if d.regime
                else (d.reference or d.listing_id)
                for d in g.designations
            }
        )
        designated += bool(g.designated)
        rows.append(
            Row(
                (
                    name,
                    g.type,
                    str(len(set(g.incident_ids) & ids)),
                    "yes" if g.designated else "no",
                    ", ".join(listings) or "-",
                ),
                ctx.notes.cite(g.sources),
            )
        )
    with_perp = {i for g in groups for i in g.incident_ids} & ids
    figs: dict[str, float] = {"perpetrators": len(groups), "designated": designated}
    if not ids:
        none = Text(
            f"No incident {what} is documented individually, so no perpetrator can be "
            "checked against the sanctions lists."
        )
        return Section("sanctions", "Sanctions coverage and gaps", (none,)), figs
    paras = [
        Text(
            f"Of {_n(len(ids), 'incident')} {what}, {len(with_perp)} name a perpetrator. "
            f"{_n(len(groups), 'named perpetrator')}: {designated} designated under a sanctions "
            f"regime in the graph's data, {len(groups) - designated} not (a gap)."
            + (
                f" {len(ids) - len(with_perp)} incidents name no perpetrator, so no designation can "
                "cover them."
                if len(ids) > len(with_perp)
                else ""
            )
        )
    ]
    table = (
        Table(
            "sanctions",
            "Sanctions coverage of the perpetrators",
            ("Perpetrator", "Type", "Incidents", "Designated", "Regimes"),
            tuple(rows),
            note="Designated: listed directly, or through a member or an organ "
            "(queries/coverage.py).",
        )
        if rows
        else None
    )
    return Section("sanctions", "Sanctions coverage and gaps", tuple(paras), table=table), figs


def _licence_rows(ctx: _Ctx, lics: Iterable[LicenceRow], dest: str | None = None) -> list[Row]:
    return [
        Row(
            (
                r.ref or r.id,
                r.exporter or "",
                dest or "",
                r.control_code or "",
                r.item or "",
                r.decision or "",
                str(r.year or ""),
                f"{_value(r.value)} {r.currency or ''}".strip(),
            ),
            ctx.notes.cite(r.sources),
        )
        for r in lics
    ]


LICENCE_COLUMNS = (
    "Licence",
    "Exporter",
    "Destination",
    "Control code",
    "Item",
    "Decision",
    "Year",
    "Value",
)


def _licence_facts(groups: Sequence[DestinationGroup]) -> LicenceFacts:
    by_dest: dict[str, list[LicenceRow]] = defaultdict(list)
    for g in groups:
        by_dest[g.destination.label or g.destination.id].extend(g.licences)
    return LicenceFacts(
        tuple(r for rows in by_dest.values() for r in rows),
        {k: tuple(v) for k, v in by_dest.items()},
    )


def _licence_sections(
    ctx: _Ctx, groups: Sequence[DestinationGroup], key: str, lead: str, appendix: list[Table]
) -> list[Section]:
    """A block of licences as a paragraph, a chart and a table of counts (never row by row)."""
    facts = _licence_facts(groups)
    if not facts.count:
        return []
    cites = ctx.notes.cite(*(g.sources for g in groups))
    states = state_index(ctx.store)
    exporters = sorted(
        {
            (states[r.exporter].label if r.exporter in states else None) or r.exporter
            for r in facts.rows
            if r.exporter
        }
    )
    cats = facts.categories()
    refused = facts.refused_codes()
    value = ", ".join(f"{bulk_money(v)} {c}".strip() for c, v in sorted(facts.value().items()))
    text = (
        f"{lead}: {_n(facts.count, 'licence decision')} "
        + (f"by {_list(exporters)} " if exporters else "")
        + f"({_years(facts.years)}), {facts.count - facts.refused:,} granted"
        + (f" worth {value}" if value else "")
        + f", {facts.refused:,} refused. "
        + "The largest control categories: "
        + _list([f"{c} ({n:,})" for c, n in cats], 3)
        + "."
        + (
            " Refused most often: " + _list([f"{c} ({n})" for c, n in refused], 3) + "."
            if refused
            else ""
        )
        + f" The {facts.count:,} rows are in the CSV appendix (--appendix)."
    )
    sections = [
        Section(
            key,
            "Export licences" if key == "licences" else "Export licences granted",
            (Text(text, cites),),
            chart=category_chart(
                facts, f"{key}_categories", "Licence decisions by control category", cites
            ),
            table=category_table(facts, key, "Licences by control category and year"),
        )
    ]
    dests = destination_table(facts, f"{key}_destinations")
    if dests is not None:
        sections.append(
            Section(f"{key}_destinations", "Top destinations of the licences", table=dests)
        )
    appendix.append(appendix_table(facts, key, f"{lead}: every licence decision"))
    return sections


def _licences_state(
    ctx: _Ctx, sid: str, appendix: list[Table]
) -> tuple[list[Section], dict[str, float]]:
    to_it = [
        g
        for g in licences_to_tnr_states(ctx.store, destination=sid)
        if g.destination.id == sid or (g.state is not None and g.state.id == sid)
    ]
    by_it = licences_to_tnr_states(ctx.store, exporter=ctx.code)
    figs: dict[str, float] = {
        "licences_to": sum(g.count for g in to_it),
        "licences_by": sum(g.count for g in by_it),
        "licences_refused_to": sum(g.refused for g in to_it),
    }
    sections = _licence_sections(
        ctx, to_it, "licences", f"Export licences to {ctx.name} or its agencies", appendix
    )
    sections += _licence_sections(
        ctx,
        by_it,
        "licences_by",
        f"Export licences granted or refused by {ctx.name} to states that carry out "
        "transnational repression or operate spyware",
        appendix,
    )
    return sections, figs


def _chain_rows(ctx: _Ctx, chains: Sequence[Chain]) -> Table | None:
    """One row per vendor and customer (its products listed), most documented uses first;
    one row per product and customer goes to the appendix."""
    grouped: dict[tuple[str, str], list[Chain]] = defaultdict(list)
    for c in chains:
        customer = (c.customer.label or c.customer.id) if c.customer else "buyer unknown"
        if c.state and c.customer and c.state.id != c.customer.id:
            customer = f"{customer} ({c.state.label})"
        grouped[(c.vendor.label or c.vendor.id, customer)].append(c)
    rows: list[Row] = []
    detail: list[Row] = []
    for (vendor, customer), cs in sorted(grouped.items()):
        links = sorted({c.link for c in cs})
        used = {i.id for c in cs for i in c.incidents if i.used_product}
        incidents = {i.id for c in cs for i in c.incidents}
        years = [y for c in cs for y in c.years]
        products = sorted({c.product.label or c.product.id for c in cs})
        named = ", ".join(products[:3]) + (
            f" and {len(products) - 3} more" if len(products) > 3 else ""
        )
        rows.append(
            Row(
                (
                    vendor,
                    named,
                    customer,
                    ", ".join(links),
                    str(len(used)),
                    str(len(incidents)),
                    _years(years),
                ),
                ctx.notes.cite(*(c.sources for c in cs)),
            )
        )
        for c in cs:
            detail.append(
                Row(
                    (
                        vendor,
                        c.product.label or c.product.id,
                        customer,
                        c.link,
                        (c.via.label or c.via.id) if c.via else "",
                        str(c.year or ""),
                        str(c.used_product_count),
                        str(c.incident_count),
                    )
                )
            )
    if not rows:
        return None
    ctx.appendix.append(
        Table(
            "chains",
            "Supply chains: every product and customer",
            (
                "Vendor",
                "Product",
                "Customer",
                "Link",
                "Via",
                "Year",
                "Documented uses",
                "Incidents of the customer",
            ),
            tuple(detail),
        )
    )
    rows.sort(key=lambda r: (-int(r.cells[4]), -int(r.cells[5]), r.cells[2]))
    return Table(
        "chains",
        "Vendor -> products -> customer",
        (
            "Vendor",
            "Products",
            "Customer",
            "Link",
            "Documented uses",
            "Incidents of the customer",
            "Years",
        ),
        tuple(rows),
        note="Link: a sale, an export licence, a deployment (operator attribution) or "
        "documented use in an incident. Incidents of the customer: all incidents of "
        "its state, with or without these products.",
        numeric=(4, 5),
    )


#: Rows that come by the hundred: counted beside the figure, never drawn.
BULK_TYPES = ("ExportLicence", "SanctionListing", "Indicator")
#: What tells the story first, and how many of each type the figure draws at most.
STORY: dict[str, int] = {
    "Incident": 12,
    "Agency": 6,
    "Vendor": 6,
    "Product": 8,
    "Sale": 8,
    "SanctionRegime": 4,
    "State": 10,
    "Tactic": 6,
    "PolicyResponse": 3,
    "Organization": 4,
    "Person": 6,
}
PEOPLE = ("Person", "Organization")
NETWORK_POOL = 400


def _readable_label(node: GraphNode, edges: Sequence[GraphEdge], labels: dict[str, str]) -> str:
    """A sale reads as its customer and products, not as its record reference."""
    if node.type != "Sale":
        return node.label
    buyer = str(node.properties.get("customer_label") or "")
    products: list[str] = []
    for e in edges:
        if e.source == node.id and e.type == "BUYER" and not buyer:
            buyer = labels.get(e.target, "")
        if e.source == node.id and e.type == "SOLD" and e.target in labels:
            products.append(labels[e.target])
    names = sorted(set(products))
    what = names[0] + (f" and {len(names) - 1} more" if len(names) > 1 else "") if names else ""
    if not buyer:
        return "Sale, customer not named" + (f": {what}" if what else "")
    return f"Sale to {buyer}" + (f": {what}" if what else "")


def _network_section(ctx: _Ctx, network: Network) -> Section:
    """The figure, or, when nothing but the subject would be drawn, a sentence saying so."""
    if len(network.nodes) > 1:
        return Section("network", "Network", network=network)
    bulk = (
        f" (only bulk rows: {left_out_text(network.left_out, ctx.store.schema)})"
        if network.left_out
        else ""
    )
    return Section(
        "network",
        "Network",
        (
            Text(
                f"No incident, agency, vendor, product, sale or sanctions regime is linked to "
                f"{ctx.name} in the graph{bulk}, so there is no network to draw."
            ),
        ),
    )


def _anonymous_sale(node: GraphNode) -> bool:
    return node.type == "Sale" and not node.properties.get("customer_label")


def _network(
    ctx: _Ctx, depth: int, skip: Iterable[str] = (), incidents: set[str] | None = None
) -> Network:
    """The story around the subject: its incidents, host states, agencies, vendors, products,
    sales and sanctions regimes first (at most `STORY[type]` of each), the people of those
    incidents, never bulk rows (licences, listings: counted in `left_out` instead)."""
    # Left out: the types declared `network: false` (sources are footnotes, statistics have
    # their table) and those this briefing skips.
    skipped = {t for t, nt in ctx.store.schema.nodes.items() if not nt.network} | set(skip)
    view, store, sid = ctx.view, ctx.store, ctx.subject.id
    story = [t for t in STORY if t not in skipped and t not in PEOPLE and t in store.schema.nodes]
    pool = neighbourhood(store, sid, depth=depth, types=story, limit=NETWORK_POOL, avoid=view.avoid)
    nodes: dict[str, GraphNode] = {n.id: n for n in pool.nodes}
    edges: dict[str, GraphEdge] = {e.id: e for e in pool.edges}
    truncated = pool.truncated
    people = [t for t in PEOPLE if t not in skipped]
    if people:
        for n in sorted(pool.nodes, key=lambda n: n.id):
            if n.type in ("Incident", "Agency", "Sale") and n.id != sid:
                near = neighbourhood(store, n.id, depth=1, types=people, limit=12, avoid=view.avoid)
                nodes.update({m.id: m for m in near.nodes if m.id not in nodes})
                edges.update({e.id: e for e in near.edges})
    # Only the incidents the briefing counts (its scope): the others are said, not drawn.
    other_scope = 0
    if incidents is not None:
        outside = {i for i, n in nodes.items() if n.type == "Incident" and i not in incidents}
        other_scope = len(outside)
        nodes = {i: n for i, n in nodes.items() if i not in outside}
    g = Graph(tuple(nodes.values()), tuple(edges.values()), truncated).seen_by(view)
    centre = view.shown_id(sid)
    adjacent: dict[str, set[str]] = defaultdict(set)
    for e in g.edges:
        adjacent[e.source].add(e.target)
        adjacent[e.target].add(e.source)
    dist = {centre: 0}
    frontier = [centre]
    while frontier:
        nxt = []
        for a in frontier:
            for b in sorted(adjacent[a]):
                if b not in dist:
                    dist[b] = dist[a] + 1
                    nxt.append(b)
        frontier = nxt
    order = list(STORY)
    ranked = sorted(
        (n for n in g.nodes if n.id != centre and n.type in STORY),
        key=lambda n: (
            order.index(n.type),
            _anonymous_sale(n),
            -len(adjacent[n.id]),
            dist.get(n.id, 9),
            n.label,
        ),
    )
    kept: dict[str, GraphNode] = {n.id: n for n in g.nodes if n.id == centre}
    per_type: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    waiting = list(ranked)
    while True:  # again while a pass adds a node (an incident hangs on a product kept later)
        later = []
        for n in waiting:
            linked = adjacent[n.id] & set(kept)
            if n.type in PEOPLE and not (linked - {centre}):
                later.append(n)  # tied to the subject alone (citizens on a list ...)
                continue
            if not linked or per_type[n.type] >= STORY[n.type] or len(kept) >= NETWORK_LIMIT:
                later.append(n)
                continue
            kept[n.id] = n
            per_type[n.type] += 1
        if len(later) == len(waiting):
            break
        waiting = later
    for n in waiting:
        dropped[n.type] += 1
    labels = {n.id: n.label for n in g.nodes}
    shown_edges = tuple(
        NetEdge(e.source, e.target, e.type)
        for e in g.edges
        if e.source in kept and e.target in kept
    )
    net_nodes = tuple(
        NetNode(n.id, _readable_label(n, g.edges, labels), n.type, n.id == centre)
        for n in kept.values()
    )
    bulk = neighbourhood(store, sid, depth=1, types=list(BULK_TYPES), limit=5000, avoid=view.avoid)
    counts = Counter(n.type for n in bulk.nodes if n.id != sid)
    left = [(t, counts[t]) for t in BULK_TYPES if counts[t]]
    left += [(t, dropped[t]) for t in STORY if dropped[t]]
    if other_scope:
        left.append(("OtherScope", other_scope))
    # One source per node: the figure shows what the sections cite in full.
    src = [list(n.properties.get("source_ids") or [])[:1] for n in kept.values()]
    colours = store.schema.colours()
    drawn = sorted({n.type for n in net_nodes if n.type in colours})
    return Network(
        f"The story around {ctx.name}",
        net_nodes,
        shown_edges,
        truncated or bool(dropped),
        ctx.cite_ids(*src),
        tuple(left),
        tuple((t, colours[t]) for t in drawn),
    )


def _event_date(props: dict[str, object]) -> str | None:
    for key in ("date", "decision_date", "listing_date"):
        value = props.get(key)
        if value:
            return str(value)
    year = year_of(props.get("year"))
    return str(year) if year else None


def _timeline(
    ctx: _Ctx, incidents: Iterable[GraphNode], extra: Iterable[Event] = ()
) -> Section | None:
    events: list[Event] = []
    dated = sorted(
        ((d, n) for n in incidents if (d := _event_date(n.properties))),
        key=lambda x: (x[0], x[1].id),
    )
    more = 0
    if len(dated) > TIMELINE_LIMIT:
        more = len(dated) - TIMELINE_LIMIT
        dated = dated[-TIMELINE_LIMIT:]
    for date, node in dated:
        events.append(
            Event(date, "incident", node.label, ctx.cite_ids(node.properties.get("source_ids")))
        )
    policy = neighbourhood(ctx.store, ctx.subject.id, depth=1, types=["PolicyResponse"])
    for node in policy.nodes:
        when = _event_date(node.properties)
        if node.type == "PolicyResponse" and when:
            kind = str(node.properties.get("kind") or "policy")
            # "(regulation)" after a title that already says it in brackets reads twice
            said = (
                kind.lower() in node.label.lower() or kind.replace("-", " ") in node.label.lower()
            )
            events.append(
                Event(
                    when,
                    "policy",
                    node.label if said else f"{node.label} ({kind})",
                    ctx.cite_ids(node.properties.get("source_ids")),
                )
            )
    if not events:
        return None
    events.sort(key=lambda e: (e.date, e.kind, e.text))
    paras = (
        (
            Text(
                f"The {more} earliest dated incidents are left out of the timeline; the chart "
                "by year counts them."
            ),
        )
        if more
        else ()
    )
    return Section(
        "timeline", "Timeline of events and policy responses", paras, events=tuple(events)
    )


# -- state, host and tactic -----------------------------------------------------------------
def _tactic_codes(store: Store, code: str) -> set[str]:
    rows = store.read(
        "MATCH (c:Tactic)-[:SUBTYPE_OF*0..4]->(t:Tactic) WHERE t.code = $code RETURN DISTINCT c.code AS c",
        code=code,
    )
    return {str(r["c"]) for r in rows} | {code}


def _build_incident_kind(ctx: _Ctx) -> tuple[list[Text], list[Section], dict[str, float]]:
    store, kind, code, name = ctx.store, ctx.kind, ctx.code, ctx.name
    by_tactic = sanctions_coverage(store, "tactic", ctx.scope)
    by_origin = sanctions_coverage(store, "origin", ctx.scope)
    by_host = sanctions_coverage(store, "host", ctx.scope)
    codes: set[str] | None = None
    if kind == "state":
        ids, filters, what = _group_ids(by_origin, [code]), {"origin": code}, f"on behalf of {name}"
    elif kind == "host":
        ids, filters, what = _group_ids(by_host, [code]), {"host": code}, f"in {name}"
    else:
        codes = _tactic_codes(store, code)
        ids, filters, what = _group_ids(by_tactic, codes), {"tactic": code}, f"using {name.lower()}"
    trend = incidents_per_year(store, scope=ctx.scope, **filters)  # type: ignore[arg-type]
    ctx.left_out.append(_scope_text(ctx, what, trend.left_out))
    nodes = fetch_nodes(store, sorted(ids))
    all_cites = ctx.cite_ids(*(n.properties.get("source_ids") for n in nodes.values()))

    sections: list[Section] = []
    figures: dict[str, float] = {
        "incidents": len(ids),
        "dated": trend.total,
        "undated": trend.undated,
    }
    years = [y.year for y in trend.years]
    summary: list[Text] = []
    if kind == "tactic":
        definition = ctx.subject.properties.get("definition")
        if definition:
            summary.append(
                Text(
                    f"{name}: {' '.join(str(definition).split())}",
                    ctx.cite_ids(ctx.subject.properties.get("source_ids")),
                )
            )
    lead = {
        "state": "transnational repression",
        "host": "transnational repression",
        "tactic": "transnational repression",
    }[kind]
    if ids:
        summary.append(
            Text(
                f"The graph documents {_n(len(ids), 'incident')} of {lead} {what}"
                + (f" ({trend.total} dated, {_years(years)})" if trend.total else "")
                + ".",
                all_cites,
            )
        )
    else:
        summary.append(
            Text(
                f"The graph documents no individual incident of {lead} {what}; the "
                "figures below are the sources' own."
            )
        )

    charts: list[Chart | None] = [_year_chart(ctx, trend, f"Incidents {what}, per year")]
    if kind != "tactic":
        charts.append(_breakdown(ctx, by_tactic, ids, "tactics", "Tactics used", nodes))
    if kind != "host":
        charts.append(
            _breakdown(ctx, by_host, ids, "hosts", "Host states (where the target was)", nodes)
        )
    if kind != "state":
        charts.append(
            _breakdown(ctx, by_origin, ids, "origins", "Origin states (on whose behalf)", nodes)
        )
    for chart in charts:
        if chart is None:
            continue
        figures[f"{chart.key}_groups"] = len(chart.labels)
        sections.append(Section(chart.key, chart.title, chart=chart))
    nouns = {"tactics": "tactic", "hosts": "host state", "origins": "origin state"}
    parts = [
        f"{_n(len(c.labels), nouns[c.key])}: "
        f"{_list([f'{lbl} ({int(v)})' for lbl, v in zip(c.labels, c.values, strict=True)], 4)}"
        for c in charts
        if c is not None and c.key in nouns
    ]
    if parts:
        summary.append(Text("; ".join(parts) + ".", all_cites))

    statistics = trend.statistics
    if statistics:
        specific = [st for st in statistics if comparable_filters(st) is not None]
        top = sorted(specific, key=lambda st: -(st.value or 0))[:3] or list(statistics[:3])
        summary.append(
            Text(
                "The sources state larger figures: "
                + "; ".join(stated_text(st) for st in top)
                + ". (See the table of stated figures.)",
                ctx.notes.cite(*(st.sources for st in top)),
            )
        )
    stated = _stated(ctx, statistics)
    if stated:
        sections.append(stated)
    figures["stated_figures"] = len(statistics)

    hosts = host_collaboration(
        store,
        origin=code if kind == "state" else None,
        host=code if kind == "host" else None,
        scope=ctx.scope,
    )
    table = _host_table(ctx, hosts, codes)
    if table:
        acted = sum(int(r.cells[1]) for r in table.rows)
        figures["host_collaboration"] = acted
        summary.append(
            Text(
                f"Host-state authorities acted for the origin state in {_n(acted, 'incident')} "
                f"({_list([r.cells[0] for r in table.rows])}).",
                ctx.notes.cite() + tuple(sorted({c for r in table.rows for c in r.cites})),
            )
        )
        sections.append(Section("collaboration", "Host-state collaboration", table=table))

    if kind == "state":
        chains = [
            c
            for c in vendor_chains(store)
            if (c.customer and c.customer.id == ctx.subject.id)
            or (c.state and c.state.id == ctx.subject.id)
        ]
        figures["chains"] = len(chains)
        chain_table = _chain_rows(ctx, chains)
        text = (
            f"{_n(len(chains), 'supply chain')} end at {name} or its agencies: "
            f"{_list(sorted({c.vendor.label or '' for c in chains}))}."
            if chains
            else f"No vendor-to-regime chain ends at {name} in the graph's data (no documented sale, "
            "licence, deployment or use of a surveillance product by it)."
        )
        sections.append(
            Section("chains", "Vendor-to-regime chains", (Text(text),), table=chain_table)
        )
        summary.append(Text(text))

    sanctions, figs = _sanctions(ctx, ids, what)
    sections.append(sanctions)
    figures.update(figs)
    if ids:
        summary.append(
            Text(
                f"{int(figs['designated'])} of {_n(figs['perpetrators'], 'named perpetrator')} "
                "are designated under a sanctions regime in the graph's data."
            )
        )
    if kind in ("state", "host"):
        lic, figs = _licences_state(ctx, ctx.subject.id, ctx.appendix)
        figures.update(figs)
        sections += lic
    timeline = _timeline(ctx, nodes.values())
    if timeline:
        sections.append(timeline)
    sections.append(_network_section(ctx, _network(ctx, 2, incidents=ids)))
    _incident_appendix(ctx, nodes.values())
    return summary, sections, figures


# -- vendor -----------------------------------------------------------------------------------
def _build_vendor(ctx: _Ctx) -> tuple[list[Text], list[Section], dict[str, float]]:
    store, name, vid = ctx.store, ctx.name, ctx.subject.id
    props = ctx.subject.properties
    chains = vendor_chains(store, vendor=vid)
    used = {i.id: i for c in chains for i in c.incidents if i.used_product}
    scopes = Counter(i.scope for i in used.values())
    if ctx.scope != "all":
        used = {k: i for k, i in used.items() if i.scope == ctx.scope}
        others = [ScopeCount(sc, n) for sc, n in sorted(scopes.items()) if sc != ctx.scope]
        ctx.left_out.append(_scope_text(ctx, f"using {name}'s products", others))
    else:
        ctx.left_out.append(
            Text(
                f"Scope: documented uses of {name}'s products of every scope (the trade does not "
                "stop at borders): "
                + (_list([_scope_count(n, sc) for sc, n in sorted(scopes.items())]) or "none")
                + "."
            )
        )
    unknown_buyer = len({i.id for c in chains if c.customer is None for i in c.incidents})
    customers = sorted(
        {b.label or b.id for c in chains if (b := c.state or c.customer) is not None}
    )
    products = sorted({c.product.label or c.product.id for c in chains})
    targets = sum(i.target_count for i in used.values())
    figures: dict[str, float] = {
        "chains": len(chains),
        "customers": len(customers),
        "products": len(products),
        "documented_uses": len(used),
        "targets": targets,
    }
    src_chain = ctx.notes.cite(*(c.sources for c in chains))
    summary: list[Text] = []
    country = state_index(store).get(str(props.get("country") or "").upper())
    where = f", based in {country.label}" if country else ""
    summary.append(
        Text(
            f"{name}{where}, makes {_list(products) or 'no product named in the graph'}. "
            + (
                f"The graph links it to {_n(len(customers), 'customer state')} ({_list(customers)}) "
                f"through {_n(len(chains), 'supply chain')}."
                if chains
                else ""
            ),
            ctx.cite_ids(props.get("source_ids")),
        )
    )
    if used:
        years = [i.year for i in used.values() if i.year is not None]
        summary.append(
            Text(
                f"{_n(len(used), 'incident')} document the use of its products"
                + (f" ({_years(years)})" if years else "")
                + (f", against {_n(targets, 'target')}" if targets else "")
                + (
                    f", {unknown_buyer} of them with no attributed operator (buyer unknown)."
                    if unknown_buyer
                    else "."
                ),
                src_chain,
            )
        )

    sections: list[Section] = []
    per_year = Counter(i.year for i in used.values() if i.year is not None)
    undated = sum(1 for i in used.values() if i.year is None)
    charts: list[Chart] = []
    if per_year:
        charts.append(
            Chart(
                "years",
                f"Documented uses of {name}'s products, per year",
                tuple(str(y) for y in sorted(per_year)),
                tuple(float(per_year[y]) for y in sorted(per_year)),
                cites=src_chain,
                note=f"{_n(undated, 'incident')} without a known year not shown."
                if undated
                else None,
            )
        )
    by_customer: dict[str, set[str]] = defaultdict(set)
    for c in chains:
        if c.link == "documented-use" and c.via is not None:
            buyer = c.state or c.customer
            if buyer is not None:
                by_customer[buyer.label or buyer.id].add(c.via.id)
    if by_customer:
        ranked = sorted(by_customer.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        charts.append(
            Chart(
                "customers",
                "Documented uses by operator state",
                tuple(k for k, _ in ranked),
                tuple(float(len(v)) for _, v in ranked),
                horizontal=True,
                cites=src_chain,
            )
        )
    tactics = Counter(t for i in used.values() for t in i.tactics)
    if len(tactics) > 1:
        ranked_t = sorted(tactics.items(), key=lambda kv: (-kv[1], kv[0]))
        charts.append(
            Chart(
                "tactics",
                "Tactics of the incidents",
                tuple(k for k, _ in ranked_t),
                tuple(float(v) for _, v in ranked_t),
                horizontal=True,
                cites=src_chain,
            )
        )
    for chart in charts:
        sections.append(Section(chart.key, chart.title, chart=chart))

    stated = [
        s
        for s in query_stated_figures(store)
        if any(a.split(":", 1)[-1] in (vid, *(c.product.id for c in chains)) for a in s.about)
    ]
    section = _stated(ctx, stated)
    if section:
        sections.append(section)
    figures["stated_figures"] = len(stated)

    table = _chain_rows(ctx, chains)
    sections.append(
        Section(
            "chains",
            "Vendor-to-regime chains",
            (
                Text(
                    f"{_n(len(chains), 'chain')} from {name} through its products to "
                    f"{_n(len(customers), 'customer state')}."
                    if chains
                    else f"No sale, licence, deployment or documented use links {name}'s products to a customer."
                ),
            ),
            table=table,
        )
    )

    lic = [c for c in chains if c.link == "export-licence"]
    figures["licences"] = len(lic)
    if lic:
        rows = tuple(
            Row(
                (
                    (c.via.label or "") if c.via else "",
                    "",
                    (c.customer.label or "") if c.customer else "",
                    "",
                    c.product.label or "",
                    "",
                    str(c.year or ""),
                    "",
                ),
                ctx.notes.cite(c.sources),
            )
            for c in lic
        )
        sections.append(
            Section(
                "licences",
                "Export licences for its products",
                table=Table("licences", "Export licences", LICENCE_COLUMNS, rows),
            )
        )

    parties = [vid, *sorted({b.id for c in chains if (b := c.state or c.customer) is not None})]
    found = designations(store, parties)
    labels = {c.state.id: c.state.label for c in chains if c.state} | {vid: name}
    rows_s = tuple(
        Row(
            (
                labels.get(p) or p,
                "yes" if found.get(p) else "no",
                ", ".join(
                    sorted(
                        {
                            f"{d.regime.authority}/{d.regime.code}"
                            if d.regime
                            else (d.reference or "")
                            for d in found.get(p, [])
                        }
                    )
                )
                or "-",
            ),
            ctx.notes.cite(*(d.sources for d in found.get(p, []))),
        )
        for p in parties
    )
    figures["designated"] = sum(1 for p in parties if found.get(p))
    sanction_text = (
        f"{name} is designated under a sanctions regime in the graph's data."
        if found.get(vid)
        else f"{name} is not designated under any sanctions regime in the graph's data (a gap)."
    )
    sections.append(
        Section(
            "sanctions",
            "Sanctions coverage and gaps",
            (
                Text(
                    sanction_text + f" {figures['designated'] - bool(found.get(vid)):.0f} of its "
                    f"{_n(len(parties) - 1, 'customer state')} are designated (directly, or through an "
                    "agency or an official)."
                ),
            ),
            table=Table(
                "sanctions",
                "Sanctions coverage of the vendor and its customers",
                ("Party", "Designated", "Regimes"),
                rows_s,
            ),
        )
    )
    summary.append(Text(sanction_text))

    used_nodes = fetch_nodes(store, sorted(used)).values()
    timeline = _timeline(ctx, used_nodes)
    if timeline:
        sections.append(timeline)
    # Incidents have their charts; the figure shows who makes what and who operates it.
    sections.append(_network_section(ctx, _network(ctx, 2, skip=("Person",))))
    return summary, sections, figures


# -- entry point --------------------------------------------------------------------------------
def _scope_count(n: int, scope: str) -> str:
    return (
        _n(n, "incident") + " of unknown scope"
        if scope == "unknown"
        else _n(n, f"{scope} incident")
    )


def _scope_text(ctx: _Ctx, what: str, left: Sequence[ScopeCount]) -> Text:
    if ctx.scope == "all":
        text = f"Scope: incidents {what} of every scope (transnational, domestic, unknown)."
    else:
        text = f"Scope: {ctx.scope} incidents {what} only."
    if left:
        text += (
            " Left out (counted apart, not in any figure): "
            + _list([_scope_count(c.incidents, c.scope) for c in left])
            + " (to count them: --scope all, or the GraphQL argument scope)."
        )
    elif ctx.scope != "all":
        text += " No incident of another scope matches."
    return Text(text)


def _incident_appendix(ctx: _Ctx, incidents: Iterable[GraphNode]) -> None:
    rows = []
    for n in sorted(incidents, key=lambda n: (_event_date(n.properties) or "", n.id)):
        p = n.properties
        rows.append(
            Row(
                (
                    n.id,
                    _event_date(p) or "",
                    n.label,
                    str(p.get("scope") or ""),
                    str(p.get("status") or ""),
                ),
                ctx.cite_ids(p.get("source_ids")),
            )
        )
    if rows:
        ctx.appendix.append(
            Table(
                "incidents",
                "Incidents counted in this briefing",
                ("Incident id", "Date", "Title", "Scope", "Status"),
                tuple(rows),
            )
        )


def compact(table: Table) -> Table:
    """A table without its empty columns, and with a column that repeats one value on every
    row (of two or more) said once in the note instead."""
    if len(table.rows) < 2 or not table.columns:
        return table
    keep: list[int] = []
    said: list[str] = []
    for i, name in enumerate(table.columns):
        values = {r.cells[i] for r in table.rows}
        if values == {""}:
            continue
        if len(values) == 1 and i not in table.fixed and len(keep) + len(table.columns) - i > 1:
            said.append(f"{name}: {next(iter(values))}")
            continue
        keep.append(i)
    if len(keep) == len(table.columns):
        return table
    same = "; ".join(said) + "." if said else ""
    note = " ".join(x for x in (same, table.note or "") if x) or None
    numeric = tuple(keep.index(i) for i in table.numeric if i in keep)
    fixed = tuple(keep.index(i) for i in table.fixed if i in keep)
    rows = tuple(Row(tuple(r.cells[i] for i in keep), r.cites) for r in table.rows)
    return replace(
        table,
        columns=tuple(table.columns[i] for i in keep),
        rows=rows,
        note=note,
        numeric=numeric,
        fixed=fixed,
    )


def build_briefing(
    store: Store,
    kind: str,
    subject: str,
    role: Role = Role.PUBLIC,
    appendix: bool = False,
    scope: str | None = None,
) -> Briefing:
    """The briefing on `subject` (a name, code, alias or id) of `kind`, for `role`.

    `scope`: the incidents counted (queries.common: transnational unless asked otherwise;
    "all" for every scope); a vendor's documented uses are of every scope unless asked.
    `appendix`: keep the row-level data (licences, incidents) for the CSV appendix."""
    if kind not in KINDS:
        raise ValueError(f"unknown briefing kind {kind!r}; kinds are {', '.join(KINDS)}")
    chosen = check_scope(scope if scope is not None else ("all" if kind == "vendor" else None))
    node = resolve_subject(store, kind, subject)
    seen = view(store, role)
    ctx = _Ctx(store, role, Footnotes(seen.source_ref), Sources(store), node, kind, chosen)
    if kind == "vendor":
        summary, sections, figures = _build_vendor(ctx)
    else:
        summary, sections, figures = _build_incident_kind(ctx)
    left = list(ctx.left_out)
    for s in sections:
        if s.network is not None and s.network.left_out:
            words = left_out_text(s.network.left_out, store.schema)
            left.append(
                Text(
                    f"Not drawn in the network figure: {words} "
                    "(bulk rows are counted in their own section where this briefing "
                    "covers them)."
                )
            )
    sections = [replace(s, table=compact(s.table)) if s.table else s for s in sections]
    what = {
        "state": "transnational repression by",
        "host": "transnational repression in",
        "vendor": "the surveillance trade:",
        "tactic": "transnational repression:",
    }[kind]
    built = Briefing(
        kind=kind,
        subject_id=node.id,
        subject=node.label,
        role=role.name.lower(),
        title=f"Briefing on {what} {node.label}",
        summary=tuple(summary),
        sections=tuple(sections),
        sources=ctx.notes.sources(),
        figures=figures,
        scope=chosen,
        left_out=tuple(left),
        appendix=tuple(ctx.appendix) if appendix else (),
    )
    # Every renderer (Markdown, HTML with its SVG, PDF, the CSV appendix) starts from what
    # the role may see.
    shown: Briefing = seen.apply(built)
    return shown
