"""What every `tnr` command shares: the console, errors that speak to a person, the store."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from graph.settings import Settings
from graph.store import Store, StoreError
from graph.writer import Summary

#: Messages, progress and tables for a person (stderr); results a program reads go to stdout.
console = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def open_store(settings: Settings) -> Store:
    where = (
        settings.neo4j_uri if settings.uses_neo4j else f"embedded engine ({settings.engine_dir})"
    )
    with console.status(f"Opening the graph store: {where} ..."):
        try:
            store = Store.open(settings)
            store.ensure_schema()
        except StoreError as exc:
            hint = (
                "check NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD"
                if settings.uses_neo4j
                else "see the engine log named above; TNR_DATA_DIR moves the data directory"
            )
            raise fail(f"{exc}\n  ({hint})") from None
    return store


def print_summary(title: str, summary: Summary) -> None:
    table = Table(title=title, show_lines=False)
    for col in ("type", "created", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="left" if col == "type" else "right")
    for row in summary.as_rows():
        table.add_row(*(str(v) for v in row))
    console.print(table)
    if summary.rejects:
        for r in summary.rejects[:5]:
            console.print(f"  [yellow]rejected[/] {r}")
        more = len(summary.rejects) - 5
        if more > 0:
            console.print(f"  ... and {more} more")
        if summary.report_path:
            console.print(f"  every rejected record is listed in {summary.report_path}")
