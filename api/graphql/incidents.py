"""The fields that count incidents: per year, two periods, stated figures, host collaboration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry
from strawberry.types import Info

from queries import hosts, trends

from .answers import AsOf, IncidentScope, ResultView, as_of_argument, run
from .context import Context
from .errors import PublicError

if TYPE_CHECKING:  # the generated types are classes at run time, `Any` for mypy
    HostCollaboration: TypeAlias = Any
    IncidentTrend: TypeAlias = Any
    PeriodComparison: TypeAlias = Any
    StatedFigure: TypeAlias = Any
else:
    from .results import HostCollaboration, IncidentTrend, PeriodComparison, StatedFigure

MAX_HOSTS = 500


@strawberry.input(description="Years start..end, both included.")
class YearRange:
    start: int
    end: int


@strawberry.field(
    description="Host states whose authorities acted for an origin state "
    "(origin and host: ISO code or State id)."
)  # type: ignore[untyped-decorator]
async def host_collaboration(
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
