"""Sections every kind shares: breakdowns, years, host collaboration, sanctions, timeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from queries.common import state_index, year_of
from queries.coverage import Coverage, sanctions_coverage
from queries.hosts import HostState
from queries.neighbourhood import neighbourhood
from queries.network import GraphNode, fetch_nodes
from queries.trends import Trend

from .model import Chart, Event, Row, Section, Table, Text
from .subject import Ctx
from .words import quantity, year_span

TIMELINE_LIMIT = 15


def group_ids(cov: Coverage, keys: Iterable[str]) -> set[str]:
    wanted = set(keys)
    return {i for g in cov.groups if g.key in wanted for i in g.incident_ids}


def breakdown(
    ctx: Ctx, cov: Coverage, ids: set[str], key: str, title: str, nodes: dict[str, GraphNode]
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


def year_chart(ctx: Ctx, trend: Trend, title: str) -> Chart | None:
    if not trend.years:
        return None
    note = (
        f"{quantity(trend.undated, 'incident')} without a known year not shown."
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


def host_table(ctx: Ctx, hosts: Sequence[HostState], tactic_codes: set[str] | None) -> Table | None:
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
                    year_span(i.year for i in incidents if i.year is not None) or "undated",
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


def sanctions_section(ctx: Ctx, ids: set[str], what: str) -> tuple[Section, dict[str, float]]:
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
            f"Of {quantity(len(ids), 'incident')} {what}, {len(with_perp)} name a perpetrator. "
            f"{quantity(len(groups), 'named perpetrator')}: {designated} designated under a sanctions "
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


def event_date(props: dict[str, object]) -> str | None:
    for key in ("date", "decision_date", "listing_date"):
        value = props.get(key)
        if value:
            return str(value)
    year = year_of(props.get("year"))
    return str(year) if year else None


def timeline_section(
    ctx: Ctx, incidents: Iterable[GraphNode], extra: Iterable[Event] = ()
) -> Section | None:
    events: list[Event] = []
    dated = sorted(
        ((d, n) for n in incidents if (d := event_date(n.properties))),
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
        when = event_date(node.properties)
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


def incident_appendix(ctx: Ctx, incidents: Iterable[GraphNode]) -> None:
    rows = []
    for n in sorted(incidents, key=lambda n: (event_date(n.properties) or "", n.id)):
        p = n.properties
        rows.append(
            Row(
                (
                    n.id,
                    event_date(p) or "",
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
