"""The audit log: who changed what, when, with the properties before and after.

Every mutation writes one `AuditRecord` node (graph/schema.yaml) in the same
transaction as its change, so no change is stored without its record. The
actor is the caller's role and a fingerprint of the API key (never the key).
The records cite the "tnr-graph:audit" Source like any other fact, and only
the admin role reads them (`auditLog`, and the generated `auditRecords`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import strawberry
from neo4j import ManagedTransaction
from strawberry.types import Info

from api.auth import bearer, key_hash
from graph.record_time import sighting_key
from graph.records import Node, Provenance, source_node
from graph.schema import AUDIT_RECORD, SOURCE, Schema
from graph.upsert import write_node_in
from graph.validate import validate_node

from .aggregates import build_connection
from .connections import Connection, Edge, PageInfo, Scope
from .context import Context
from .cursors import decode_cursor, encode_cursor
from .errors import PublicError
from .filters import TypeSpec
from .permissions import IsAdmin, role_of
from .types import Registry, build_types

AUDIT_SOURCE_REF = "tnr-graph:audit"
_SINCE = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$")


class InputError(PublicError):
    """A bad mutation input; the client sees the message and the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extensions: dict[str, Any] = {"code": "BAD_USER_INPUT", "field": field}


def audit_source() -> Node:
    return source_node(
        AUDIT_SOURCE_REF, "tnr-graph audit log of edits made through the API", kind="software"
    )


def actor_of(info: Info[Any, Any]) -> str:
    """`<role>:<key fingerprint>`: the first 12 hex digits of the key's SHA-256, never the key."""
    role = role_of(info).name.lower()
    label = getattr(info.context, "key_label", None)
    if not label:
        request = getattr(info.context, "request", None)
        headers = getattr(request, "headers", None)
        key = bearer(headers.get("authorization")) if headers is not None else None
        label = key_hash(key)[:12] if key else "no-key"
    return f"{role}:{label}"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Change:
    """One audited operation: what, by whom, when and why."""

    operation: str
    actor: str
    at: str
    reason: str = ""

    @property
    def locator(self) -> str:
        return f"edit by {self.actor} at {self.at}"


def as_json(props: dict[str, Any] | list[dict[str, Any]] | None) -> str:
    return json.dumps(props, sort_keys=True, ensure_ascii=False, default=str)


def write_node(
    tx: ManagedTransaction, schema: Schema, node_type: str, node_id: str, props: dict[str, Any]
) -> None:
    """The writer's own MERGE (graph/upsert.py), inside the caller's transaction, with the
    record time of an edit (now; one sighting per source, dataset "edit")."""
    write_node_in(tx, schema, node_type, edit_row(node_id, props))


def edit_row(key: str, props: dict[str, Any], **ends: str) -> dict[str, Any]:
    """A row of the writer's statement for an edit: its sightings are the edit's sources."""
    seen = [sighting_key(str(s), "edit") for s in props.get("source_ids") or []]
    return {"i": 0, "id": key, "props": props, "seen": seen, **ends}


def provenance_props(p: Provenance) -> dict[str, Any]:
    return {"source_ids": [p.source_id], "citations": [p.citation()], "confidence": p.confidence}


def record(
    tx: ManagedTransaction,
    schema: Schema,
    change: Change,
    target_id: str,
    target_type: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> str:
    """Write the AuditRecord of `change` in transaction `tx`; returns its id."""
    source = audit_source()
    write_node(
        tx,
        schema,
        SOURCE,
        source.id,
        {**validate_node(source, schema), **provenance_props(source.provenance)},
    )
    props = {
        "ref": uuid.uuid4().hex,
        "operation": change.operation,
        "target_id": target_id,
        "target_type": target_type,
        "actor": change.actor,
        "at": change.at,
        "before": as_json(before),
        "after": as_json(after),
        "reason": change.reason or None,
    }
    node = Node(AUDIT_RECORD, props, Provenance(source.id, change.locator))
    write_node(
        tx,
        schema,
        AUDIT_RECORD,
        node.id,
        {**validate_node(node, schema), **provenance_props(node.provenance)},
    )
    return node.id


# -- reading the log ----------------------------------------------------------------------
def build_audit_query(schema: Schema) -> type[Any]:
    """The `auditLog` root field (admin only), oldest change first."""
    registry: Registry = build_types(schema)
    record_nt = schema.node(AUDIT_RECORD)
    connection = build_connection(schema, record_nt, registry)

    async def audit_log(
        info: Info[Context, None],
        target_id: strawberry.ID | None = None,
        actor: str | None = None,
        since: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Any]:
        if role_of(info) < IsAdmin.needed:  # belt and braces: the field's permission says so
            raise PublicError("forbidden")
        if not 0 <= first <= 500:
            raise InputError("first", "first must be between 0 and 500")
        conditions: list[str] = []
        params: dict[str, Any] = {"limit": first + 1}
        if target_id is not None:
            conditions.append("n.target_id = $target")
            params["target"] = str(target_id)
        if actor is not None:
            conditions.append("(n.actor = $actor OR n.actor STARTS WITH $prefix)")
            params["actor"], params["prefix"] = actor, f"{actor}:"
        if since is not None:
            if not _SINCE.match(since):
                raise InputError("since", f"not an ISO date or time: {since[:40]!r}")
            conditions.append("n.at >= $since")
            params["since"] = since
        count_conditions, count_params = list(conditions), dict(params)
        if after is not None:
            value, last_id = decode_cursor(after, "at")
            conditions.append("(n.at > $after_at OR (n.at = $after_at AND n.id > $after_id))")
            params["after_at"], params["after_id"] = value, last_id
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = await info.context.loaders.read(
            f"MATCH (n:AuditRecord){where} RETURN properties(n) AS p "
            "ORDER BY n.at, n.id LIMIT $limit",
            **params,
        )
        found = [r["p"] for r in rows]
        page = found[:first]
        edges = [
            Edge(cursor=encode_cursor("at", p.get("at"), p["id"]), node=registry.node(p))
            for p in page
        ]

        async def count() -> int:
            cwhere = f" WHERE {' AND '.join(count_conditions)}" if count_conditions else ""
            count_params.pop("limit", None)
            got = await info.context.loaders.read(
                f"MATCH (n:AuditRecord){cwhere} RETURN count(n) AS c", **count_params
            )
            return int(got[0]["c"]) if got else 0

        info_ = PageInfo(
            has_next_page=len(found) > first,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        )
        scope_params = {k: v for k, v in count_params.items() if k != "limit"}
        scope = Scope(TypeSpec(record_nt, (), frozenset()), tuple(count_conditions), scope_params)
        made: Connection[Any] = connection(edges=edges, page_info=info_, count=count, scope=scope)
        return made

    audit_log.__annotations__ = {
        "info": Info,
        "target_id": strawberry.ID | None,
        "actor": str | None,
        "since": str | None,
        "first": int,
        "after": str | None,
        "return": connection,
    }
    namespace = {
        "__module__": __name__,
        "audit_log": strawberry.field(
            resolver=audit_log,
            permission_classes=[IsAdmin],
            description="Every change made through the API, oldest first (admin only). "
            "`actor` is a role (`editor`) or a role and key fingerprint; `since` an ISO date "
            "or UTC time.",
        ),
    }
    return strawberry.type(type("AuditQuery", (), namespace))  # type: ignore[no-any-return]
