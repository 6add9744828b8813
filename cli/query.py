"""`tnr query <name>`: ask one of the queries of queries/ and print a table or JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.common import open_store
from graph.settings import Settings
from graph.store import Store
from queries.common import NodeRef, SourceRef, check_as_of
from queries.coverage import sanctions_coverage
from queries.hosts import host_collaboration
from queries.licences import licences_to_tnr_states
from queries.neighbourhood import neighbourhood
from queries.network import subgraph
from queries.paths import shortest_path
from queries.search import search
from queries.trends import compare_periods, incidents_per_year
from queries.vendor_chains import vendor_chains

query_app = typer.Typer(help="Ask the graph one of its defined questions.", no_args_is_help=True)
out = Console()  # results, on stdout; messages go to cli.common.console (stderr)

#: Fields a table leaves to --json: ids, provenance and nested detail.
HIDDEN_COLUMNS = frozenset(
    {
        "id",
        "properties",
        "sources",
        "hops",
        "designations",
        "type",
        "incident_list",
        "licences",
        "statistics",
        "value_by_currency",
    }
)

Json = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
Scope = Annotated[
    str,
    typer.Option(
        help="which incidents count: transnational (default), domestic, unknown or all; the others are counted apart"
    ),
]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="a record time (UTC ISO 8601: 2026-12-01 is 00:00 UTC that day, or 2026-12-01T09:30:00Z): the answer as the graph stood then",
    ),
]


def _as_of(value: str | None) -> str | None:
    """--as-of at full precision, or a usage error naming it."""
    try:
        return check_as_of(value, "--as-of")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@contextmanager
def _store() -> Iterator[Store]:
    store = open_store(Settings.from_env())
    try:
        yield store
    finally:
        store.close()


def _cell(value: Any) -> str | None:
    """A short text for a table cell, or None for values too nested to show."""
    if value is None:
        return ""
    if isinstance(value, NodeRef):
        return value.label or value.id
    if isinstance(value, SourceRef):
        return value.title or value.id
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, str | int | bool):
        return str(value)
    if isinstance(value, tuple | list):
        if not value:
            return ""
        if all(isinstance(v, str | int | float) for v in value):
            text = ", ".join(str(v) for v in value)
            return text if len(text) <= 60 else text[:57] + "..."
        names = [_short(v) for v in value]
        if all(names):
            text = ", ".join(str(n) for n in names)
            return text if len(text) <= 60 else text[:57] + "..."
        return f"({len(value)})"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items()) if len(value) < 4 else None
    return None


def _short(item: Any) -> str | None:
    """The code, label or title of a dataclass item (a regime, a node), if it has one."""
    for attr in ("code", "label", "title"):
        value = getattr(item, attr, None)
        if isinstance(value, str) and value:
            return value
    return None


def _rows(result: Any) -> list[Any]:
    if isinstance(result, list | tuple):
        return list(result)
    for name in ("groups", "years", "nodes"):
        if dataclasses.is_dataclass(result) and hasattr(result, name):
            return list(getattr(result, name))
    return [result]


def emit(title: str, result: Any, as_json: bool) -> None:
    """Print a query result as JSON or as a table of its rows' short fields."""
    if as_json:
        data = (
            [dataclasses.asdict(r) for r in result]
            if isinstance(result, list)
            else dataclasses.asdict(result)
        )
        out.print_json(json.dumps(data, default=str, ensure_ascii=False))
        return
    rows = _rows(result)
    if not rows:
        out.print(f"{title}: nothing found")
        return
    if not dataclasses.is_dataclass(rows[0]):
        out.print(rows)
        return
    names = [f.name for f in dataclasses.fields(rows[0]) if f.name not in HIDDEN_COLUMNS]
    names = [n for n in names if not n.endswith("_ids")]
    names = [n for n in names if any(_cell(getattr(r, n)) for r in rows)]
    cited = any(getattr(r, "sources", None) for r in rows)
    table = Table(title=title, caption="--json gives every field, ids and sources")
    for name in names:
        table.add_column(name.replace("_", " "), overflow="fold")
    if cited:
        table.add_column("sources", justify="right")
    for r in rows:
        cells = [(_cell(getattr(r, n)) or "") for n in names]
        if cited:
            cells.append(str(len(getattr(r, "sources", None) or ())))
        table.add_row(*cells)
    out.print(table)
    if not isinstance(result, list | tuple) and dataclasses.is_dataclass(result):
        extra = {
            f.name: _cell(getattr(result, f.name))
            for f in dataclasses.fields(result)
            if f.name not in ("groups", "years", "nodes", "edges")
        }
        out.print("  ".join(f"[bold]{k}[/]: {v}" for k, v in extra.items() if v))


def _period(text: str) -> tuple[int, int]:
    try:
        a, _, b = text.partition("-")
        return int(a), int(b or a)
    except ValueError:
        raise typer.BadParameter(f"a period is YEAR or YEAR-YEAR, got {text!r}") from None


def _run(title: str, as_json: bool, ask: Callable[[Store], Any]) -> None:
    with _store() as store:
        try:
            result = ask(store)
        except (ValueError, LookupError) as exc:
            raise typer.BadParameter(str(exc)) from None
    emit(title, result, as_json)


@query_app.command("vendor-chains")
def vendor_chains_cmd(
    vendor: Annotated[str | None, typer.Option(help="vendor id, name or alias")] = None,
    product: Annotated[str | None, typer.Option(help="product id, name or alias")] = None,
    state: Annotated[str | None, typer.Option(help="customer state (id, ISO code or name)")] = None,
    agency: Annotated[str | None, typer.Option(help="customer agency (id or name)")] = None,
    limit: Annotated[
        int | None, typer.Option(help="at most this many chains (default: all)")
    ] = None,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Vendor -> product -> customer -> incidents, with the sources of every hop."""
    when = _as_of(as_of)
    _run(
        "vendor chains",
        as_json,
        lambda s: vendor_chains(
            s, vendor=vendor, product=product, state=state, agency=agency, limit=limit, as_of=when
        ),
    )


@query_app.command("coverage")
def coverage_cmd(
    by: Annotated[str, typer.Option(help="tactic, origin, host or perpetrator")] = "origin",
    scope: Scope = "transnational",
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Sanctions coverage of perpetrators, and the gaps."""
    when = _as_of(as_of)
    _run(
        f"sanctions coverage by {by} ({scope} incidents)",
        as_json,
        lambda s: sanctions_coverage(s, by, scope, when),  # type: ignore[arg-type]
    )


@query_app.command("hosts")
def hosts_cmd(
    origin: Annotated[str | None, typer.Option(help="origin state (ISO code or id)")] = None,
    host: Annotated[str | None, typer.Option(help="host state (ISO code or id)")] = None,
    limit: int = 100,
    scope: Scope = "transnational",
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Host states whose authorities acted for an origin state."""
    when = _as_of(as_of)
    _run(
        f"host-state collaboration ({scope} incidents)",
        as_json,
        lambda s: host_collaboration(
            s, origin=origin, host=host, limit=limit, scope=scope, as_of=when
        ),
    )


@query_app.command("trends")
def trends_cmd(
    origin: Annotated[str | None, typer.Option(help="origin state (ISO code or id)")] = None,
    host: Annotated[str | None, typer.Option(help="host state (ISO code or id)")] = None,
    tactic: Annotated[str | None, typer.Option(help="tactic code")] = None,
    start: int | None = None,
    end: int | None = None,
    scope: Scope = "transnational",
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Incidents per year, beside the figures the sources state."""
    when = _as_of(as_of)
    _run(
        f"incidents per year ({scope} incidents)",
        as_json,
        lambda s: incidents_per_year(
            s,
            origin=origin,
            host=host,
            tactic=tactic,
            start=start,
            end=end,
            scope=scope,
            as_of=when,
        ),
    )


@query_app.command("compare-periods")
def compare_cmd(
    first: Annotated[str, typer.Argument(help="e.g. 2014-2021")],
    second: Annotated[str, typer.Argument(help="e.g. 2022-2024")],
    origin: Annotated[str | None, typer.Option(help="origin state (ISO code or id)")] = None,
    host: Annotated[str | None, typer.Option(help="host state (ISO code or id)")] = None,
    tactic: Annotated[str | None, typer.Option(help="tactic code")] = None,
    scope: Scope = "transnational",
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Two periods side by side: counts, yearly averages and their ratio."""
    a, b = _period(first), _period(second)
    when = _as_of(as_of)
    with _store() as store:
        try:
            result = compare_periods(
                store, a, b, origin=origin, host=host, tactic=tactic, scope=scope, as_of=when
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    if as_json:
        emit("", result, True)
        return
    emit(f"{first} vs {second}", [result.first, result.second], False)
    ratio = "n/a" if result.ratio is None else f"{result.ratio:.2f}"
    out.print(f"yearly average ratio (second / first): {ratio}")
    if result.statistics:
        emit("figures stated by the sources", list(result.statistics), False)


@query_app.command("licences")
def licences_cmd(
    exporter: Annotated[str | None, typer.Option(help="exporting state (ISO code or id)")] = None,
    control_prefix: Annotated[
        str | None, typer.Option(help="control code prefix, e.g. 5A001")
    ] = None,
    year_from: int | None = None,
    year_to: int | None = None,
    decision: Annotated[str | None, typer.Option(help="granted or refused")] = None,
    min_value: float | None = None,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Export licences to origin states of TNR and to spyware operators, by destination."""
    when = _as_of(as_of)
    _run(
        "licences to TNR states",
        as_json,
        lambda s: licences_to_tnr_states(
            s,
            exporter=exporter,
            control_prefix=control_prefix,
            year_from=year_from,
            year_to=year_to,
            decision=decision,
            min_value=min_value,
            as_of=when,
        ),
    )


@query_app.command("neighbourhood")
def neighbourhood_cmd(
    node_id: Annotated[str, typer.Argument(help="node id")],
    depth: int = 1,
    type_: Annotated[
        list[str] | None, typer.Option("--type", help="keep only these node types")
    ] = None,
    start: int | None = None,
    end: int | None = None,
    limit: int = 300,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """The nodes around one node (depth 1 to 3)."""
    when = _as_of(as_of)
    _run(
        "neighbourhood",
        as_json,
        lambda s: neighbourhood(
            s, node_id, depth=depth, types=type_, start=start, end=end, limit=limit, as_of=when
        ),
    )


@query_app.command("shortest-path")
def shortest_path_cmd(
    source_id: str,
    target_id: str,
    max_length: int = 6,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """The shortest chain of relations between two nodes."""
    when = _as_of(as_of)
    _run(
        "shortest path",
        as_json,
        lambda s: shortest_path(s, source_id, target_id, max_length, as_of=when),
    )


@query_app.command("subgraph")
def subgraph_cmd(ids: list[str], as_of: AsOf = None, as_json: Json = False) -> None:
    """These nodes and the relations among them."""
    when = _as_of(as_of)
    _run("subgraph", as_json, lambda s: subgraph(s, ids, as_of=when))


@query_app.command("search")
def search_cmd(
    text: str,
    type_: Annotated[list[str] | None, typer.Option("--type", help="only these node types")] = None,
    limit: int = 20,
    as_json: Json = False,
) -> None:
    """Fuzzy, cross-script search of names and aliases."""
    _run(f"search: {text}", as_json, lambda s: search(s, text, types=type_, limit=limit))
