"""The sections of a briefing on a vendor: products, customers, documented uses, sanctions."""

from __future__ import annotations

from collections import Counter, defaultdict

from queries.common import ScopeCount, state_index
from queries.coverage import designations
from queries.network import fetch_nodes
from queries.trends import stated_figures as query_stated_figures
from queries.vendor_chains import vendor_chains

from .chains import chain_rows
from .licences import LICENCE_COLUMNS
from .model import Chart, Row, Section, Table, Text
from .network import network_section, story_network
from .scope import scope_count, scope_text
from .sections import timeline_section
from .stated import stated_section
from .subject import Ctx
from .words import joined, quantity, year_span


def build_vendor(ctx: Ctx) -> tuple[list[Text], list[Section], dict[str, float]]:
    """The summary, sections and figures of a briefing on a vendor."""
    store, name, vid = ctx.store, ctx.name, ctx.subject.id
    props = ctx.subject.properties
    chains = vendor_chains(store, vendor=vid)
    used = {i.id: i for c in chains for i in c.incidents if i.used_product}
    scopes = Counter(i.scope for i in used.values())
    if ctx.scope != "all":
        used = {k: i for k, i in used.items() if i.scope == ctx.scope}
        others = [ScopeCount(sc, n) for sc, n in sorted(scopes.items()) if sc != ctx.scope]
        ctx.left_out.append(scope_text(ctx, f"using {name}'s products", others))
    else:
        ctx.left_out.append(
            Text(
                f"Scope: documented uses of {name}'s products of every scope (the trade does not "
                "stop at borders): "
                + (joined([scope_count(n, sc) for sc, n in sorted(scopes.items())]) or "none")
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
            f"{name}{where}, makes {joined(products) or 'no product named in the graph'}. "
            + (
                f"The graph links it to {quantity(len(customers), 'customer state')} ({joined(customers)}) "
                f"through {quantity(len(chains), 'supply chain')}."
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
                f"{quantity(len(used), 'incident')} document the use of its products"
                + (f" ({year_span(years)})" if years else "")
                + (f", against {quantity(targets, 'target')}" if targets else "")
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
                note=f"{quantity(undated, 'incident')} without a known year not shown."
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
    section = stated_section(ctx, stated)
    if section:
        sections.append(section)
    figures["stated_figures"] = len(stated)

    table = chain_rows(ctx, chains)
    sections.append(
        Section(
            "chains",
            "Vendor-to-regime chains",
            (
                Text(
                    f"{quantity(len(chains), 'chain')} from {name} through its products to "
                    f"{quantity(len(customers), 'customer state')}."
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
                    f"{quantity(len(parties) - 1, 'customer state')} are designated (directly, or through an "
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
    timeline = timeline_section(ctx, used_nodes)
    if timeline:
        sections.append(timeline)
    # Incidents have their charts; the figure shows who makes what and who operates it.
    sections.append(network_section(ctx, story_network(ctx, 2, skip=("Person",))))
    return summary, sections, figures
