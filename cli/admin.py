"""`tnr status` and `tnr reset`: what the store holds, and wiping it."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from cli.common import console, fail, open_store
from graph.settings import Settings


def status() -> None:
    """Engine, version and the number of nodes and relations per type."""
    settings = Settings.from_env()
    store = open_store(settings)
    try:
        counts = store.counts()
        table = Table(title=f"{store.profile.name}: {store.server_version()}")
        table.add_column("type")
        table.add_column("count", justify="right")
        for name, n in counts.items():
            table.add_row(name, str(n))
        console.print(table)
        where = settings.neo4j_uri if settings.uses_neo4j else str(settings.engine_dir)
        console.print(f"store: {where}; {sum(counts[n] for n in store.schema.nodes)} nodes")
    finally:
        store.close()


def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False,
) -> None:
    """Delete everything in the graph (asks first)."""
    settings = Settings.from_env()
    store = open_store(settings)
    try:
        n = store.node_count()
        if n == 0:
            console.print("The graph is already empty.")
            return
        if not yes:
            if not sys.stdin.isatty():
                raise fail("refusing to wipe without confirmation: run `tnr reset --yes`")
            typer.confirm(f"Delete all {n} nodes and their relations?", abort=True)
        deleted = store.wipe()
        console.print(f"Deleted {deleted} nodes.")
    finally:
        store.close()
