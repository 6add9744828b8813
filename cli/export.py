"""`tnr export stix|ftm|graphml|csv [--ids ...] [--role public|analyst] OUT`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, fail, open_store
from exports.view import ExportView, export_view
from graph.settings import Settings
from graph.visibility import Role

export_app = typer.Typer(
    help="Export the graph (or a subgraph) in a standard format.", no_args_is_help=True
)


class Format(StrEnum):
    stix = "stix"
    ftm = "ftm"
    graphml = "graphml"
    csv = "csv"


class ExportRole(StrEnum):
    public = "public"
    analyst = "analyst"


def write_export(fmt: Format, view: ExportView, out: Path) -> list[Path]:
    """Write `view` to `out` (a folder for csv, a file otherwise); the files written."""
    # Each format's writer is imported when asked for: exports.ftm brings followthemoney's
    # model (more than half a second), which no other command needs.
    if fmt is Format.stix:
        from exports.stix import write as write_stix

        return [write_stix(view, out)]
    if fmt is Format.ftm:
        from exports.ftm import write as write_ftm

        return [write_ftm(view, out)]
    from exports.tabular import write_csv, write_graphml

    if fmt is Format.graphml:
        return [write_graphml(view, out)]
    return list(write_csv(view, out))


IdsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ids", help="node ids of the subgraph (repeat the option); default: the whole graph"
    ),
]
RoleOption = Annotated[
    ExportRole, typer.Option(help="who the export is for: public redacts people at risk")
]


def run_export(fmt: Format, out: Path, ids: list[str] | None, role: ExportRole) -> None:
    """Open the store, export the graph (or the subgraph of `ids`) as `role` may see it."""
    settings = Settings.from_env()
    store = open_store(settings)
    try:
        try:
            view = export_view(store, ids or None, Role.parse(role.value))
        except ValueError as exc:
            raise fail(str(exc)) from None
        written = write_export(fmt, view, out)
    finally:
        store.close()
    console.print(
        f"{fmt.value}: {len(view.nodes)} nodes, {len(view.edges)} relations for role "
        f"{role.value} -> {', '.join(str(p) for p in written)}"
    )


@export_app.command()
def stix(
    out: Annotated[Path, typer.Argument(help="the bundle file to write (.json)")],
    ids: IdsOption = None,
    role: RoleOption = ExportRole.public,
) -> None:
    """A STIX 2.1 bundle."""
    run_export(Format.stix, out, ids, role)


@export_app.command()
def ftm(
    out: Annotated[Path, typer.Argument(help="the JSON lines file to write")],
    ids: IdsOption = None,
    role: RoleOption = ExportRole.public,
) -> None:
    """FollowTheMoney entities, one JSON object a line."""
    run_export(Format.ftm, out, ids, role)


@export_app.command()
def graphml(
    out: Annotated[Path, typer.Argument(help="the GraphML file to write")],
    ids: IdsOption = None,
    role: RoleOption = ExportRole.public,
) -> None:
    """GraphML, for Gephi, yEd or networkx."""
    run_export(Format.graphml, out, ids, role)


@export_app.command("csv")
def csv_(
    out: Annotated[Path, typer.Argument(help="the folder to write nodes.csv and edges.csv in")],
    ids: IdsOption = None,
    role: RoleOption = ExportRole.public,
) -> None:
    """nodes.csv and edges.csv, for spreadsheets and Gephi."""
    run_export(Format.csv, out, ids, role)
