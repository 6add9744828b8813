"""Attack classes 8 and 9: soft-deleted nodes are hidden from every read (the analytical
answers of queries/ too), the audit trail cannot be hidden by an editor, public
citations carry no editor's key fingerprint, and the engine's files are private."""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest

from graph.ids import make_id

from .client import Attack
from .people import PUBLIC_INCIDENT

SOFT_DELETE = """mutation($id: ID!, $reason: String!) {
  softDelete(id: $id, reason: $reason) { id auditId } }"""
RESTORE = """mutation($id: ID!, $reason: String!) { restore(id: $id, reason: $reason) { id } }"""


def _stored_incidents(attack: Attack, origin: str, deleted: bool) -> dict[int, int]:
    """Incidents of `origin` per year as stored: live ones, and with `deleted` also the
    soft-deleted ones (kept outside the live graph as DeletedNode, their relations in JSON)."""
    rows = attack.store.read(
        "MATCH (i:Incident)-[:ORIGIN_STATE]->(:State {code: $c}) RETURN i.year AS y, i.date AS d",
        c=origin,
    )
    if deleted:
        state = make_id("State", origin)
        for r in attack.store.read(
            "MATCH (d:DeletedNode {node_type: 'Incident'}) "
            "RETURN d.properties AS p, d.relations AS rels"
        ):
            rels = json.loads(r["rels"])
            if any(x["type"] == "ORIGIN_STATE" and x["other"] == state for x in rels):
                props = json.loads(r["p"])
                rows.append({"y": props.get("year"), "d": props.get("date")})
    out: dict[int, int] = {}
    for r in rows:
        year = r["y"] or (int(str(r["d"])[:4]) if r["d"] else None)
        if year is not None:
            out[year] = out.get(year, 0) + 1
    return out


@pytest.mark.parametrize("role", [None, "analyst"])
def test_incidents_per_year_counts_no_deleted_incident(attack: Attack, role: str | None) -> None:
    body = attack.client.ok(
        '{ incidentsPerYear(origin: "RU") { total years { year count } } }', role
    )["incidentsPerYear"]
    shown = {y["year"]: y["count"] for y in body["years"]}
    live, every = _stored_incidents(attack, "RU", False), _stored_incidents(attack, "RU", True)
    assert every.get(2022, 0) == live.get(2022, 0) + 1  # the fixture's deleted incident
    assert shown.get(2022, 0) == live.get(2022, 0), (shown, live)


@pytest.mark.parametrize("role", [None, "analyst"])
def test_sanctions_coverage_counts_no_deleted_incident(attack: Attack, role: str | None) -> None:
    body = attack.client.ok(
        "{ sanctionsCoverage(by: ORIGIN) { groups { key incidents incidentIds } } }", role
    )["sanctionsCoverage"]
    text = json.dumps(body)
    assert not any(i in text for i in attack.deleted_ids), "a deleted incident is counted"
    [ru] = [g for g in body["groups"] if g["key"] in ("RU", make_id("State", "RU"))]
    stored = attack.store.read(
        "MATCH (i:Incident)-[:ORIGIN_STATE]->(:State {code: 'RU'}) RETURN count(DISTINCT i) AS n"
    )[0]["n"]
    assert stored and attack.deleted_ids
    assert ru["incidents"] == stored, (ru["key"], ru["incidents"], stored)


def test_editor_cannot_hide_the_audit_logs_own_source(attack: Attack) -> None:
    source = make_id("Source", "tnr-graph:audit")
    body = attack.client.gql(SOFT_DELETE, "editor", id=source, reason="hide the trail")
    if not body.get("errors"):  # leave the fixture as it was before saying so
        attack.client.ok(RESTORE, "editor", id=source, reason="undo the attack test")
    assert body.get("errors"), body


def test_public_citations_carry_no_editor_fingerprint_or_edit_time(attack: Attack) -> None:
    q = """query($id: ID!) { node(id: $id) { ... on Incident { citations
      sources { id title } } } }"""
    node: dict[str, Any] = attack.client.ok(q, id=make_id("Incident", PUBLIC_INCIDENT))["node"]
    text = json.dumps(node)
    assert not [h for h in attack.secrets.leaks(text) if "fingerprint" in h]
    assert "edit by editor" not in text


def test_engine_files_are_readable_by_their_owner_only(attack: Attack) -> None:
    root = attack.settings.data_dir
    if attack.settings.uses_neo4j:
        pytest.skip("Neo4j's files are not in the data dir")
    loose = [
        str(p) for p in [root, *root.rglob("*")] if p.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    ]
    assert loose == [], loose[:8]
