"""The fields on sanctions: coverage of the perpetrators, and designations by origin state."""

from __future__ import annotations

import dataclasses
import enum
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import strawberry
from strawberry.types import Info

from graph.visibility import View
from queries import coverage, designations

from .answers import AsOf, IncidentScope, ResultView, as_of_argument, run
from .context import Context

if TYPE_CHECKING:  # the generated types are classes at run time, `Any` for mypy
    DesignationsByOrigin: TypeAlias = Any
    SanctionsCoverage: TypeAlias = Any
else:
    from .results import DesignationsByOrigin, SanctionsCoverage

T = TypeVar("T")


@strawberry.enum(description="How sanctions coverage groups incidents.")
class CoverageGrouping(enum.Enum):
    TACTIC = "tactic"
    ORIGIN = "origin"
    HOST = "host"
    PERPETRATOR = "perpetrator"


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
    description="Per origin state with documented incidents: the listings "
    "under one sanctions regime (`regime`: authority/code such as EU/HR, the "
    "regime's id or name, as the data has it) of the state's persons, agencies "
    "and organisations and of its incidents' perpetrators; which are linked to "
    "its incidents and which are not; which states have nobody designated. "
    "What it leaves out is counted (other scopes, incidents with no origin, "
    "listings tied to no state)."
)  # type: ignore[untyped-decorator]
async def designations_by_origin(
    info: Info[Context, None],
    regime: str,
    scope: IncidentScope = IncidentScope.TRANSNATIONAL,
    as_of: AsOf = None,
) -> DesignationsByOrigin:
    result = await run(
        info, designations.designations_by_origin, regime, scope.value, as_of_argument(as_of)
    )
    return withhold_hidden_parties(info.context.view.apply(result), info.context.view)
