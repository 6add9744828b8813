"""Attack class: record time. The change feed and the record-time fields (firstSeen,
lastSeen, sightings) must tell the public nothing about a person at risk: no change to a
redacted or tied node, no sighting by a withheld source, no name in a dataset or label."""

from __future__ import annotations

from graph.ids import make_id

from .client import Attack
from .people import INCIDENT_REF, LIDIA, OFFICIAL, TOMASZ

#: Real ids the public must never get back (a guessed name's id would confirm the person).
HIDDEN = (
    LIDIA.id,
    TOMASZ.id,
    OFFICIAL.id,
    make_id("Person", OFFICIAL.name, None),
    make_id("Incident", INCIDENT_REF),
)

FEED = """query($kinds: [ChangeKindFilter!], $types: [String!]) {
  changes(since: "2000", kinds: $kinds, types: $types, first: 5000) {
    total since until
    loads { id dataset loader file started finished complete created updated unchanged lost }
    counts { loadId kind type count }
    changes { kind type id label sourceId dataset at loadId start end } } }"""


def test_the_public_change_feed_leaks_nothing_and_the_analyst_sees_the_targets(
    attack: Attack,
) -> None:
    for variables in (
        {},
        {"types": ["Person", "Incident", "TARGETED", "MEMBER_OF"]},
        {"kinds": ["LOST"]},
        {"kinds": ["ADDED"], "types": ["Source"]},
    ):
        r = attack.client.post(FEED, None, **variables)
        body = r.json()
        assert not body.get("errors"), body["errors"]
        assert attack.secrets.leaks(r.content) == [], variables
        assert "anon_" not in r.text  # hidden nodes are left out, not shown anonymously
        assert [i for i in HIDDEN if i in r.text] == [], variables
    analyst = attack.client.ok(FEED, "analyst", types=["Person"])["changes"]["changes"]
    ids = {c["id"] for c in analyst}
    assert {LIDIA.id, TOMASZ.id} <= ids or OFFICIAL.id in ids  # the checker is not blind


def test_record_time_fields_of_hidden_nodes_are_withheld(attack: Attack) -> None:
    query = """{ persons(first: 100) { edges { node { id firstSeen lastSeen lostAt sightings
      incomingTargeted { id firstSeen sightings node { id firstSeen sightings } } } } } }"""
    r = attack.client.post(query)
    assert attack.secrets.leaks(r.content) == []
    for edge in r.json()["data"]["persons"]["edges"]:
        node = edge["node"]
        if node["id"].startswith("anon_"):
            assert (node["firstSeen"], node["lastSeen"], node["sightings"]) == (None, None, None)
            for rel in node["incomingTargeted"]:
                assert rel["sightings"] is None and rel["node"]["sightings"] is None
    seen = attack.client.ok(query, "analyst")["persons"]["edges"]
    assert any(e["node"]["sightings"] for e in seen)
