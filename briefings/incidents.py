"""The sections of a briefing on a state, a host state or a tactic, counted by incidents."""

from __future__ import annotations

from graph.store import Store
from queries.coverage import sanctions_coverage
from queries.hosts import host_collaboration
from queries.network import fetch_nodes
from queries.trends import incidents_per_year
from queries.vendor_chains import vendor_chains

from .chains import chain_rows
from .licences import licences_state
from .model import Chart, Section, Text
from .network import network_section, story_network
from .scope import scope_text
from .sections import (
    breakdown,
    group_ids,
    host_table,
    incident_appendix,
    sanctions_section,
    timeline_section,
    year_chart,
)
from .stated import comparable_filters, stated_section, stated_text
from .subject import Ctx
from .words import joined, quantity, year_span


def _tactic_codes(store: Store, code: str) -> set[str]:
    rows = store.read(
        "MATCH (c:Tactic)-[:SUBTYPE_OF*0..4]->(t:Tactic) WHERE t.code = $code RETURN DISTINCT c.code AS c",
        code=code,
    )
    return {str(r["c"]) for r in rows} | {code}


def build_incident_kind(ctx: Ctx) -> tuple[list[Text], list[Section], dict[str, float]]:
    """The summary, sections and figures of a briefing on a state, a host state or a tactic."""
    store, kind, code, name = ctx.store, ctx.kind, ctx.code, ctx.name
    by_tactic = sanctions_coverage(store, "tactic", ctx.scope)
    by_origin = sanctions_coverage(store, "origin", ctx.scope)
    by_host = sanctions_coverage(store, "host", ctx.scope)
    codes: set[str] | None = None
    if kind == "state":
        ids, filters, what = group_ids(by_origin, [code]), {"origin": code}, f"on behalf of {name}"
    elif kind == "host":
        ids, filters, what = group_ids(by_host, [code]), {"host": code}, f"in {name}"
    else:
        codes = _tactic_codes(store, code)
        ids, filters, what = group_ids(by_tactic, codes), {"tactic": code}, f"using {name.lower()}"
    trend = incidents_per_year(store, scope=ctx.scope, **filters)  # type: ignore[arg-type]
    ctx.left_out.append(scope_text(ctx, what, trend.left_out))
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
                f"The graph documents {quantity(len(ids), 'incident')} of {lead} {what}"
                + (f" ({trend.total} dated, {year_span(years)})" if trend.total else "")
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

    charts: list[Chart | None] = [year_chart(ctx, trend, f"Incidents {what}, per year")]
    if kind != "tactic":
        charts.append(breakdown(ctx, by_tactic, ids, "tactics", "Tactics used", nodes))
    if kind != "host":
        charts.append(
            breakdown(ctx, by_host, ids, "hosts", "Host states (where the target was)", nodes)
        )
    if kind != "state":
        charts.append(
            breakdown(ctx, by_origin, ids, "origins", "Origin states (on whose behalf)", nodes)
        )
    for chart in charts:
        if chart is None:
            continue
        figures[f"{chart.key}_groups"] = len(chart.labels)
        sections.append(Section(chart.key, chart.title, chart=chart))
    nouns = {"tactics": "tactic", "hosts": "host state", "origins": "origin state"}
    parts = [
        f"{quantity(len(c.labels), nouns[c.key])}: "
        f"{joined([f'{lbl} ({int(v)})' for lbl, v in zip(c.labels, c.values, strict=True)], 4)}"
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
    stated = stated_section(ctx, statistics)
    if stated:
        sections.append(stated)
    figures["stated_figures"] = len(statistics)

    hosts = host_collaboration(
        store,
        origin=code if kind == "state" else None,
        host=code if kind == "host" else None,
        scope=ctx.scope,
    )
    table = host_table(ctx, hosts, codes)
    if table:
        acted = sum(int(r.cells[1]) for r in table.rows)
        figures["host_collaboration"] = acted
        summary.append(
            Text(
                f"Host-state authorities acted for the origin state in {quantity(acted, 'incident')} "
                f"({joined([r.cells[0] for r in table.rows])}).",
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
        chain_table = chain_rows(ctx, chains)
        text = (
            f"{quantity(len(chains), 'supply chain')} end at {name} or its agencies: "
            f"{joined(sorted({c.vendor.label or '' for c in chains}))}."
            if chains
            else f"No vendor-to-regime chain ends at {name} in the graph's data (no documented sale, "
            "licence, deployment or use of a surveillance product by it)."
        )
        sections.append(
            Section("chains", "Vendor-to-regime chains", (Text(text),), table=chain_table)
        )
        summary.append(Text(text))

    sanctions, figs = sanctions_section(ctx, ids, what)
    sections.append(sanctions)
    figures.update(figs)
    if ids:
        summary.append(
            Text(
                f"{int(figs['designated'])} of {quantity(figs['perpetrators'], 'named perpetrator')} "
                "are designated under a sanctions regime in the graph's data."
            )
        )
    if kind in ("state", "host"):
        lic, figs = licences_state(ctx, ctx.subject.id, ctx.appendix)
        figures.update(figs)
        sections += lic
    timeline = timeline_section(ctx, nodes.values())
    if timeline:
        sections.append(timeline)
    sections.append(network_section(ctx, story_network(ctx, 2, incidents=ids)))
    incident_appendix(ctx, nodes.values())
    return summary, sections, figures
