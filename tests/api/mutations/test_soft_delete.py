"""Soft deletion hides a node and keeps it; restore, reloads and the audit log's own source."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from graph.ids import make_id
from graph.records import Edge, Node, Provenance
from graph.store import Store
from graph.writer import Writer
from tests.api.mutations.edits import (
    AUDIT_LOG,
    CREATE_INCIDENT,
    LINK,
    RESTORE,
    SOFT_DELETE,
    UPDATE_INCIDENT,
    audit_log,
    cite,
    gql,
    ok,
    refused,
)


def test_soft_delete_hides_a_node_but_keeps_it_and_restore_brings_it_back(
    client: TestClient, empty_store: Store, ids: dict[str, str]
) -> None:
    inc = ids["incident"]
    ok(client, LINK, relation="ORIGIN_STATE", source=cite(ids), **{"from": inc, "to": ids["state"]})
    reads = """query($id: ID!, $state: ID!) {
      node(id: $id) { id } incident(id: $id) { id }
      incidents { totalCount edges { node { id } } }
      state: node(id: $state) { ... on State { incomingOriginState { node { id } } } }
    }"""

    def visible() -> dict[str, Any]:
        return dict(ok(client, reads, "analyst", id=inc, state=ids["state"]))

    shown = visible()
    assert shown["node"] == {"id": inc} and shown["incidents"]["totalCount"] == 1
    assert shown["state"]["incomingOriginState"] == [{"node": {"id": inc}}]

    ok(client, SOFT_DELETE, id=inc, reason="duplicate of another record")
    hidden = visible()
    assert hidden["node"] is None and hidden["incident"] is None
    assert hidden["incidents"] == {"totalCount": 0, "edges": []}
    assert hidden["state"]["incomingOriginState"] == []
    # Out of the live graph (no read can reach it), kept whole beside it for restore.
    assert empty_store.read("MATCH (n:Incident {id: $id}) RETURN n.id", id=inc) == []
    kept = empty_store.read(
        "MATCH (d:DeletedNode {node_id: $id}) RETURN d.reason AS r, "
        "d.properties AS p, d.relations AS rels",
        id=inc,
    )
    assert kept[0]["r"] == "duplicate of another record"
    assert json.loads(kept[0]["p"])["title"] == "A case"
    assert [r["type"] for r in json.loads(kept[0]["rels"])] == ["ORIGIN_STATE"]
    again = gql(client, SOFT_DELETE, "editor", id=inc, reason="twice")
    assert refused(again, "BAD_USER_INPUT")["extensions"]["field"] == "id"
    edit = gql(client, UPDATE_INCIDENT, "editor", id=inc, patch={"title": "t"}, source=cite(ids))
    assert refused(edit, "BAD_USER_INPUT")["extensions"]["field"] == "id"

    ok(client, RESTORE, id=inc, reason="not a duplicate after all")
    assert visible() == shown
    trail = audit_log(client, targetId=inc)
    assert [r["operation"] for r in trail] == ["softDelete", "restore"]
    assert json.loads(trail[0]["after"])["deleted_reason"] == "duplicate of another record"
    assert "deleted_at" not in json.loads(trail[1]["after"])


def test_the_audit_log_pages_and_filters_by_time(client: TestClient, ids: dict[str, str]) -> None:
    for n in range(3):
        ok(client, CREATE_INCIDENT, input={"ref": f"P-{n}", "title": f"Case {n}"}, source=cite(ids))
    first = ok(client, AUDIT_LOG, "admin", first=2)["auditLog"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    rest = ok(client, AUDIT_LOG, "admin", first=2, after=first["pageInfo"]["endCursor"])
    page2 = rest["auditLog"]["edges"]
    assert len(page2) == 1 and not rest["auditLog"]["pageInfo"]["hasNextPage"]
    last_at = page2[0]["node"]["at"]
    assert [r["at"] for r in audit_log(client, since=last_at)] == [last_at]
    bad = gql(client, AUDIT_LOG, "admin", since="last week")
    assert refused(bad, "BAD_USER_INPUT")["extensions"]["field"] == "since"


def test_a_reload_does_not_bring_a_soft_deleted_node_back(
    client: TestClient, ids: dict[str, str], empty_store: Store
) -> None:
    ok(client, SOFT_DELETE, id=ids["incident"], reason="a duplicate")
    p = Provenance(ids["s1"], "p. 1")
    again = [
        Node("Incident", {"ref": "INC-1", "title": "A case", "outcome": "detained"}, p),
        Node("State", {"code": "AA", "name": "Alphaland"}, p),
    ]
    summary = Writer(empty_store).write([*again, Edge("ORIGIN_STATE", again[0].id, again[1].id, p)])
    assert summary.counts["Incident"].deleted == 1 and summary.counts["ORIGIN_STATE"].deleted == 1
    assert empty_store.read("MATCH (n:Incident) RETURN n.id AS id") == []
    ok(client, RESTORE, id=ids["incident"], reason="not a duplicate")
    assert Writer(empty_store).write(again).counts["Incident"].unchanged == 1


def test_the_audit_logs_own_source_cannot_be_deleted(
    client: TestClient, ids: dict[str, str]
) -> None:
    ok(
        client,
        UPDATE_INCIDENT,
        id=ids["incident"],
        patch={"title": "Another case"},
        source=cite(ids),
    )
    audit_source = make_id("Source", "tnr-graph:audit")
    body = gql(client, SOFT_DELETE, "editor", id=audit_source, reason="hide the trail")
    assert refused(body, "BAD_USER_INPUT")["extensions"]["field"] == "id"
    assert ok(client, AUDIT_LOG, "admin", targetId=ids["incident"])["auditLog"]["totalCount"] == 1
