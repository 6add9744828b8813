"""The mutations the edit tests send, and helpers that send them with a role's key."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from graph.store import Store

KEYS = {
    "analyst": "analyst-key-0123456789abcdef",
    "editor": "editor-key-0123456789abcdef",
    "admin": "admin-key-0123456789abcdef",
}

CREATE_INCIDENT = """
mutation($input: IncidentInput!, $source: SourceRefInput!) {
  createIncident(input: $input, source: $source) {
    operation id auditId node { id citations ... on Incident { title date } }
  }
}"""
UPDATE_INCIDENT = """
mutation($id: ID!, $patch: IncidentPatch!, $source: SourceRefInput!) {
  updateIncident(id: $id, patch: $patch, source: $source) { id auditId }
}"""
CREATE_PERSON = """
mutation($input: PersonInput!, $source: SourceRefInput!) {
  createPerson(input: $input, source: $source) { id auditId }
}"""
CREATE_SOURCE = """
mutation($input: SourceInput!) { createSource(input: $input) { id auditId } }"""
LINK = """
mutation($relation: String!, $from: ID!, $to: ID!, $properties: JSON, $source: SourceRefInput!) {
  link(relation: $relation, from: $from, to: $to, properties: $properties, source: $source) {
    id auditId
  }
}"""
UNLINK = """
mutation($relation: String!, $from: ID!, $to: ID!, $reason: String!) {
  unlink(relation: $relation, from: $from, to: $to, reason: $reason) { id auditId }
}"""
MERGE = """
mutation($left: ID!, $right: ID!, $judgement: String!, $note: String) {
  recordMergeDecision(left: $left, right: $right, judgement: $judgement, note: $note) {
    id auditId node { ... on MergeDecision { judgement decidedBy note } }
  }
}"""
PROTECT = """
mutation($id: ID!, $protected: Boolean!, $reason: String!) {
  markProtected(personId: $id, protected: $protected, reason: $reason) { id auditId }
}"""
SOFT_DELETE = """
mutation($id: ID!, $reason: String!) { softDelete(id: $id, reason: $reason) { id auditId } }"""
RESTORE = """
mutation($id: ID!, $reason: String!) { restore(id: $id, reason: $reason) { id auditId } }"""
AUDIT_LOG = """
query($targetId: ID, $actor: String, $since: String, $first: Int! = 50, $after: String) {
  auditLog(targetId: $targetId, actor: $actor, since: $since, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id operation targetId targetType actor at before after reason } }
  }
}"""


def gql(client: TestClient, query: str, role: str | None = None, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {KEYS[role]}"} if role else {}
    r = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def ok(client: TestClient, query: str, role: str = "editor", **variables: Any) -> Any:
    body = gql(client, query, role, **variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


def refused(body: Any, code: str) -> dict[str, Any]:
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, error
    return dict(error)


def snapshot(store: Store) -> tuple[Any, ...]:
    """Everything in the store: every node and relation with its properties."""
    nodes = store.read("MATCH (n) RETURN n.id AS id, properties(n) AS p ORDER BY id")
    rels = store.read(
        "MATCH (a)-[r]->(b) RETURN type(r) AS t, a.id AS a, b.id AS b, properties(r) AS p "
        "ORDER BY t, a, b"
    )
    return tuple(_dump(nodes)), tuple(_dump(rels))


def _dump(rows: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(r, sort_keys=True, default=str) for r in rows]


def audit_log(client: TestClient, **variables: Any) -> list[dict[str, Any]]:
    data = ok(client, AUDIT_LOG, "admin", **variables)
    return [e["node"] for e in data["auditLog"]["edges"]]


def cite(ids: dict[str, str], locator: str = "p. 2") -> dict[str, Any]:
    return {"id": ids["s1"], "locator": locator, "confidence": 0.8}
