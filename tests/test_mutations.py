"""Audited edits over GraphQL: editors change the graph, every change leaves its record.

The app runs with real API keys (Settings.api_keys, read by the KeyAuth middleware);
each test starts from a small graph written through the Writer.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.auth import key_hash
from graph.ids import make_id
from graph.records import Edge, Node, Provenance, source_node
from graph.settings import Settings
from graph.store import Store
from graph.upsert import edge_id
from graph.writer import Writer

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


# -- the graph and the client -------------------------------------------------------------
@pytest.fixture
def ids(empty_store: Store) -> dict[str, str]:
    s1 = source_node("https://example.org/report", "A report", url="https://example.org/report")
    p = Provenance(s1.id, "p. 1")
    state = Node("State", {"code": "AA", "name": "Alphaland"}, p)
    incident = Node("Incident", {"ref": "INC-1", "title": "A case", "outcome": "detained"}, p)
    person = Node("Person", {"name": "Jane Exile", "roles": ["journalist"]}, p)
    person2 = Node("Person", {"name": "J. Exile"}, p)
    vendor = Node("Vendor", {"name": "SpyCo"}, p)
    summary = Writer(empty_store).write([s1, state, incident, person, person2, vendor])
    assert summary.total("rejected") == 0, summary.rejects
    return {
        "s1": s1.id,
        "state": state.id,
        "incident": incident.id,
        "person": person.id,
        "person2": person2.id,
        "vendor": vendor.id,
    }


@pytest.fixture
def client(empty_store: Store, test_settings: Settings) -> Iterator[TestClient]:
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    settings = dataclasses.replace(test_settings, api_keys=keys)
    with TestClient(create_app(settings, store=empty_store)) as c:
        yield c


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


# -- who may edit -------------------------------------------------------------------------
@pytest.mark.parametrize("role", [None, "analyst"])
def test_public_and_analyst_callers_cannot_edit(
    client: TestClient, empty_store: Store, ids: dict[str, str], role: str | None
) -> None:
    before = snapshot(empty_store)
    body = gql(client, CREATE_INCIDENT, role, input={"ref": "X", "title": "x"}, source=cite(ids))
    assert "editor role" in refused(body, "FORBIDDEN")["message"]
    refused(gql(client, SOFT_DELETE, role, id=ids["incident"], reason="r"), "FORBIDDEN")
    refused(
        gql(
            client,
            LINK,
            role,
            relation="ORIGIN_STATE",
            **{"from": ids["incident"]},
            to=ids["state"],
            source=cite(ids),
        ),
        "FORBIDDEN",
    )
    assert snapshot(empty_store) == before


def test_admin_reads_the_audit_log_and_an_editor_cannot(
    client: TestClient, ids: dict[str, str]
) -> None:
    created = ok(
        client, CREATE_INCIDENT, input={"ref": "INC-2", "title": "Second"}, source=cite(ids)
    )["createIncident"]
    for role in (None, "analyst", "editor"):
        error = refused(gql(client, AUDIT_LOG, role), "FORBIDDEN")
        assert "admin role" in error["message"]
        refused(gql(client, "{ auditRecords { totalCount } }", role), "FORBIDDEN")
        found = gql(client, "query($id: ID!) { node(id: $id) { id } }", role, id=created["auditId"])
        assert found["data"]["node"] is None
    assert [r["id"] for r in audit_log(client)] == [created["auditId"]]


# -- a good edit leaves exactly one audit record ------------------------------------------
def test_editor_creates_an_incident_with_provenance_and_one_audit_record(
    client: TestClient, empty_store: Store, ids: dict[str, str]
) -> None:
    result = ok(
        client,
        CREATE_INCIDENT,
        input={"ref": "INC-2", "title": "Second", "date": "2024-05"},
        source=cite(ids),
    )["createIncident"]
    assert result["id"] == make_id("Incident", "INC-2")
    assert result["node"]["title"] == "Second" and result["node"]["date"] == "2024-05"
    (citation,) = result["node"]["citations"]
    assert citation.startswith(f"{ids['s1']}|p. 2; edit by editor:")
    stored = empty_store.read(
        "MATCH (n:Incident {id: $id}) RETURN properties(n) AS p", id=result["id"]
    )[0]["p"]
    assert stored["source_ids"] == [ids["s1"]] and stored["confidence"] == 0.8
    # an edit is recorded like a load: its record time, one sighting of its source
    assert stored["first_seen"] == stored["last_seen"] and stored["first_seen"].endswith("Z")
    assert stored["sightings"] == [
        f"{ids['s1']}|edit|{stored['first_seen']}|{stored['first_seen']}|"
    ]

    (entry,) = audit_log(client, targetId=result["id"])
    assert entry["id"] == result["auditId"]
    assert entry["operation"] == "createIncident" and entry["targetType"] == "Incident"
    assert entry["actor"] == f"editor:{key_hash(KEYS['editor'])[:12]}"
    assert KEYS["editor"] not in json.dumps(entry)
    assert entry["at"].endswith("+00:00")
    assert json.loads(entry["before"]) is None
    assert json.loads(entry["after"])["title"] == "Second"
    assert len(audit_log(client)) == 1


def test_update_records_the_properties_before_and_after(
    client: TestClient, empty_store: Store, ids: dict[str, str]
) -> None:
    patch = {"title": "A renamed case", "outcome": None, "targetProfiles": ["journalist"]}
    result = ok(
        client, UPDATE_INCIDENT, id=ids["incident"], patch=patch, source=cite(ids, "para 4")
    )["updateIncident"]
    stored = empty_store.read(
        "MATCH (n:Incident {id: $id}) RETURN properties(n) AS p", id=ids["incident"]
    )[0]["p"]
    assert stored["title"] == "A renamed case" and "outcome" not in stored
    assert stored["target_profiles"] == ["journalist"]
    assert len(stored["citations"]) == 2 and "para 4; edit by editor:" in stored["citations"][1]
    (entry,) = audit_log(client, targetId=ids["incident"])
    assert entry["id"] == result["auditId"]
    before, after = json.loads(entry["before"]), json.loads(entry["after"])
    assert (before["title"], before["outcome"]) == ("A case", "detained")
    assert after["title"] == "A renamed case" and "outcome" not in after


def test_a_new_source_can_be_cited_and_created(
    client: TestClient, empty_store: Store, ids: dict[str, str]
) -> None:
    new = {"new": {"title": "A court ruling", "url": "https://example.org/ruling"}}
    result = ok(client, CREATE_PERSON, input={"name": "New Person"}, source=new)["createPerson"]
    source_id = make_id("Source", "https://example.org/ruling")
    stored = empty_store.read(
        "MATCH (n:Person {id: $id}) RETURN n.source_ids AS s", id=result["id"]
    )
    assert stored == [{"s": [source_id]}]
    created = ok(client, CREATE_SOURCE, input={"title": "Leak", "file": "leak.pdf"})
    assert created["createSource"]["id"] == make_id("Source", "leak.pdf")
    assert len(audit_log(client)) == 2


def test_link_and_unlink_are_audited(client: TestClient, ids: dict[str, str]) -> None:
    ends = {"from": ids["incident"], "to": ids["state"]}
    result = ok(client, LINK, relation="ORIGIN_STATE", source=cite(ids), **ends)["link"]
    assert result["id"] == edge_id("ORIGIN_STATE", ids["incident"], ids["state"])
    query = "query($id: ID!) { incident(id: $id) { originState { node { id } citations } } }"
    rels = ok(client, query, id=ids["incident"])["incident"]["originState"]
    assert [r["node"]["id"] for r in rels] == [ids["state"]]
    ok(client, UNLINK, relation="ORIGIN_STATE", reason="wrong country", **ends)
    assert ok(client, query, id=ids["incident"])["incident"]["originState"] == []
    link_entry, unlink_entry = audit_log(client, targetId=result["id"])
    assert json.loads(link_entry["before"]) is None
    assert json.loads(link_entry["after"])["source_ids"] == [ids["s1"]]
    assert json.loads(link_entry["after"])["first_seen"]  # the relation's record time
    assert unlink_entry["operation"] == "unlink" and unlink_entry["reason"] == "wrong country"
    assert json.loads(unlink_entry["before"])["id"] == result["id"]
    assert json.loads(unlink_entry["after"]) is None


def test_merge_decision_and_protection_are_stored_and_audited(
    client: TestClient, empty_store: Store, ids: dict[str, str]
) -> None:
    decided = ok(
        client,
        MERGE,
        left=ids["person2"],
        right=ids["person"],
        judgement="match",
        note="same passport",
    )["recordMergeDecision"]
    node = decided["node"]
    assert node["judgement"] == "match" and node["note"] == "same passport"
    assert node["decidedBy"].startswith("editor:")
    stored = empty_store.read("MATCH (d:MergeDecision) RETURN d.left AS l, d.right AS r")
    assert stored == [
        {"l": min(ids["person"], ids["person2"]), "r": max(ids["person"], ids["person2"])}
    ]
    ok(client, PROTECT, id=ids["person"], protected=True, reason="at risk")
    flag = empty_store.read("MATCH (n:Person {id: $id}) RETURN n.protected AS p", id=ids["person"])
    assert flag == [{"p": True}]
    operations = [r["operation"] for r in audit_log(client)]
    assert operations == ["recordMergeDecision", "markProtected"]
    assert len(audit_log(client, actor="editor")) == 2
    assert audit_log(client, actor="admin") == []


# -- bad input: a field-level error and no change -----------------------------------------
def _bad_cases(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    src = cite(ids)
    inc, state, person = ids["incident"], ids["state"], ids["person"]
    missing_state = make_id("State", "ZZ")
    return [
        (
            "date",
            CREATE_INCIDENT,
            {"input": {"ref": "N", "title": "t", "date": "yesterday"}, "source": src},
        ),
        ("title", CREATE_INCIDENT, {"input": {"ref": "N"}, "source": src}),
        ("ref", CREATE_INCIDENT, {"input": {"ref": "INC-1", "title": "dup"}, "source": src}),
        ("source", CREATE_INCIDENT, {"input": {"ref": "N", "title": "t"}, "source": {}}),
        (
            "source.id",
            CREATE_INCIDENT,
            {"input": {"ref": "N", "title": "t"}, "source": {"id": make_id("Source", "nowhere")}},
        ),
        (
            "source.id",
            CREATE_INCIDENT,
            {"input": {"ref": "N", "title": "t"}, "source": {"id": inc}},
        ),
        (
            "source.new.url",
            CREATE_INCIDENT,
            {"input": {"ref": "N", "title": "t"}, "source": {"new": {"title": "no document"}}},
        ),
        (
            "source.confidence",
            CREATE_INCIDENT,
            {"input": {"ref": "N", "title": "t"}, "source": {"id": ids["s1"], "confidence": 2}},
        ),
        ("name", CREATE_PERSON, {"input": {"birthDate": "1980"}, "source": src}),
        (
            "birthDate",
            CREATE_PERSON,
            {"input": {"name": "P", "birthDate": "1980-02-30"}, "source": src},
        ),
        ("url", CREATE_SOURCE, {"input": {"title": "no document"}}),
        (
            "id",
            UPDATE_INCIDENT,
            {"id": make_id("Incident", "nope"), "patch": {"title": "t"}, "source": src},
        ),
        ("id", UPDATE_INCIDENT, {"id": person, "patch": {"title": "t"}, "source": src}),
        ("date", UPDATE_INCIDENT, {"id": inc, "patch": {"date": "2024-13"}, "source": src}),
        ("title", UPDATE_INCIDENT, {"id": inc, "patch": {"title": None}, "source": src}),
        ("ref", UPDATE_INCIDENT, {"id": inc, "patch": {"ref": "INC-9"}, "source": src}),
        ("source", UPDATE_INCIDENT, {"id": inc, "patch": {"title": "t"}, "source": {}}),
        ("relation", LINK, {"relation": "LIKES", "from": inc, "to": state, "source": src}),
        ("to", LINK, {"relation": "ORIGIN_STATE", "from": inc, "to": person, "source": src}),
        ("from", LINK, {"relation": "ORIGIN_STATE", "from": state, "to": state, "source": src}),
        ("to", LINK, {"relation": "ORIGIN_STATE", "from": inc, "to": missing_state, "source": src}),
        ("to", LINK, {"relation": "ORIGIN_STATE", "from": inc, "to": "nothing", "source": src}),
        (
            "properties.nope",
            LINK,
            {
                "relation": "ORIGIN_STATE",
                "from": inc,
                "to": state,
                "properties": {"nope": 1},
                "source": src,
            },
        ),
        (
            "properties.start",
            LINK,
            {
                "relation": "ORIGIN_STATE",
                "from": inc,
                "to": state,
                "properties": {"start": "soon"},
                "source": src,
            },
        ),
        ("source", LINK, {"relation": "ORIGIN_STATE", "from": inc, "to": state, "source": {}}),
        ("to", UNLINK, {"relation": "ORIGIN_STATE", "from": inc, "to": state, "reason": "r"}),
        ("reason", UNLINK, {"relation": "ORIGIN_STATE", "from": inc, "to": state, "reason": " "}),
        ("judgement", MERGE, {"left": person, "right": ids["person2"], "judgement": "maybe"}),
        ("right", MERGE, {"left": person, "right": ids["vendor"], "judgement": "match"}),
        (
            "right",
            MERGE,
            {"left": person, "right": make_id("Person", "ghost", None), "judgement": "match"},
        ),
        ("personId", PROTECT, {"id": inc, "protected": True, "reason": "r"}),
        (
            "personId",
            PROTECT,
            {"id": make_id("Person", "ghost", None), "protected": True, "reason": "r"},
        ),
        ("reason", PROTECT, {"id": person, "protected": True, "reason": ""}),
        ("id", SOFT_DELETE, {"id": make_id("Vendor", "ghost"), "reason": "r"}),
        ("id", SOFT_DELETE, {"id": "not-an-id", "reason": "r"}),
        ("reason", SOFT_DELETE, {"id": inc, "reason": ""}),
        ("id", RESTORE, {"id": inc, "reason": "it is not deleted"}),
    ]


def test_every_bad_input_is_a_field_level_error_that_changes_nothing(
    client: TestClient, empty_store: Store, ids: dict[str, str]
) -> None:
    cases = _bad_cases(ids)
    assert {q for _, q, _ in cases} == {
        CREATE_INCIDENT,
        CREATE_PERSON,
        CREATE_SOURCE,
        UPDATE_INCIDENT,
        LINK,
        UNLINK,
        MERGE,
        PROTECT,
        SOFT_DELETE,
        RESTORE,
    }
    before = snapshot(empty_store)
    for field, query, variables in cases:
        body = gql(client, query, "editor", **variables)
        error = refused(body, "BAD_USER_INPUT")
        assert error["extensions"]["field"] == field, (variables, error)
        assert error["message"] and "Unexpected" not in error["message"]
        assert snapshot(empty_store) == before, (field, variables)
    assert audit_log(client) == []


# -- soft deletion --------------------------------------------------------------------------
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
