"""Incidents per year and per period, beside the aggregates the sources state.

Counted figures come from Incident nodes (year, else the year of `date`);
stated figures are Statistic nodes ABOUT the same subject (role origin, host or
tactic), so a caller can show the source's own numbers beside the counted ones.
Only incidents of one scope are counted (transnational unless asked otherwise,
queries.common.incident_scopes); the matching incidents of the other scopes are
counted apart, in `left_out`, never mixed in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from graph.store import Store
from queries.common import (
    ScopeCount,
    SourceRef,
    Sources,
    all_recorded,
    check_as_of,
    check_scope,
    in_scope,
    incident_scopes,
    left_out,
    path_recorded,
    recorded,
    year_of,
)


@dataclass(frozen=True)
class Filters:
    origin: str | None = None  # ISO code or State id
    host: str | None = None  # ISO code or State id
    tactic: str | None = None  # tactic code (its subtypes count too)


@dataclass(frozen=True)
class YearCount:
    year: int
    count: int
    incident_ids: tuple[str, ...]


@dataclass(frozen=True)
class StatedFigure:
    """A Statistic node: an aggregate as the source states it."""

    id: str
    ref: str | None
    measure: str | None
    value: float | None
    qualifier: str | None
    unit: str | None
    period_start: str | None
    period_end: str | None
    start_year: int | None
    end_year: int | None
    about: tuple[str, ...]  # "role:code" of each ABOUT, e.g. "origin:RU"
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class Trend:
    filters: Filters
    years: tuple[YearCount, ...]
    total: int
    undated: int  # matching incidents without a year
    statistics: tuple[StatedFigure, ...]
    sources: tuple[SourceRef, ...]
    scope: str = "transnational"  # the scope counted, or "all"
    left_out: tuple[ScopeCount, ...] = ()  # matching incidents of the other scopes, per scope


@dataclass(frozen=True)
class PeriodCount:
    start: int
    end: int
    years: int  # number of years in the period (inclusive)
    count: int
    per_year: float
    incident_ids: tuple[str, ...]
    left_out: tuple[ScopeCount, ...] = ()  # incidents of the period in the other scopes


@dataclass(frozen=True)
class PeriodComparison:
    filters: Filters
    first: PeriodCount
    second: PeriodCount
    ratio: float | None  # second.per_year / first.per_year
    count_ratio: float | None  # second.count / first.count
    change_percent: float | None  # of the yearly average
    statistics: tuple[StatedFigure, ...]
    sources: tuple[SourceRef, ...]
    scope: str = "transnational"


_STATISTICS = (
    f"MATCH (st:Statistic) WHERE {recorded('st')} "
    f"OPTIONAL MATCH (st)-[r:ABOUT]->(x) WHERE {all_recorded('r', 'x')} "
    "RETURN properties(st) AS st, collect({role: r.role, code: x.code, id: x.id}) AS about"
)


def _matching(store: Store, f: Filters, as_of: str | None = None) -> list[dict[str, Any]]:
    # The clauses are chosen by which filters are set; the values are parameters.
    parts = [f"MATCH (i:Incident) WHERE {recorded('i')}"]
    if f.origin:
        parts.append(
            "MATCH (i)-[ro:ORIGIN_STATE]->(o:State) WHERE (o.code = $origin OR "
            f"o.id = $origin) AND {all_recorded('ro', 'o')}"
        )
    if f.host:
        parts.append(
            "MATCH (i)-[rh:HOST_STATE]->(h:State) WHERE (h.code = $host OR "
            f"h.id = $host) AND {all_recorded('rh', 'h')}"
        )
    if f.tactic:
        parts.append(
            "MATCH (i)-[ru:USED_TACTIC]->(u:Tactic) WHERE "
            f"{all_recorded('ru', 'u')} MATCH sp = (u)-[:SUBTYPE_OF*0..4]->(t:Tactic) "
            f"WHERE t.code = $tactic AND {path_recorded('sp')}"
        )
    parts.append("RETURN DISTINCT i.id AS id, i.year AS year, i.date AS date, i.source_ids AS src")
    return store.read(
        " ".join(parts),
        origin=(f.origin or "").upper() if f.origin and len(f.origin) == 2 else f.origin,
        host=(f.host or "").upper() if f.host and len(f.host) == 2 else f.host,
        tactic=f.tactic,
        as_of=as_of,
    )


def _wanted(f: Filters) -> list[tuple[str, str]]:
    return [
        (role, value)
        for role, value in (("origin", f.origin), ("host", f.host), ("tactic", f.tactic))
        if value
    ]


def stated_figures(
    store: Store, filters: Filters | None = None, as_of: str | None = None
) -> list[StatedFigure]:
    """Statistic nodes ABOUT every filtered subject (with that role, or with no role);
    without filters, the figures about no particular origin, host or tactic. As the graph
    stood at the record time `as_of` (none: now)."""
    f = filters or Filters()
    as_of = check_as_of(as_of)
    sources = Sources(store)
    wanted = _wanted(f)
    out: list[StatedFigure] = []
    for row in store.read(_STATISTICS, as_of=as_of):
        about = [a for a in row["about"] if a.get("id")]
        keys = {(a.get("role"), v) for a in about for v in (a.get("code"), a.get("id")) if v}

        def has(role: str, value: str, keys: set[tuple[Any, Any]] = keys) -> bool:
            candidates = {value, value.upper()}
            return any((r, v) in keys for r in (role, None) for v in candidates)

        if wanted:
            if not all(has(role, value) for role, value in wanted):
                continue
        elif any(a.get("role") in ("origin", "host", "tactic") for a in about):
            continue
        st = row["st"]
        value = st.get("value")
        out.append(
            StatedFigure(
                id=st["id"],
                ref=st.get("ref"),
                measure=st.get("measure"),
                value=None if value is None else float(value),
                qualifier=st.get("qualifier"),
                unit=st.get("unit"),
                period_start=st.get("period_start"),
                period_end=st.get("period_end"),
                start_year=year_of(st.get("period_start")),
                end_year=year_of(st.get("period_end")),
                about=tuple(
                    sorted(
                        f"{a.get('role') or 'subject'}:{a.get('code') or a.get('id')}"
                        for a in about
                    )
                ),
                sources=sources.refs(st.get("source_ids")),
            )
        )
    out.sort(key=lambda s: (s.start_year or 0, s.id))
    return out


def incidents_per_year(
    store: Store,
    *,
    origin: str | None = None,
    host: str | None = None,
    tactic: str | None = None,
    start: int | None = None,
    end: int | None = None,
    scope: str | None = None,
    as_of: str | None = None,
) -> Trend:
    """Documented incidents per year (optionally by origin, host, tactic and year range), of
    one scope (transnational by default; "all" for every scope), as the graph stood at the
    record time `as_of` (none: now)."""
    return _trend(
        store, Filters(origin, host, tactic), start, end, check_scope(scope), check_as_of(as_of)
    )[0]


def _trend(
    store: Store,
    f: Filters,
    start: int | None,
    end: int | None,
    scope: str,
    as_of: str | None = None,
) -> tuple[Trend, dict[int, list[str]]]:
    """The trend, and the scopes of the incidents per year that its scope leaves out."""
    per_year: dict[int, list[str]] = defaultdict(list)
    out_per_year: dict[int, list[str]] = defaultdict(list)
    undated = 0
    src: list[str] = []
    rows = _matching(store, f, as_of)
    scopes = incident_scopes(store, [r["id"] for r in rows], as_of)
    out_scopes: list[str] = []
    for row in rows:
        year = year_of(row.get("year"), row.get("date"))
        if year is not None and (
            (start is not None and year < start) or (end is not None and year > end)
        ):
            continue
        of_row = scopes.get(row["id"], "unknown")
        if not in_scope(scope, of_row):
            out_scopes.append(of_row)
            if year is not None:
                out_per_year[year].append(of_row)
            continue
        if year is None:
            undated += 1
            continue
        per_year[year].append(row["id"])
        src += list(row.get("src") or ())
    years = tuple(YearCount(y, len(ids), tuple(sorted(ids))) for y, ids in sorted(per_year.items()))
    trend = Trend(
        filters=f,
        years=years,
        total=sum(y.count for y in years),
        undated=undated,
        statistics=tuple(stated_figures(store, f, as_of)),
        sources=Sources(store).refs(src),
        scope=scope,
        left_out=left_out(scope, out_scopes),
    )
    return trend, dict(out_per_year)


def _period(
    trend: Trend, start: int, end: int, out: dict[int, list[str]] | None = None
) -> PeriodCount:
    if end < start:
        raise ValueError(f"a period ends after it starts: {start}-{end}")
    ids = [i for y in trend.years if start <= y.year <= end for i in y.incident_ids]
    n_years = end - start + 1
    others = [s for y, scopes in (out or {}).items() if start <= y <= end for s in scopes]
    return PeriodCount(
        start,
        end,
        n_years,
        len(ids),
        len(ids) / n_years,
        tuple(sorted(ids)),
        left_out(trend.scope, others),
    )


def incidents_in_period(
    store: Store,
    start: int,
    end: int,
    *,
    origin: str | None = None,
    host: str | None = None,
    tactic: str | None = None,
    scope: str | None = None,
    as_of: str | None = None,
) -> PeriodCount:
    """Incidents in the years start..end (inclusive) and their yearly average (as the graph
    stood at the record time `as_of`; none: now)."""
    trend, out = _trend(
        store, Filters(origin, host, tactic), None, None, check_scope(scope), check_as_of(as_of)
    )
    return _period(trend, start, end, out)


def compare_periods(
    store: Store,
    first: tuple[int, int],
    second: tuple[int, int],
    *,
    origin: str | None = None,
    host: str | None = None,
    tactic: str | None = None,
    scope: str | None = None,
    as_of: str | None = None,
) -> PeriodComparison:
    """Two periods side by side (e.g. 2014-2021 vs 2022-2024): counts, yearly averages, ratios,
    of one scope (transnational by default); each period says what it left out. As the graph
    stood at the record time `as_of` (none: now)."""
    trend, out = _trend(
        store, Filters(origin, host, tactic), None, None, check_scope(scope), check_as_of(as_of)
    )
    a, b = _period(trend, *first, out), _period(trend, *second, out)
    ratio = b.per_year / a.per_year if a.per_year else None
    ids = set(a.incident_ids) | set(b.incident_ids)
    # The trend's sources cover all years; keep those of incidents in the two periods.
    rows = store.read(
        "MATCH (i:Incident) WHERE i.id IN $ids RETURN i.source_ids AS src", ids=sorted(ids)
    )
    return PeriodComparison(
        filters=trend.filters,
        first=a,
        second=b,
        ratio=ratio,
        count_ratio=b.count / a.count if a.count else None,
        change_percent=None if ratio is None else (ratio - 1.0) * 100.0,
        statistics=trend.statistics,
        sources=Sources(store).refs(*(r["src"] for r in rows)),
        scope=trend.scope,
    )
