"""Where watches and their notifications are kept: two internal node types (graph/schema.yaml
`Watch`, `Notification`), written with plain parameterised Cypher through `Store.write`.

They are bookkeeping, not facts: no sources, no record time, never in the change feed,
search, networks or exports (`internal`, `admin_only`). What a watch asks and how its answer
is compared lives in api/graphql/watching.py; this module only stores and reads.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph.anonymity import redaction_key
from graph.ids import make_id
from graph.schema import NOTIFICATION, WATCH
from graph.store import Store
from graph.visibility import Role

#: Delivery states of a notification (graph/schema.yaml `Notification.status`).
NONE, PENDING, DELIVERED, FAILED = "none", "pending", "delivered", "failed"


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Watch:
    owner: str
    name: str
    role: Role
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    owner_role: Role = Role.ADMIN
    webhook: str | None = None
    digest: bool = False
    created: str = ""
    last_answer: str | None = None
    last_checked: str = ""
    checked_at: str | None = None
    last_error: str | None = None

    @property
    def id(self) -> str:
        return make_id(WATCH, self.owner, self.name)

    @property
    def secret(self) -> str:
        """The webhook's HMAC key: derived from the server's key, the watch and the time it
        was saved, so it is never stored (saving the watch again makes a new one)."""
        payload = f"tnr-watch|{self.id}|{self.created}".encode()
        return hmac.new(redaction_key(), payload, hashlib.sha256).hexdigest()

    @classmethod
    def from_props(cls, p: dict[str, Any]) -> Watch:
        return cls(
            owner=str(p["owner"]),
            name=str(p["name"]),
            role=Role.parse(str(p["role"])),
            query=str(p["query"]),
            variables=json.loads(p.get("variables") or "{}"),
            owner_role=Role.parse(str(p.get("owner_role") or "admin")),
            webhook=p.get("webhook") or None,
            digest=bool(p.get("digest")),
            created=str(p.get("created") or ""),
            last_answer=p.get("last_answer"),
            last_checked=str(p.get("last_checked") or ""),
            checked_at=p.get("checked_at"),
            last_error=p.get("last_error"),
        )

    def props(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": self.owner,
            "name": self.name,
            "role": self.role.name.lower(),
            "owner_role": self.owner_role.name.lower(),
            "query": self.query,
            "variables": json.dumps(self.variables, sort_keys=True),
            "webhook": self.webhook,
            "digest": self.digest,
            "created": self.created,
            "last_answer": self.last_answer,
            "last_checked": self.last_checked,
            "checked_at": self.checked_at,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class Notification:
    id: str
    watch_id: str
    watch_name: str
    owner: str
    at: str
    since: str
    until: str
    summary: str
    diff: dict[str, Any]
    causes: list[dict[str, Any]]
    status: str = NONE
    attempts: int = 0
    next_attempt: str | None = None
    delivered_at: str | None = None
    last_error: str | None = None
    digest_day: str | None = None

    @classmethod
    def from_props(cls, p: dict[str, Any]) -> Notification:
        return cls(
            str(p["id"]),
            str(p["watch_id"]),
            str(p.get("watch_name") or ""),
            str(p.get("owner") or ""),
            str(p["at"]),
            str(p.get("since") or ""),
            str(p.get("until") or ""),
            str(p.get("summary") or ""),
            json.loads(p.get("diff") or "{}"),
            json.loads(p.get("causes") or "[]"),
            str(p.get("status") or NONE),
            int(p.get("attempts") or 0),
            p.get("next_attempt"),
            p.get("delivered_at"),
            p.get("last_error"),
            p.get("digest_day"),
        )

    def payload(self) -> dict[str, Any]:
        """What a webhook receives (and `--json` prints)."""
        return {
            "id": self.id,
            "watch": self.watch_name,
            "watchId": self.watch_id,
            "at": self.at,
            "since": self.since,
            "until": self.until,
            "summary": self.summary,
            "diff": self.diff,
            "causes": self.causes,
        }


# -- watches ------------------------------------------------------------------------------
def save_watch(store: Store, watch: Watch) -> Watch:
    store.write("MERGE (w:Watch {id: $id}) SET w = $props", id=watch.id, props=watch.props())
    return watch


def get_watch(store: Store, owner: str | None, name: str) -> Watch | None:
    """The watch `name` of `owner` (any owner's, when `owner` is None and the name is unique)."""
    rows = store.read(
        "MATCH (w:Watch) WHERE (w.name = $name OR w.id = $name) AND ($owner IS NULL OR "
        "w.owner = $owner) RETURN properties(w) AS p ORDER BY w.owner",
        name=name,
        owner=owner,
    )
    return Watch.from_props(rows[0]["p"]) if rows else None


def list_watches(store: Store, owner: str | None = None) -> list[Watch]:
    rows = store.read(
        "MATCH (w:Watch) WHERE $owner IS NULL OR w.owner = $owner "
        "RETURN properties(w) AS p ORDER BY w.owner, w.name",
        owner=owner,
    )
    return [Watch.from_props(r["p"]) for r in rows]


def delete_watch(store: Store, watch: Watch) -> int:
    """Remove a watch and its notifications; how many notifications went with it."""
    rows = store.write(
        "MATCH (n:Notification {watch_id: $id}) DETACH DELETE n RETURN count(*) AS c", id=watch.id
    )
    store.write("MATCH (w:Watch {id: $id}) DETACH DELETE w", id=watch.id)
    return int(rows[0]["c"]) if rows else 0


def mark_checked(
    store: Store, watch: Watch, *, answer: str | None, until: str, error: str | None
) -> None:
    """After an evaluation: the answer kept (unless it failed), the loads seen, the error."""
    store.write(
        "MATCH (w:Watch {id: $id}) SET w.checked_at = $at, w.last_error = $error, "
        "w.last_checked = CASE WHEN $error IS NULL THEN $until ELSE w.last_checked END, "
        "w.last_answer = CASE WHEN $error IS NULL THEN $answer ELSE w.last_answer END",
        id=watch.id,
        at=utc_now(),
        error=error,
        until=until,
        answer=answer,
    )


# -- notifications ------------------------------------------------------------------------
def record_notification(
    store: Store,
    watch: Watch,
    *,
    since: str,
    until: str,
    summary: str,
    diff: dict[str, Any],
    causes: list[dict[str, Any]],
) -> Notification:
    at = utc_now()
    status = PENDING if watch.webhook else NONE
    props = {
        "id": make_id(NOTIFICATION, watch.id, at),
        "watch_id": watch.id,
        "watch_name": watch.name,
        "owner": watch.owner,
        "at": at,
        "since": since,
        "until": until,
        "summary": summary,
        "diff": json.dumps(diff, sort_keys=True),
        "causes": json.dumps(causes, sort_keys=True),
        "status": status,
        "attempts": 0,
        "next_attempt": at if watch.webhook else None,
        "digest_day": at[:10] if watch.digest else None,
    }
    store.write("CREATE (n:Notification) SET n = $props", props=props)
    return Notification.from_props(props)


def list_notifications(
    store: Store, watch_ids: list[str] | None = None, first: int = 20
) -> list[Notification]:
    """The newest first; of these watches (all, when None)."""
    rows = store.read(
        "MATCH (n:Notification) WHERE $ids IS NULL OR n.watch_id IN $ids "
        "RETURN properties(n) AS p ORDER BY n.at DESC LIMIT $first",
        ids=watch_ids,
        first=first,
    )
    return [Notification.from_props(r["p"]) for r in rows]


def due_notifications(store: Store, now: str, *, failed: bool = False) -> list[Notification]:
    """Pending deliveries whose next attempt is due (and the failed ones, when asked), oldest
    first."""
    states = [PENDING, FAILED] if failed else [PENDING]
    rows = store.read(
        "MATCH (n:Notification) WHERE n.status IN $states AND (n.status = $failed OR "
        "n.next_attempt IS NULL OR n.next_attempt <= $now) RETURN properties(n) AS p "
        "ORDER BY n.at",
        states=states,
        now=now,
        failed=FAILED,
    )
    return [Notification.from_props(r["p"]) for r in rows]


def mark_delivery(
    store: Store,
    ids: list[str],
    *,
    ok: bool,
    error: str | None,
    next_attempt: str | None,
    gave_up: bool,
) -> None:
    """One delivery attempt of these notifications (one, or a day's digest)."""
    status = DELIVERED if ok else (FAILED if gave_up else PENDING)
    store.write(
        "MATCH (n:Notification) WHERE n.id IN $ids SET n.attempts = coalesce(n.attempts, 0) + 1, "
        "n.status = $status, n.last_error = $error, n.next_attempt = $next, "
        "n.delivered_at = CASE WHEN $ok THEN $now ELSE n.delivered_at END",
        ids=ids,
        status=status,
        error=error,
        next=next_attempt,
        ok=ok,
        now=utc_now(),
    )
