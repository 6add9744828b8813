"""The `changes` field: what loads changed in a window of record time."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry
from strawberry.types import Info

from queries import changes as change_feed

from .answers import run
from .context import Context

if TYPE_CHECKING:  # the generated types are classes at run time, `Any` for mypy
    ChangeFeed: TypeAlias = Any
else:
    from .results import ChangeFeed


@strawberry.enum(name="ChangeKindFilter", description="Which changes the feed lists.")
class ChangeKindInput(enum.Enum):
    ADDED = "added"
    CONFIRMED = "confirmed"
    LOST = "lost"


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
