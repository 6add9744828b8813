"""Watches over GraphQL: `watches`, `notifications(watch, first)`, `saveWatch`, `deleteWatch`.

For key holders (analyst and above). A watch belongs to the key that saved it (its
fingerprint, as the audit log writes it); an owner sees and changes only their own watches,
an admin everyone's. What a watch is and how it is checked: api/graphql/watching.py.
"""

from __future__ import annotations

from typing import Any, cast

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON
from strawberry.types import Info

from graph.schema import WATCH
from graph.visibility import Role
from graph.watches import (
    Notification,
    Watch,
    delete_watch,
    get_watch,
    list_notifications,
    list_watches,
)

from .audit import InputError, actor_of
from .context import Context
from .errors import PublicError
from .permissions import IsAnalyst, role_of
from .watching import WatchRefused, save_async

MAX_NOTIFICATIONS = 200


@strawberry.type(name=WATCH, description="A saved question, re-evaluated after each load.")
class WatchInfo:
    id: strawberry.ID
    name: str
    owner: str = strawberry.field(description="The owner's key fingerprint (or cli).")
    role: str = strawberry.field(description="The role it is evaluated as.")
    query: str
    variables: JSON
    webhook: str | None
    digest: bool
    created: str
    last_checked: str = strawberry.field(description="Record time of the last load it saw.")
    checked_at: str | None
    last_error: str | None

    @classmethod
    def of(cls, w: Watch) -> WatchInfo:
        return cls(
            id=strawberry.ID(w.id),
            name=w.name,
            owner=w.owner,
            role=w.role.name.lower(),
            query=w.query,
            variables=cast(JSON, w.variables),
            webhook=w.webhook,
            digest=w.digest,
            created=w.created,
            last_checked=w.last_checked,
            checked_at=w.checked_at,
            last_error=w.last_error,
        )


@strawberry.type(
    name="WatchNotification",
    description="What changed in a watch's answer, and the cited facts behind it.",
)
class NotificationInfo:
    id: strawberry.ID
    watch: str
    watch_id: strawberry.ID
    at: str
    since: str
    until: str
    summary: str
    diff: JSON = strawberry.field(description="Rows added and removed, figures moved.")
    causes: JSON = strawberry.field(description="Facts added or lost, with sources and citations.")
    status: str = strawberry.field(
        description="Webhook delivery: none, pending, delivered, failed."
    )
    attempts: int
    next_attempt: str | None
    delivered_at: str | None
    last_error: str | None

    @classmethod
    def of(cls, n: Notification) -> NotificationInfo:
        return cls(
            id=strawberry.ID(n.id),
            watch=n.watch_name,
            watch_id=strawberry.ID(n.watch_id),
            at=n.at,
            since=n.since,
            until=n.until,
            summary=n.summary,
            diff=cast(JSON, n.diff),
            causes=cast(JSON, n.causes),
            status=n.status,
            attempts=n.attempts,
            next_attempt=n.next_attempt,
            delivered_at=n.delivered_at,
            last_error=n.last_error,
        )


@strawberry.type(
    description="A saved watch, and the secret its webhook deliveries are signed "
    "with (shown this once)."
)
class SavedWatch:
    watch: WatchInfo
    secret: str | None = strawberry.field(
        description="HMAC-SHA256 key of X-TNR-Signature (null without a webhook)."
    )


def owner_of(info: Info[Context, None]) -> str:
    """The caller's key fingerprint (the audit log's actor without the role)."""
    return actor_of(info).partition(":")[2] or "no-key"


def _scope(info: Info[Context, None]) -> str | None:
    """Whose watches the caller reads: their own, or (admin) everyone's."""
    return None if role_of(info) >= Role.ADMIN else owner_of(info)


def _store(info: Info[Context, None]) -> Any:
    if info.context.store is None:
        raise PublicError("the graph database is not available")
    return info.context.store


@strawberry.type
class WatchQuery:
    @strawberry.field(
        permission_classes=[IsAnalyst], description="Your watches (an admin: everyone's), by name."
    )  # type: ignore[untyped-decorator]
    async def watches(self, info: Info[Context, None]) -> list[WatchInfo]:
        found = await run_in_threadpool(list_watches, _store(info), _scope(info))
        return [WatchInfo.of(w) for w in found]

    @strawberry.field(
        permission_classes=[IsAnalyst],
        description="Notifications of your watches (or of the one named), newest first.",
    )  # type: ignore[untyped-decorator]
    async def notifications(
        self, info: Info[Context, None], watch: str | None = None, first: int = 20
    ) -> list[NotificationInfo]:
        if not 0 <= first <= MAX_NOTIFICATIONS:
            raise InputError("first", f"first must be between 0 and {MAX_NOTIFICATIONS}")
        store = _store(info)
        scope = _scope(info)
        if watch is not None:
            found = await run_in_threadpool(get_watch, store, scope, watch)
            if found is None:
                raise InputError("watch", f"no watch named {watch!r}")
            ids: list[str] | None = [found.id]
        elif scope is None:
            ids = None
        else:
            ids = [w.id for w in await run_in_threadpool(list_watches, store, scope)]
        got = await run_in_threadpool(list_notifications, store, ids, first)
        return [NotificationInfo.of(n) for n in got]


@strawberry.type
class WatchMutation:
    @strawberry.mutation(
        permission_classes=[IsAnalyst],
        description="Save (or replace) a watch: a GraphQL query, evaluated as "
        "`role` (at most your key's; default yours) after each load. Refused, "
        "with the reason, if it is invalid, too expensive or not allowed for "
        "the role.",
    )  # type: ignore[untyped-decorator]
    async def save_watch(
        self,
        info: Info[Context, None],
        name: str,
        query: str,
        variables: JSON | None = None,
        role: str | None = None,
        webhook: str | None = None,
        digest: bool = False,
    ) -> SavedWatch:
        owner_role = role_of(info)
        try:
            as_role = Role.parse(role) if role else owner_role
        except ValueError as exc:
            raise InputError("role", str(exc)) from None
        if variables is not None and not isinstance(variables, dict):
            raise InputError("variables", "the variables must be a JSON object")
        watch = Watch(
            owner=owner_of(info),
            name=name,
            role=as_role,
            query=query,
            variables=dict(variables or {}),
            owner_role=owner_role,
            webhook=webhook or None,
            digest=digest,
        )
        try:
            saved = await save_async(info.schema, _store(info), watch)
        except WatchRefused as exc:
            raise InputError("query", str(exc)) from None
        return SavedWatch(watch=WatchInfo.of(saved), secret=saved.secret if saved.webhook else None)

    @strawberry.mutation(
        permission_classes=[IsAnalyst],
        description="Remove one of your watches and its notifications.",
    )  # type: ignore[untyped-decorator]
    async def delete_watch(self, info: Info[Context, None], name: str) -> bool:
        store = _store(info)
        found = await run_in_threadpool(get_watch, store, _scope(info), name)
        if found is None:
            raise InputError("name", f"no watch named {name!r}")
        await run_in_threadpool(delete_watch, store, found)
        return True
