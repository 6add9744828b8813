"""Watches: saved GraphQL questions, evaluated after each load, that record what changed.

A watch (graph/watches.py keeps it) is a GraphQL query with its variables, owned by a key,
evaluated as a role at most the owner's. It is checked when saved (`save`: a syntax error, a
mutation, a query over the API's depth or cost limit, or a field the role may not read is
refused with the reason; the first answer is kept), then after each load and on demand
(`check_watches`): the query runs in-process on the strawberry schema as that role, on a
store that only reads, and its answer (canonical JSON, record-time confirmations left out) is
compared with the last. When it differs, a notification records the difference
(api/graphql/watch_changes.py, `diff`:
rows added and removed, figures moved) and its causes: the change feed (queries/changes.py,
through the watch role's view) since the watch last looked, kinds added and lost, of facts
whose ids are in the old or new answer or one relation away from one (for answers without
ids: the added facts of the node types the question reads), each with its sources' titles
and citations as that role sees them. A re-load that adds no evidence leaves the answer as
it was, so it records nothing. Delivery (webhooks, digests) is api/webhooks.py. Before each
check the owner's key is looked up again (api/auth.py `owner_refusal`): a watch whose key was
removed, or lowered below the watch's role, is not asked and says why.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, cast

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from strawberry.types.graphql import OperationType as StrawberryOperation

from api.auth import KeyRing, current_keys, owner_refusal
from api.webhooks import address_refusal
from graph.hidden import hidden_cache
from graph.record_time import last_load_time
from graph.store import Store
from graph.visibility import Role
from graph.visibility import view as view_of
from graph.watches import (
    Notification,
    Watch,
    list_watches,
    mark_checked,
    record_notification,
    save_watch,
    utc_now,
)

from .context import Context
from .watch_changes import canonical, diff, find_causes, summarize

log = logging.getLogger("tnr.watches")

MAX_NAME = 100


class WatchRefused(ValueError):
    """A watch that cannot be saved; the message is the reason."""


class ReadOnlyStore:
    """A store a watch evaluates on: it reads; any write is refused."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return self._store.read(query, **params)

    def write(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("a watch only reads the graph")

    in_transaction = write

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


# -- the query ------------------------------------------------------------------------------
def check_document(query: str) -> None:
    """Refuse a query that does not parse, holds no or several operations, or does anything
    but read."""
    try:
        doc = parse(query)
    except GraphQLError as exc:
        raise WatchRefused(f"the query is not valid GraphQL: {exc.message}") from None
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if len(ops) != 1:
        raise WatchRefused(f"a watch holds exactly one operation (this query has {len(ops)})")
    if ops[0].operation is not OperationType.QUERY:
        raise WatchRefused(
            f"a watch may only read: this is a {ops[0].operation.value}, not a query"
        )


async def evaluate(schema: Any, store: Store, watch: Watch) -> tuple[Any, list[str]]:
    """(data, error messages) of the watch's query, run as its role on a read-only store."""
    check_document(watch.query)
    ctx = Context.create(cast(Store, ReadOnlyStore(store)), store.schema)
    ctx.role = watch.role
    ctx.extra["watch"] = watch.id
    if watch.role < Role.ANALYST:
        ctx.hidden = hidden_cache(store).get(store)
    result = await schema.execute(
        watch.query,
        variable_values=watch.variables or None,
        context_value=ctx,
        allowed_operation_types=(StrawberryOperation.QUERY,),
    )
    errors = [e.message for e in result.errors or ()]
    return result.data, errors


# -- saving ---------------------------------------------------------------------------------
async def save_async(schema: Any, store: Store, watch: Watch) -> Watch:
    """Check `watch` (see the module docstring), evaluate it once and store it with that
    answer; WatchRefused with the reason if it cannot be saved."""
    name = watch.name.strip()
    if not name or len(name) > MAX_NAME:
        raise WatchRefused(f"a watch needs a name of 1 to {MAX_NAME} characters")
    if watch.role > watch.owner_role:
        raise WatchRefused(
            f"a watch evaluated as {watch.role.name.lower()} needs a key of that "
            f"role; this key is {watch.owner_role.name.lower()}"
        )
    if watch.webhook:
        allow = store.settings.webhook_private
        refusal = await asyncio.to_thread(address_refusal, watch.webhook, allow_private=allow)
        if refusal:
            raise WatchRefused(refusal)
    if not isinstance(watch.variables, dict):
        raise WatchRefused("the variables must be a JSON object")
    check_document(watch.query)
    until = await asyncio.to_thread(last_load_time, store)
    data, errors = await evaluate(schema, store, watch)
    if errors:
        raise WatchRefused("the query was refused: " + "; ".join(errors))
    saved = replace(
        watch,
        name=name,
        created=utc_now(),
        last_answer=canonical(data),
        last_checked=until,
        checked_at=utc_now(),
        last_error=None,
    )
    return await asyncio.to_thread(save_watch, store, saved)


def save(store: Store, watch: Watch, schema: Any) -> Watch:
    """`save_async` from synchronous code, on `schema` (api.graphql.build_schema())."""
    return asyncio.run(save_async(schema, store, watch))


# -- checking -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checked:
    watch: Watch
    notification: Notification | None = None
    error: str | None = None


async def check_async(
    schema: Any, store: Store, watches: list[Watch] | None = None
) -> list[Checked]:
    """Evaluate every watch (or these); record a notification for each changed answer. An
    error is recorded on its watch and logged, never raised."""
    until = last_load_time(store)
    keys = current_keys(store.settings)  # read once for all the watches of this check
    out: list[Checked] = []
    for watch in list_watches(store) if watches is None else watches:
        try:
            out.append(await _check_one(schema, store, watch, until, keys))
        except Exception as exc:  # a watch never fails a load: recorded on the watch
            log.warning("watch %s: %s", watch.name, exc, exc_info=True)
            message = f"{type(exc).__name__}: {exc}"
            try:
                mark_checked(store, watch, answer=None, until=until, error=message)
            except Exception:
                log.exception("watch %s: the error could not be recorded", watch.name)
            out.append(Checked(watch, error=message))
    return out


def check_watches(
    store: Store, schema: Callable[[], Any], watches: list[Watch] | None = None
) -> list[Checked]:
    """`check_async` from synchronous code (the CLI, after a load); with no watch saved it
    costs one read: `schema` (e.g. api.graphql.build_schema) is called only when there is a
    watch to ask."""
    found = list_watches(store) if watches is None else watches
    if not found:
        return []
    return asyncio.run(check_async(schema(), store, found))


async def _check_one(
    schema: Any, store: Store, watch: Watch, until: str, keys: KeyRing | str
) -> Checked:
    refused = owner_refusal(keys, watch.owner, watch.role)
    data, errors = (None, [refused]) if refused else await evaluate(schema, store, watch)
    if errors:
        message = "; ".join(errors)
        mark_checked(store, watch, answer=None, until=until, error=message)
        return Checked(watch, error=message)
    answer = canonical(data)
    notification = None
    if watch.last_answer is not None and answer != watch.last_answer:
        old, new = json.loads(watch.last_answer), json.loads(answer)
        found = diff(old, new)
        view = view_of(store, watch.role)
        causes = find_causes(store, view, watch, old, new, since=watch.last_checked, until=until)
        notification = record_notification(
            store,
            watch,
            since=watch.last_checked,
            until=until,
            summary=summarize(watch, found, causes),
            diff=found,
            causes=causes,
        )
    mark_checked(store, watch, answer=answer, until=until, error=None)
    return Checked(watch, notification)
