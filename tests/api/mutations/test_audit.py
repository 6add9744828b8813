"""A good edit leaves exactly one audit record: create, update, cite, link, merge decisions."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from api.auth import key_hash
from graph.ids import make_id
from graph.store import Store
from graph.upsert import edge_id
from tests.api.mutations.edits import (
    CREATE_INCIDENT,
    CREATE_PERSON,
    CREATE_SOURCE,
    KEYS,
    LINK,
    MERGE,
    PROTECT,
    UNLINK,
    UPDATE_INCIDENT,
    audit_log,
    cite,
    ok,
)


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
