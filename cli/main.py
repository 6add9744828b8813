"""The `tnr` command line: the root app, which registers every command group."""

from __future__ import annotations

import logging
import sys

import typer

from cli.admin import reset, status
from cli.brief import brief_app
from cli.changes import changes
from cli.common import console
from cli.export import export_app
from cli.load import load
from cli.query import query_app
from cli.review import app as review_app
from cli.serve import serve
from cli.watch import watch_app

app = typer.Typer(
    help="tnr-graph: a knowledge graph of transnational repression and the surveillance trade.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve)
app.command()(load)
app.command()(status)
app.command()(reset)
app.command()(changes)
app.add_typer(query_app, name="query")
app.add_typer(review_app, name="review")
app.add_typer(brief_app, name="brief")
app.add_typer(export_app, name="export")
app.add_typer(watch_app, name="watch")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
