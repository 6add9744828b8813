"""`tnr review`: read, decide, export and import entity-resolution decisions."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from cli.common import console, fail, open_store
from graph.decisions import JUDGEMENTS
from graph.resolve import record_decision
from graph.review import ReviewGroup, export_rows, import_rows, review_queue
from graph.settings import Settings
from graph.store import Store

app = typer.Typer(
    help="Review entity-resolution decisions (MergeDecision nodes).", no_args_is_help=True
)


def _open() -> Store:
    return open_store(Settings.from_env())


@app.command("list")
def list_(
    type_: Annotated[str | None, typer.Option("--type", help="node type, e.g. Vendor")] = None,
    judgement: Annotated[str, typer.Option(help="match, no-match, unsure or all")] = "unsure",
    groups: Annotated[int, typer.Option(help="unsure: how many groups to show")] = 20,
) -> None:
    """Decisions with both names, score and method. By default the review queue: the unsure
    decisions, grouped by the nodes they connect, the group closest to a match first."""
    store = _open()
    try:
        if judgement == "unsure":
            queue = review_queue(store, type_)
            counts = store.counts()
            _print_queue(queue, counts, (type_,) if type_ else store.schema.matchable, groups)
            return
        rows = export_rows(store, type_, None if judgement == "all" else judgement)
    finally:
        store.close()
    table = Table(title=f"decisions ({judgement})")
    for col in (
        "type",
        "left",
        "left name",
        "right",
        "right name",
        "judgement",
        "score",
        "method",
        "by",
    ):
        table.add_column(col)
    for r in rows:
        score = "" if r["score"] is None else f"{r['score']:.2f}"
        table.add_row(
            r["node_type"],
            r["left"],
            r["left_name"] or "(merged)",
            r["right"],
            r["right_name"] or "(merged)",
            r["judgement"],
            score,
            r["method"],
            r["decided_by"],
        )
    console.print(table)


def _print_queue(
    queue: list[ReviewGroup], counts: dict[str, int], types: tuple[str, ...], limit: int
) -> None:
    """The queue; `types`: those reviewed (--type, else the schema's matchable types)."""
    pending = sum(len(g.decisions) for g in queue)
    nodes = sum(counts.get(t, 0) for t in types)
    per_k = 1000 * pending / nodes if nodes else 0.0
    console.print(
        f"{pending} unsure decisions in {len(queue)} groups over {nodes} nodes "
        f"({per_k:.1f} per 1,000 nodes); showing {min(limit, len(queue))} groups, "
        "closest to a match first. Decide with `tnr review decide LEFT RIGHT match|no-match`."
    )
    for number, g in enumerate(queue[:limit], 1):
        table = Table(title=f"{number}. {g.node_type}: {len(g.ids)} nodes, best {g.best:.2f}")
        for col in ("left", "left name", "right", "right name", "score", "method"):
            table.add_column(col)
        for d in g.decisions:
            table.add_row(
                d.left,
                g.names[d.left],
                d.right,
                g.names[d.right],
                f"{d.score or 0.0:.2f}",
                d.method,
            )
        console.print(table)


@app.command()
def decide(
    left: Annotated[str, typer.Argument(help="id of one node")],
    right: Annotated[str, typer.Argument(help="id of the other node (same type)")],
    judgement: Annotated[str, typer.Argument(help="match or no-match")],
    by: Annotated[str, typer.Option(help="reviewer name")] = "",
) -> None:
    """Record a reviewer's decision; it overrides the resolver's and is applied now and on every re-load."""
    if judgement not in ("match", "no-match"):
        raise fail("the judgement is match or no-match")
    store = _open()
    try:
        d = record_decision(store, left, right, judgement, by or f"reviewer:{getpass.getuser()}")
    except (ValueError, KeyError) as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    console.print(f"{d.node_type} {d.left} ~ {d.right}: {d.judgement} (by {d.decided_by})")


@app.command("export")
def export(file: Annotated[Path, typer.Argument(help="YAML file to write")]) -> None:
    """Write every decision to a YAML file, for review in git."""
    store = _open()
    try:
        rows = export_rows(store)
    finally:
        store.close()
    with file.open("w", encoding="utf-8") as fh:
        yaml.safe_dump({"decisions": rows}, fh, allow_unicode=True, sort_keys=False)
    console.print(f"{len(rows)} decisions written to {file}")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="YAML file written by `tnr review export`")],
) -> None:
    """Read decisions from a YAML file and apply them (a reviewer's decision wins)."""
    with file.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    rows = data.get("decisions", []) if isinstance(data, dict) else []
    bad = [r for r in rows if not isinstance(r, dict) or r.get("judgement") not in JUDGEMENTS]
    if bad:
        raise fail(
            f"{file}: {len(bad)} decisions without a valid judgement ({', '.join(JUDGEMENTS)})"
        )
    store = _open()
    try:
        n = import_rows(store, rows)
    except (ValueError, KeyError) as exc:
        raise fail(f"{file}: {exc}") from None
    finally:
        store.close()
    console.print(f"{n} decisions imported from {file} and applied")
