"""`tnr load`: load a file through the shared writer, then resolve entities.

The commands import `loaders` and `graph.resolve` where they use them, as they always
have (so the bodies of `run_load` and `run_resolve` stay as they were); neither imports
`cli`, so none of these imports breaks a cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import console, fail, open_store, print_summary
from graph.settings import Settings
from graph.store import Store, StoreError
from graph.writer import Summary, Writer

PROJECT_DIR = Path(__file__).resolve().parent.parent
BUNDLED = PROJECT_DIR / "data" / "curated"
log = logging.getLogger("tnr.load")


def run_load(
    store: Store,
    settings: Settings,
    fmt: str,
    path: Path,
    *,
    resolve: bool = True,
    facts: dict[str, str] | None = None,
) -> Summary:
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
        raise fail(f"the loader {fmt!r} does not take --{', --'.join(unknown)} (it takes: {takes})")
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(f"{fmt}: {path.name}", total=None)
        writer = Writer(
            store,
            batch_size=settings.batch_size,
            origin=str(path),
            progress=lambda n: bar.advance(task, n),
            report_dir=settings.reports_dir,
            dataset=f"{fmt}:{path.name}",
            complete=True,
        )
        try:
            summary = writer.write(spec.parse(path, **given))  # type: ignore[call-arg]
        except StoreError as exc:
            raise fail(str(exc)) from None
    print_summary(f"{fmt}: {path}", summary)
    if summary.lost:
        console.print(
            f"  {summary.lost} facts this file stated before are no longer in it: "
            "kept, marked no longer confirmed by it (tnr changes)"
        )
    if resolve:
        run_resolve(store, settings, summary.changed)
    else:  # the next load that resolves takes these nodes up (graph/resolve.py ResolveIndex)
        from graph.resolve import ResolveIndex, index_path

        index = ResolveIndex(index_path(settings))
        index.mark_pending(summary.changed)
        index.save()
    run_watches(store)
    return summary


def run_watches(store: Store) -> None:
    """After a load: every watch evaluated, notifications recorded, their webhooks called in
    the background. Never fails the load: an error is logged and recorded on its watch."""
    from api.graphql import build_schema
    from api.graphql.watching import check_watches
    from api.webhooks import in_background

    try:
        done = check_watches(store, build_schema)
        if not done:
            return
        fired = [c.notification for c in done if c.notification is not None]
        for n in fired:
            console.print(f"  watch {n.summary}")
        failing = [c for c in done if c.error]
        if failing:
            console.print(
                f"  [yellow]{len(failing)} watches could not be evaluated[/] (tnr watch list)"
            )
        in_background(store)  # these, and earlier deliveries due for a retry
    except Exception as exc:  # the load itself is done and stays done
        log.warning("watches were not checked after the load: %s", exc, exc_info=True)
        console.print(f"  [yellow]watches were not checked:[/] {exc}")


def run_resolve(store: Store, settings: Settings, changed: dict[str, set[str]]) -> None:
    """Entity resolution after a load: the nodes the load created or changed, and those the
    resolve index does not know yet, against the whole store (graph/resolve.py)."""
    from graph.resolve import ResolveIndex, index_path, resolve_store

    with console.status("Resolving entities ..."):
        report = resolve_store(store, changed=changed, index=ResolveIndex(index_path(settings)))
    for t in report.types:
        per_k = 1000 * t.unsure / t.nodes if t.nodes else 0.0
        console.print(
            f"  resolve {t.node_type}: {t.focus} of {t.nodes} nodes resolved, "
            f"{t.pairs_compared} pairs compared, {t.merged} merged, {t.unsure} unsure "
            f"({per_k:.1f} per 1,000 nodes; tnr review list)"
        )


def bundled_paths() -> Iterator[tuple[str, Path]]:
    """The bundled, cited dataset that `tnr serve` loads into an empty store."""
    if BUNDLED.is_dir():
        yield "curated", BUNDLED


def load(
    fmt: Annotated[str, typer.Argument(help="loader name (see --list)")] = "",
    path: Annotated[Path | None, typer.Argument(help="file or folder to load")] = None,
    list_: Annotated[bool, typer.Option("--list", help="list the loaders")] = False,
    no_resolve: Annotated[bool, typer.Option("--no-resolve", help="skip resolution")] = False,
    product: Annotated[
        str,
        typer.Option(
            help="the product every record of the file is about, "
            "when the file does not say (spyware-victims)"
        ),
    ] = "",
    vendor: Annotated[
        str,
        typer.Option(
            help="the vendor, when the file does not say (spyware-victims, finfisher-customers)"
        ),
    ] = "",
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
        summary = run_load(
            store,
            settings,
            fmt,
            path,
            resolve=not no_resolve,
            facts={"product": product, "vendor": vendor},
        )
    finally:
        from api.webhooks import wait

        wait()  # the load is done; webhooks get a few seconds, the rest stays pending
        store.close()
    if summary.total("created") + summary.total("updated") + summary.total("unchanged") == 0:
        raise typer.Exit(1)
