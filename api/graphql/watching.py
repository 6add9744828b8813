"""Watches: saved GraphQL questions, evaluated after each load, that record what changed.

A watch (graph/watches.py keeps it) is a GraphQL query with its variables, owned by a key,
evaluated as a role at most the owner's. It is checked when saved (`save`: a syntax error, a
mutation, a query over the API's depth or cost limit, or a field the role may not read is
refused with the reason; the first answer is kept), then after each load and on demand
(`check_watches`): the query runs in-process on the strawberry schema as that role, on a
store that only reads, and its answer (canonical JSON, record-time confirmations left out) is
compared with the last. When it differs, a notification records the difference (`diff`:
rows added and removed, figures moved) and its causes: the change feed (queries/changes.py,
through the watch role's view) since the watch last looked, kinds added and lost, of facts
whose ids are in the old or new answer or one relation away from one (for answers without
ids: the added facts of the node types the question reads), each with its sources' titles
and citations as that role sees them. A re-load that adds no evidence leaves the answer as
it was, so it records nothing. Delivery (webhooks, digests) is api/webhooks.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, cast

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from strawberry.types.graphql import OperationType as StrawberryOperation

from api.webhooks import address_refusal
from graph.hidden import hidden_cache
from graph.record_time import last_load_time
from graph.schema import SOURCE
from graph.store import Store
from graph.visibility import Role, View
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
from queries.changes import MAX_LIMIT, changes

from .context import Context

log = logging.getLogger("tnr.watches")

#: Answer keys that move on every confirming load (not evidence): left out of comparisons.
CONFIRMATIONS = frozenset({"lastSeen", "sightings"})
MAX_CAUSES = 200
MAX_NAME = 100
URL = re.compile(r"^https?://[^\s/]+\S*$")


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


def canonical(data: Any) -> str:
    return json.dumps(
        _without_confirmations(data), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def _without_confirmations(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_confirmations(v) for k, v in data.items() if k not in CONFIRMATIONS}
    if isinstance(data, list):
        return [_without_confirmations(v) for v in data]
    return data


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
    if watch.webhook and not URL.match(watch.webhook):
        raise WatchRefused("the webhook must be an http(s) URL")
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
    out: list[Checked] = []
    for watch in list_watches(store) if watches is None else watches:
        try:
            out.append(await _check_one(schema, store, watch, until))
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


async def _check_one(schema: Any, store: Store, watch: Watch, until: str) -> Checked:
    data, errors = await evaluate(schema, store, watch)
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


# -- what changed in the answer ---------------------------------------------------------------
def diff(old: Any, new: Any) -> dict[str, list[dict[str, Any]]]:
    """Rows added and removed (list items, matched by id or another unique key) and figures
    moved (a value at the same place that changed), each with its path in the answer."""
    out: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "moved": []}
    _walk(old, new, "", out)
    return out


def _row_key(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    for holder in (item, item.get("node")):
        if isinstance(holder, dict) and isinstance(holder.get("id"), str):
            return str(holder["id"])
    return None


def _key_field(old: list[Any], new: list[Any]) -> str | None:
    """A scalar field unique within each list that matches rows without ids (year, name ...):
    of those, the one whose values old and new rows share most (a count that moved shares
    none), then a usual key name."""
    items = old + new
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    best: tuple[int, int, str] | None = None
    for name, value in items[0].items():
        if not isinstance(value, str | int) or isinstance(value, bool):
            continue
        if not all(
            all(name in i for i in rows) and len({repr(i[name]) for i in rows}) == len(rows)
            for rows in (old, new)
        ):
            continue
        shared = len({repr(i[name]) for i in old} & {repr(i[name]) for i in new})
        usual = int(name in ("id", "key", "code", "year", "name", "label", "title"))
        if best is None or (shared, usual) > best[:2]:
            best = (shared, usual, str(name))
    return best[2] if best else None


def _walk(old: Any, new: Any, path: str, out: dict[str, list[dict[str, Any]]]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new)):
            _walk(old.get(k), new.get(k), f"{path}.{k}" if path else k, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        keys: list[Any] = [_row_key(i) for i in old + new]
        field = None if all(k is not None for k in keys) else _key_field(old, new)
        if all(k is not None for k in keys):
            by_old = {_row_key(i): i for i in old}
            by_new = {_row_key(i): i for i in new}
        elif field is not None:
            by_old = {str(i[field]): i for i in old}
            by_new = {str(i[field]): i for i in new}
        else:  # a multiset of values
            left = Counter(canonical(i) for i in old)
            for i in new:
                if left[canonical(i)] > 0:
                    left[canonical(i)] -= 1
                else:
                    out["added"].append({"path": path, "row": i})
            right = Counter(canonical(i) for i in new)
            for i in old:
                if right[canonical(i)] > 0:
                    right[canonical(i)] -= 1
                else:
                    out["removed"].append({"path": path, "row": i})
            return
        for k, row in by_new.items():
            if k not in by_old:
                out["added"].append({"path": path, "key": k, "row": row})
        for k, row in by_old.items():
            if k not in by_new:
                out["removed"].append({"path": path, "key": k, "row": row})
            else:
                _walk(row, by_new[k], f"{path}[{k}]", out)
        return
    if old != new:
        out["moved"].append({"path": path, "before": old, "after": new})


def answer_ids(data: Any, view: View) -> set[str]:
    """Every node or relation id the answer holds."""
    found: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif (
            isinstance(x, str)
            and "_" in x
            and " " not in x
            and (x.startswith(("rel_", "anon_")) or _is_node_id(view, x))
        ):
            found.add(x)

    walk(data)
    return found


def _is_node_id(view: View, text: str) -> bool:
    try:
        view.schema.type_of_id(text)
    except KeyError:
        return False
    return True


def _read_types(watch: Watch, view: View) -> set[str]:
    """The node types a question reads: named by its fields ("incidentsPerYear": Incident)."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", watch.query)}
    joined = " ".join(words)
    out = set()
    for nt in view.schema.nodes.values():
        if nt.internal or nt.admin_only:
            continue
        names = {nt.name.lower(), re.findall(r"[A-Z][a-z]+", nt.name)[-1].lower()}
        if any(n in joined for n in names):
            out.add(nt.name)
    return out


def find_causes(
    store: Store, view: View, watch: Watch, old: Any, new: Any, *, since: str, until: str
) -> list[dict[str, Any]]:
    """The added and lost facts in (since, until] behind a changed answer, one entry per fact,
    each with its sources (titles) and citations as the watch's role sees them."""
    if not until or until <= since:
        return []
    feed = changes(store, since, until, view=view, kinds=("added", "lost"), limit=MAX_LIMIT)
    ids = answer_ids(old, view) | answer_ids(new, view)
    real = {r for r in (view.real_id(i) if i.startswith("anon_") else i for i in ids) if r}
    near: set[str] = set()
    by_type: dict[str, list[str]] = {}
    for i in sorted(real):
        if _is_node_id(view, i):
            by_type.setdefault(view.schema.type_of_id(i), []).append(i)
    for type_name, wanted in by_type.items():  # one relation away (by label: indexed)
        rows = store.read(
            f"MATCH (a:`{type_name}`)--(b) WHERE a.id IN $ids RETURN DISTINCT b.id AS id",
            ids=wanted,
        )
        near.update(str(r["id"]) for r in rows)
    types = _read_types(watch, view) if not real else set()
    picked: dict[tuple[str, str], dict[str, Any]] = {}
    for c in feed.changes:
        if real:
            relevant = c.id in real or c.id in near or c.start in real or c.end in real
        else:
            relevant = c.kind == "added" and c.type in types
        if not relevant:
            continue
        key = (c.kind, c.id)
        if key not in picked:
            if len(picked) >= MAX_CAUSES:
                continue
            picked[key] = {
                "kind": c.kind,
                "type": c.type,
                "id": view.shown_id(c.id),
                "label": c.label,
                "at": c.at,
                "load": c.load_id,
                "sources": [],
            }
            if c.start is not None:
                picked[key].update(start=c.start, end=c.end or "")
        picked[key]["sources"].append({"id": c.source_id, "dataset": c.dataset})
    causes = list(picked.values())
    _cite(store, view, causes)
    _name_ends(store, view, causes)
    return causes


def _name_ends(store: Store, view: View, causes: list[dict[str, Any]]) -> None:
    """A relation's label: its ends' labels (as the role sees them) around its type."""
    ends = sorted({c[k] for c in causes if "start" in c for k in ("start", "end")})
    labels: dict[str, str] = {}
    by_type: dict[str, list[str]] = {}
    for i in ends:
        if _is_node_id(view, i):
            by_type.setdefault(view.schema.type_of_id(i), []).append(i)
    for type_name, wanted in by_type.items():
        for r in store.read(
            f"MATCH (n:`{type_name}`) WHERE n.id IN $ids RETURN properties(n) AS p", ids=wanted
        ):
            labels[str(r["p"]["id"])] = str(view.node(type_name, r["p"])["label"])
    for c in causes:
        if "start" in c:
            a, b = c["start"], c["end"]
            c["label"] = f"{labels.get(a, a)} {c['type']} {labels.get(b, b)}"
            c["start"], c["end"] = view.shown_id(a), view.shown_id(b)


def _cite(store: Store, view: View, causes: list[dict[str, Any]]) -> None:
    """Each cause's sources with their titles and the fact's citations of them."""
    source_ids = sorted({s["id"] for c in causes for s in c["sources"]})
    titles: dict[str, str] = {}
    if source_ids:
        for r in store.read(
            "MATCH (s:Source) WHERE s.id IN $ids RETURN properties(s) AS p", ids=source_ids
        ):
            shown = view.node(SOURCE, r["p"])
            titles[str(r["p"]["id"])] = str(shown.get("title") or shown.get("label") or "")
    node_ids = [c["id"] for c in causes if "start" not in c]
    rel_ids = [c["id"] for c in causes if "start" in c]
    cited: dict[str, list[str]] = {}
    if node_ids:
        for r in store.read(
            "MATCH (n) WHERE n.id IN $ids RETURN n.id AS id, n.citations AS c", ids=node_ids
        ):
            cited[str(r["id"])] = view.citations_of(r["c"])
    if rel_ids:
        for r in store.read(
            "MATCH ()-[e]->() WHERE e.id IN $ids RETURN e.id AS id, e.citations AS c", ids=rel_ids
        ):
            cited[str(r["id"])] = view.citations_of(r["c"])
    for c in causes:
        for s in c["sources"]:
            s["title"] = titles.get(s["id"], "")
            s["citations"] = [x for x in cited.get(c["id"], []) if x.split("|", 1)[0] == s["id"]]


def row_label(row: Any) -> str:
    holder = row.get("node", row) if isinstance(row, dict) else row
    if isinstance(holder, dict):
        for k in ("label", "title", "name", "id"):
            if isinstance(holder.get(k), str):
                return str(holder[k])
    return json.dumps(holder, ensure_ascii=False)[:80]


def summarize(
    watch: Watch, found: dict[str, list[dict[str, Any]]], causes: list[dict[str, Any]]
) -> str:
    """One line: rows added to and removed from the answer (by label), changes inside the
    rows it already had, figures moved, and how many facts are behind it."""
    parts = []
    for kind in ("added", "removed"):
        rows = [r for r in found[kind] if "[" not in r["path"]]  # rows of the answer itself
        if rows:
            names = ", ".join(row_label(r["row"]) for r in rows[:3])
            more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
            parts.append(f"{len(rows)} {kind} ({names}{more})")
    inner = sum(1 for k in ("added", "removed") for r in found[k] if "[" in r["path"])
    if inner:
        parts.append(f"{inner} details added or removed in rows it had")
    if found["moved"]:
        parts.append(f"{len(found['moved'])} figures moved")
    why = (
        f"; {len(causes)} new or lost facts behind it"
        if causes
        else "; no load since the last check (an edit?)"
    )
    return f"{watch.name}: " + (", ".join(parts) or "the answer changed") + why
