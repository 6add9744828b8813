"""`tnr changes --since TIME`: what loads added, confirmed again or no longer found
(queries/changes.py), as a table or JSON."""

from __future__ import annotations

import dataclasses
import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.common import console, fail, open_store
from graph.settings import Settings
from graph.visibility import Role, view
from queries.changes import DEFAULT_KINDS, KINDS, MAX_LIMIT
from queries.changes import changes as change_feed

out = Console()  # results, on stdout


class ChangeRole(StrEnum):
    public = "public"
    analyst = "analyst"


def changes(
    since: Annotated[
        str,
        typer.Option(
            help="record time (UTC ISO 8601) after which, e.g. 2026-12-01 or 2026-12-01T09:30:00Z"
        ),
    ],
    until: Annotated[str | None, typer.Option(help="up to this record time")] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            help=f"these kinds ({', '.join(KINDS)}; repeat the option; default: "
            f"{' and '.join(DEFAULT_KINDS)})"
        ),
    ] = None,
    type_: Annotated[
        list[str] | None,
        typer.Option("--type", help="only these node or relation types (repeat the option)"),
    ] = None,
    limit: Annotated[int, typer.Option(help=f"list at most this many (0..{MAX_LIMIT})")] = 200,
    role: Annotated[
        ChangeRole,
        typer.Option(help="who it is for: public leaves out what the public may not see"),
    ] = ChangeRole.analyst,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """The change feed: the facts loads added, confirmed again or no longer found."""
    store = open_store(Settings.from_env())
    try:
        try:
            feed = change_feed(
                store,
                since,
                until,
                view=view(store, Role.parse(role.value)),
                kinds=tuple(kind or DEFAULT_KINDS),
                types=tuple(type_) if type_ else None,
                limit=limit,
            )
        except ValueError as exc:
            raise fail(str(exc)) from None
    finally:
        store.close()
    if as_json:
        out.print_json(json.dumps(dataclasses.asdict(feed), default=str))
        return
    loads = Table(title=f"{len(feed.loads)} loads since {feed.since}")
    for col in ("started", "dataset", "created", "updated", "unchanged", "lost"):
        loads.add_column(
            col, justify="right" if col in ("created", "updated", "unchanged", "lost") else "left"
        )
    for ld in feed.loads:
        loads.add_row(
            ld.started,
            ld.dataset,
            str(ld.created),
            str(ld.updated),
            str(ld.unchanged),
            str(ld.lost),
        )
    out.print(loads)
    table = Table(title=f"{feed.total} changes ({len(feed.changes)} listed)")
    for col in ("at", "kind", "type", "label", "source", "dataset"):
        table.add_column(col)
    for c in feed.changes:
        table.add_row(c.at, c.kind, c.type, c.label, c.source_id, c.dataset)
    out.print(table)
    if feed.total > len(feed.changes):
        console.print(
            f"{feed.total - len(feed.changes)} more: raise --limit, or narrow with "
            "--kind, --type, --until"
        )
