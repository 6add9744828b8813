"""The licence tables: export licences to and by a state, as counts, a chart, the appendix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from queries.common import state_index
from queries.licences import DestinationGroup, LicenceRow, licences_to_tnr_states

from .bulk import LicenceFacts, appendix_table, category_chart, category_table, destination_table
from .bulk import money as bulk_money
from .model import Section, Table, Text
from .subject import Ctx
from .words import joined, quantity, year_span

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
    ctx: Ctx, groups: Sequence[DestinationGroup], key: str, lead: str, appendix: list[Table]
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
        f"{lead}: {quantity(facts.count, 'licence decision')} "
        + (f"by {joined(exporters)} " if exporters else "")
        + f"({year_span(facts.years)}), {facts.count - facts.refused:,} granted"
        + (f" worth {value}" if value else "")
        + f", {facts.refused:,} refused. "
        + "The largest control categories: "
        + joined([f"{c} ({n:,})" for c, n in cats], 3)
        + "."
        + (
            " Refused most often: " + joined([f"{c} ({n})" for c, n in refused], 3) + "."
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


def licences_state(
    ctx: Ctx, sid: str, appendix: list[Table]
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
