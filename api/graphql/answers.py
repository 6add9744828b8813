"""What the analytical fields share: the scope and asOf arguments, and running a question.

A resolver calls its function in `queries/` through `run`, in a worker thread (the
store's driver blocks), and hands the result through graph/visibility.py for the
caller's role (`ResultView`) before it leaves.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from graph.store import QueryTimeout, StoreError
from queries.common import check_as_of

from .context import Context
from .errors import PublicError, TimedOut, Unavailable

T = TypeVar("T")


@strawberry.enum(
    description="Which incidents an analytical answer counts: transnational "
    "(the target was outside the origin state; the default), domestic, unknown "
    "(the source gives no place or no origin), or all. The answer counts the "
    "other scopes apart, in `leftOut`."
)
class IncidentScope(enum.Enum):
    TRANSNATIONAL = "transnational"
    DOMESTIC = "domestic"
    UNKNOWN = "unknown"
    ALL = "all"


# -- running queries/ ---------------------------------------------------------------------
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]")


def unechoed(message: str) -> str:
    """A message from `queries/` without what it quotes of the client's input: an error
    never repeats a name or id, so it reads the same whether or not the graph holds it."""
    return _QUOTED.sub("…", message)


async def run(info: Info[Context, None], fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(store, *args, **kwargs)` in a worker thread; its ValueError/LookupError are the
    client's mistakes and go out as written."""
    store = info.context.store
    if store is None:
        raise Unavailable()
    try:
        return await run_in_threadpool(fn, store, *args, **kwargs)
    except StoreError as exc:
        raise Unavailable() from exc
    except QueryTimeout:
        raise TimedOut() from None
    except KeyError:
        raise
    except (ValueError, LookupError) as exc:
        raise PublicError(unechoed(str(exc))) from None


# -- the graph as of a record time --------------------------------------------------------
AS_OF_HELP = (
    "A record time (UTC ISO 8601: a date such as 2026-12-01, meaning 00:00 UTC that "
    "day, or a time such as 2026-12-01T09:30:00Z): the answer as the graph stood "
    "then, from the nodes and relations recorded by then. None: now."
)
AsOf = Annotated[str | None, strawberry.argument(description=AS_OF_HELP)]


def as_of_argument(value: str | None) -> str | None:
    """The `asOf` argument at full precision, or a PublicError naming it."""
    try:
        return check_as_of(value, "asOf")
    except ValueError as exc:
        raise PublicError(str(exc)) from None


# -- what the role may see ----------------------------------------------------------------
class ResultView:
    """A result of `queries/` as the caller's role sees it (`View.apply`)."""

    def __init__(self, ctx: Context) -> None:
        self.view = ctx.view

    async def prepare(self, result: Any) -> ResultView:
        return self  # everything it needs is in the view (read once per request)

    def apply(self, obj: Any) -> Any:
        return self.view.apply(obj)
