"""The sources' own figures: how one reads, and their section beside the graph's counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from queries.trends import StatedFigure, incidents_in_period

from .model import Row, Section, Table, Text
from .subject import Ctx
from .words import amount, year_span

QUALIFIER: dict[str, str] = {
    "at-least": "at least",
    "more-than": "more than",
    "nearly": "nearly",
    "about": "about",
    "exact": "",
}


def period_text(st: StatedFigure) -> str:
    if st.start_year and st.end_year:
        return year_span([st.start_year, st.end_year])
    return f"since {st.start_year}" if st.start_year else ""


def stated_text(st: StatedFigure, period: bool = True) -> str:
    """'at least 43 cases: <measure>, since 2022', as the source states it."""
    qual = QUALIFIER.get(st.qualifier or "", st.qualifier or "")
    unit = "%" if st.unit == "percent" else f" {st.unit}" if st.unit else ""
    number = f"{qual} {amount(st.value)}{unit}".strip()
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


def stated_section(ctx: Ctx, figures: Sequence[StatedFigure]) -> Section | None:
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
