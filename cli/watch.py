"""`tnr watch add|list|check|notifications|remove|deliver`: saved questions and what changed.

The command line owns its watches as `cli` with the admin role (whoever runs it holds the
store), and, as `tnr export` does, evaluates them as `public` unless told `--role analyst`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.auth import CLI_OWNER
from cli.common import console, fail, open_store
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role

watch_app = typer.Typer(
    help="Watches: saved questions re-asked after each load, and what changed in their answers.",
    no_args_is_help=True,
)
out = Console()  # results, on stdout
OWNER = CLI_OWNER  # what the command line saves is the operator's

Json = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


class WatchRole(StrEnum):
    public = "public"
    analyst = "analyst"


@contextmanager
def _store() -> Iterator[Store]:
    store = open_store(Settings.from_env())
    try:
        yield store
    finally:
        from api.webhooks import wait

        wait()
        store.close()


def _query_text(given: str) -> str:
    path = Path(given)
    try:
        if len(given) < 4096 and path.is_file():
            return path.read_text(encoding="utf-8")
    except OSError:
        pass
    return given


@watch_app.command()
def add(
    name: Annotated[str, typer.Argument(help="the watch's name")],
    query: Annotated[str, typer.Option("--query", help="a GraphQL query, or a file holding one")],
    variables: Annotated[str, typer.Option(help="its variables, as a JSON object")] = "",
    role: Annotated[
        WatchRole, typer.Option(help="who the answer is for: public redacts people at risk")
    ] = WatchRole.public,
    webhook: Annotated[str, typer.Option(help="POST each notification here (signed)")] = "",
    digest: Annotated[bool, typer.Option(help="one delivery per UTC day")] = False,
) -> None:
    """Save a watch (or replace the one of that name): checked now, then after each load."""
    from api.graphql import build_schema
    from api.graphql.watching import WatchRefused, save
    from graph.watches import Watch

    try:
        values = json.loads(variables) if variables else {}
    except json.JSONDecodeError as exc:
        raise fail(f"--variables is not JSON: {exc}") from None
    watch = Watch(
        owner=OWNER,
        name=name,
        role=Role.parse(role.value),
        query=_query_text(query),
        variables=values,
        owner_role=Role.ADMIN,
        webhook=webhook or None,
        digest=digest,
    )
    with _store() as store:
        try:
            saved = save(store, watch, build_schema())
        except WatchRefused as exc:
            raise fail(f"the watch was not saved: {exc}") from None
    console.print(
        f"watch {saved.name!r} saved ({saved.role.name.lower()}); its answer is kept "
        "and compared after each load"
    )
    if saved.webhook:
        console.print(
            f"webhook secret (shown once; X-TNR-Signature is sha256=HMAC of the body "
            f"with it): {saved.secret}"
        )


@watch_app.command("list")
def list_(as_json: Json = False) -> None:
    """Every watch, with when it was last checked and its last error."""
    from graph.watches import list_watches

    with _store() as store:
        found = list_watches(store)
    if as_json:
        out.print_json(
            json.dumps([{k: v for k, v in w.props().items() if k != "last_answer"} for w in found])
        )
        return
    table = Table(title=f"{len(found)} watches")
    for col in ("name", "owner", "role", "webhook", "digest", "last checked", "last error"):
        table.add_column(col)
    for w in found:
        table.add_row(
            w.name,
            w.owner,
            w.role.name.lower(),
            w.webhook or "",
            "yes" if w.digest else "",
            w.last_checked,
            w.last_error or "",
        )
    out.print(table)


@watch_app.command()
def check(as_json: Json = False) -> None:
    """Evaluate every watch now; record and deliver a notification for each changed answer."""
    from api.graphql import build_schema
    from api.graphql.watching import check_watches
    from api.webhooks import in_background

    with _store() as store:
        done = check_watches(store, build_schema)
        in_background(store)
    fired = [c for c in done if c.notification is not None]
    if as_json:
        out.print_json(
            json.dumps([c.notification.payload() for c in fired if c.notification is not None])
        )
        return
    for c in done:
        if c.error:
            console.print(f"[yellow]{c.watch.name}[/]: {c.error}")
        elif c.notification is not None:
            console.print(f"[bold]{c.notification.summary}[/]")
    console.print(f"{len(done)} watches checked, {len(fired)} notifications")


@watch_app.command()
def notifications(
    name: Annotated[str | None, typer.Argument(help="only this watch's")] = None,
    first: Annotated[int, typer.Option(help="how many, newest first")] = 20,
    as_json: Json = False,
) -> None:
    """Notifications, newest first: what changed and the cited facts behind it."""
    from graph.watches import get_watch, list_notifications

    with _store() as store:
        ids = None
        if name is not None:
            found = get_watch(store, None, name)
            if found is None:
                raise fail(f"no watch named {name!r}")
            ids = [found.id]
        got = list_notifications(store, ids, first)
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        **n.payload(),
                        "status": n.status,
                        "attempts": n.attempts,
                        "lastError": n.last_error,
                    }
                    for n in got
                ]
            )
        )
        return
    for n in got:
        out.print(
            f"[bold]{n.at}[/] {n.summary} [dim](delivery: {n.status}"
            f"{', ' + n.last_error if n.last_error else ''})[/]"
        )
        for sign, kind in (("+", "added"), ("-", "removed")):
            for row in [r for r in n.diff.get(kind, []) if "[" not in r["path"]][:10]:
                out.print(f"  {sign} {_label(row['row'])}")
        inner = [r for k in ("added", "removed") for r in n.diff.get(k, []) if "[" in r["path"]]
        if inner:
            out.print(f"  {len(inner)} details added or removed inside rows it had (--json)")
        for moved in n.diff.get("moved", [])[:10]:
            out.print(f"  ~ {moved['path']}: {moved['before']} -> {moved['after']}")
        for cause in n.causes[:10]:
            cited = "; ".join(s.get("title") or s["id"] for s in cause["sources"])
            out.print(f"    {cause['kind']} {cause['type']} {cause['label']} [dim]({cited})[/]")


def _label(row: Any) -> str:
    from api.graphql.watch_changes import row_label

    return row_label(row)


@watch_app.command()
def remove(name: Annotated[str, typer.Argument(help="the watch's name")]) -> None:
    """Remove a watch and its notifications."""
    from graph.watches import delete_watch, get_watch

    with _store() as store:
        found = get_watch(store, None, name)
        if found is None:
            raise fail(f"no watch named {name!r}")
        n = delete_watch(store, found)
    console.print(f"watch {name!r} removed, with {n} notifications")


@watch_app.command()
def deliver(
    failed: Annotated[bool, typer.Option("--failed", help="try the failed ones again too")] = False,
    digest_now: Annotated[
        bool, typer.Option("--digest-now", help="send today's digests too")
    ] = False,
) -> None:
    """Send the webhook deliveries that are due: retries, and the digests of past days."""
    from api.webhooks import deliver as send

    with _store() as store:
        report = send(store, failed=failed, digest_now=digest_now)
    for nid, error in report.failed:
        console.print(f"[yellow]{nid}[/]: {error} (kept; retried later)")
    console.print(
        f"{len(report.sent)} delivered, {len(report.failed)} failed, "
        f"{report.waiting} waiting for their digest"
    )
