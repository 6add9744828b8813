"""The 'scope and what is left out' block: incidents counted and left out, what is not drawn."""

from __future__ import annotations

from collections.abc import Sequence

from queries.common import ScopeCount

from .model import Section, Text, left_out_text
from .subject import Ctx
from .words import joined, quantity


def scope_count(n: int, scope: str) -> str:
    return (
        quantity(n, "incident") + " of unknown scope"
        if scope == "unknown"
        else quantity(n, f"{scope} incident")
    )


def scope_text(ctx: Ctx, what: str, left: Sequence[ScopeCount]) -> Text:
    if ctx.scope == "all":
        text = f"Scope: incidents {what} of every scope (transnational, domestic, unknown)."
    else:
        text = f"Scope: {ctx.scope} incidents {what} only."
    if left:
        text += (
            " Left out (counted apart, not in any figure): "
            + joined([scope_count(c.incidents, c.scope) for c in left])
            + " (to count them: --scope all, or the GraphQL argument scope)."
        )
    elif ctx.scope != "all":
        text += " No incident of another scope matches."
    return Text(text)


def left_out(ctx: Ctx, sections: Sequence[Section]) -> list[Text]:
    """What the briefing says it leaves out: its scope sentence, then what each network
    figure does not draw."""
    left = list(ctx.left_out)
    for s in sections:
        if s.network is not None and s.network.left_out:
            words = left_out_text(s.network.left_out, ctx.store.schema)
            left.append(
                Text(
                    f"Not drawn in the network figure: {words} "
                    "(bulk rows are counted in their own section where this briefing "
                    "covers them)."
                )
            )
    return left
