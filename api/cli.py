"""The `tnr` command line: serve, load, status, reset."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.brief_cli import brief_app
from api.export_cli import export_app
from api.query_cli import query_app
from api.review import app as review_app
from graph.settings import Settings
from graph.store import Store, StoreError
from graph.writer import Summary, Writer

app = typer.Typer(
    help="tnr-graph: a knowledge graph of transnational repression and the surveillance trade.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(query_app, name="query")
app.add_typer(review_app, name="review")
app.add_typer(brief_app, name="brief")
app.add_typer(export_app, name="export")
console = Console(stderr=True)

PROJECT_DIR = Path(__file__).resolve().parent.parent
BUNDLED = PROJECT_DIR / "data" / "curated"


def fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def open_store(settings: Settings) -> Store:
    where = settings.neo4j_uri if settings.uses_neo4j else f"embedded engine ({settings.engine_dir})"
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


def run_load(
    store: Store, settings: Settings, fmt: str, path: Path, *, resolve: bool = True,
    facts: dict[str, str] | None = None,
) -> Summary:  # fmt: skip
    """Load `path` with the loader `fmt`; `facts` are file-level facts the caller states
    (--product, --vendor), passed to loaders that take them."""
    from loaders import registry

    loaders = registry()
    if fmt not in loaders:
        raise fail(f"no loader named {fmt!r}; `tnr load --list` shows them")
    if not path.exists():
        raise fail(f"{path} does not exist")
    spec = loaders[fmt]
    given = {k: v for k, v in (facts or {}).items() if v}
    unknown = sorted(set(given) - set(spec.options))
    if unknown:
        takes = ", ".join(f"--{o}" for o in spec.options) or "no such option"
        raise fail(f"the loader {fmt!r} does not take --{', --'.join(unknown)} "
                   f"(it takes: {takes})")  # fmt: skip
    with Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
        TextColumn("{task.completed} records"), TimeElapsedColumn(), console=console,
        transient=False,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"{fmt}: {path.name}", total=None)
        writer = Writer(
            store, batch_size=settings.batch_size, origin=str(path),
            progress=lambda n: bar.advance(task, n), report_dir=settings.reports_dir,
            dataset=f"{fmt}:{path.name}", complete=True,
        )  # fmt: skip
        try:
            summary = writer.write(spec.parse(path, **given))  # type: ignore[call-arg]
        except StoreError as exc:
            raise fail(str(exc)) from None
    print_summary(f"{fmt}: {path}", summary)
    if summary.lost:
        console.print(f"  {summary.lost} facts this file stated before are no longer in it: "
                      "kept, marked no longer confirmed by it (tnr changes)")  # fmt: skip
    if resolve:
        run_resolve(store, settings, summary.changed)
    else:  # the next load that resolves takes these nodes up (graph/resolve.py ResolveIndex)
        from graph.resolve import ResolveIndex, index_path

        index = ResolveIndex(index_path(settings))
        index.mark_pending(summary.changed)
        index.save()
    return summary


def run_resolve(store: Store, settings: Settings, changed: dict[str, set[str]]) -> None:
    """Entity resolution after a load: the nodes the load created or changed, and those the
    resolve index does not know yet, against the whole store (graph/resolve.py)."""
    from graph.resolve import ResolveIndex, index_path, resolve_store

    with console.status("Resolving entities ..."):
        report = resolve_store(store, changed=changed, index=ResolveIndex(index_path(settings)))
    for t in report.types:
        per_k = 1000 * t.unsure / t.nodes if t.nodes else 0.0
        console.print(f"  resolve {t.node_type}: {t.focus} of {t.nodes} nodes resolved, "
                      f"{t.pairs_compared} pairs compared, {t.merged} merged, {t.unsure} unsure "
                      f"({per_k:.1f} per 1,000 nodes; tnr review list)")  # fmt: skip


def bundled_paths() -> Iterator[tuple[str, Path]]:
    """The bundled, cited dataset that `tnr serve` loads into an empty store."""
    if BUNDLED.is_dir():
        yield "curated", BUNDLED


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to bind (keep 127.0.0.1 unless behind a proxy)")] = "",
    port: Annotated[int, typer.Option(help="port to listen on")] = 0,
) -> None:
    """Run the API (embedded engine unless NEO4J_URI is set); loads the bundled data into an empty store."""
    import uvicorn

    from api.app import create_app

    settings = Settings.from_env()
    store = open_store(settings)
    try:
        if store.node_count() == 0:
            console.print("The store is empty: loading the bundled dataset first.")
            for fmt, path in bundled_paths():
                run_load(store, settings, fmt, path)
        application = create_app(settings, store=store)
        bind_host, bind_port = host or settings.host, port or settings.port
        console.print(f"Serving on http://{bind_host}:{bind_port} (health: /health). Ctrl-C stops.")
        uvicorn.run(application, host=bind_host, port=bind_port, log_level=settings.log_level)
    finally:
        store.close()


@app.command()
def load(
    fmt: Annotated[str, typer.Argument(help="loader name (see --list)")] = "",
    path: Annotated[Path | None, typer.Argument(help="file or folder to load")] = None,
    list_: Annotated[bool, typer.Option("--list", help="list the loaders")] = False,
    no_resolve: Annotated[bool, typer.Option("--no-resolve", help="skip resolution")] = False,
    product: Annotated[str, typer.Option(help="the product every record of the file is about, "
                                         "when the file does not say (spyware-victims)")] = "",
    vendor: Annotated[str, typer.Option(help="the vendor, when the file does not say "
                                        "(spyware-victims, finfisher-customers)")] = "",
) -> None:
    """Load a file into the graph through the shared writer."""
    from loaders import registry

    if list_ or not fmt:
        table = Table(title="loaders (tnr load NAME PATH)")
        table.add_column("name")
        table.add_column("reads")
        for spec in registry().values():
            table.add_row(spec.name, spec.description)
        console.print(table)
        return
    if path is None:
        raise fail("give the path of the file to load: tnr load NAME PATH")
    settings = Settings.from_env()
    store = open_store(settings)
    try:
        summary = run_load(store, settings, fmt, path, resolve=not no_resolve,
                           facts={"product": product, "vendor": vendor})  # fmt: skip
    finally:
        store.close()
    if summary.total("created") + summary.total("updated") + summary.total("unchanged") == 0:
        raise typer.Exit(1)


@app.command()
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


@app.command()
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


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
