"""Attack class 5: the network fields (neighbourhood, subgraph, shortestPath, search).
They never hand out an AuditRecord or a deleted node (not to public, not to an analyst),
nor the MEMBER_OF link of a redacted person, nor a row locator into a person-listing file."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graph.ids import make_id

from .client import Attack, public_ids_of_targets
from .people import DELETED_VENDOR, INCIDENT_REF, LIDIA, OFFICIAL, ORG_NAME

GRAPH = "nodes { id type label properties } edges { id type source target properties } cytoscape"
NEIGHBOURHOOD = f"""query($id: ID!, $d: Int!) {{ neighbourhood(id: $id, depth: $d, limit: 1000) {{
  {GRAPH} }} }}"""
SUBGRAPH = f"query($ids: [ID!]!) {{ subgraph(ids: $ids) {{ {GRAPH} }} }}"
PATH = f"""query($a: ID!, $b: ID!) {{ shortestPath(from: $a, to: $b) {{ found length
  graph {{ {GRAPH} }} }} }}"""
SEARCH = "query($t: String!) { search(text: $t, first: 100) { id type label matched } }"
ORG = make_id("Organization", ORG_NAME)
AGENCY = make_id("Agency", "Swedish Migration Intelligence Unit", "SE")
RU = make_id("State", "RU")
PEGASUS = make_id("Product", "Pegasus", "NSO Group")


def _graphs(attack: Attack, role: str | None) -> list[tuple[str, Any]]:
    """Every network answer an attacker can ask for around the hidden and admin-only data."""
    c = attack.client
    audit, deleted = attack.audit_ids, attack.deleted_ids
    anon = public_ids_of_targets(c, INCIDENT_REF, role)
    incident = make_id("Incident", INCIDENT_REF)
    out: list[tuple[str, Any]] = []
    for start in [*audit, *deleted, ORG, AGENCY, incident, *anon, LIDIA.id, OFFICIAL.id]:
        for depth in (1, 2):
            out.append(
                (f"neighbourhood({start}, {depth})", c.gql(NEIGHBOURHOOD, role, id=start, d=depth))
            )
    out.append(("neighbourhood(RU, 1)", c.gql(NEIGHBOURHOOD, role, id=RU, d=1)))
    out.append(("neighbourhood(Pegasus, 1)", c.gql(NEIGHBOURHOOD, role, id=PEGASUS, d=1)))
    ids = [*audit, *deleted, ORG, AGENCY, incident, *anon, LIDIA.id, OFFICIAL.id, RU]
    out.append(("subgraph(all)", c.gql(SUBGRAPH, role, ids=ids)))
    for a, b in [
        (audit[0], LIDIA.id),
        (audit[0], RU),
        (ORG, incident),
        (AGENCY, RU),
        (RU, deleted[0]),
        (deleted[1], RU),
        (ORG, RU),
    ]:
        out.append((f"shortestPath({a}, {b})", c.gql(PATH, role, a=a, b=b)))
    for text in (
        "updatePerson",
        "updateIncident",
        "softDelete",
        "editor",
        "Quillwort",
        DELETED_VENDOR,
        "Marshwillow",
        "Zephyrine",
        "AuditRecord",
    ):
        out.append((f"search({text})", c.gql(SEARCH, role, t=text)))
    return out


def _nodes(body: Any) -> list[dict[str, Any]]:
    """Every node-like object in an answer (network nodes, search hits)."""
    found: list[dict[str, Any]] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            if "id" in x and "type" in x:
                found.append(x)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(body.get("data"))
    return found


@pytest.mark.parametrize("role", [None, "analyst"])
def test_network_fields_never_return_audit_records_or_deleted_nodes(
    attack: Attack, role: str | None
) -> None:
    bad = []
    hidden = set(attack.audit_ids) | set(attack.deleted_ids)
    for what, body in _graphs(attack, role):
        text = json.dumps(body, ensure_ascii=False)
        types = {n.get("type") for n in _nodes(body)}
        if "AuditRecord" in types or any(i in text for i in hidden) or "auditrecord_" in text:
            bad.append(what)
        elif attack.analyst_secrets.leaks(text):
            bad.append(f"{what}: {attack.analyst_secrets.leaks(text)}")
    assert bad == [], "\n".join(bad)


def test_public_network_fields_leak_nothing_of_people_at_risk(attack: Attack) -> None:
    bad = [
        f"{what}: {hits[:4]}"
        for what, body in _graphs(attack, None)
        if (hits := attack.secrets.leaks(json.dumps(body, ensure_ascii=False)))
    ]
    assert bad == [], "\n".join(bad)


def _member_of(body: Any) -> list[dict[str, Any]]:
    return [e for e in _nodes(body) if e.get("type") == "MEMBER_OF"]


def test_public_sees_no_member_of_link_of_a_redacted_person(attack: Attack) -> None:
    c = attack.client
    answers = [
        c.gql(NEIGHBOURHOOD, None, id=ORG, d=1),
        c.gql(NEIGHBOURHOOD, None, id=AGENCY, d=1),
        c.gql(NEIGHBOURHOOD, None, id=ORG, d=2),
        c.gql(SUBGRAPH, None, ids=[ORG, AGENCY, *public_ids_of_targets(c, INCIDENT_REF)]),
        c.gql(PATH, None, a=ORG, b=make_id("Incident", INCIDENT_REF)),
    ]
    members = """query($id: ID!) { node(id: $id) { ... on Organization { incomingMemberOf {
      id type role citations node { id label } } } ... on Agency { incomingMemberOf {
      id type role citations node { id label } } } } }"""
    answers += [c.gql(members, None, id=ORG), c.gql(members, None, id=AGENCY)]
    links = [e for body in answers for e in _member_of(body)]
    for body in answers[-2:]:
        node = (body.get("data") or {}).get("node") or {}
        links += node.get("incomingMemberOf") or []
    assert links == [], links[:3]
    # the test can fail: an analyst sees both memberships
    seen = _member_of(c.gql(NEIGHBOURHOOD, "analyst", id=ORG, d=1))
    seen += _member_of(c.gql(NEIGHBOURHOOD, "analyst", id=AGENCY, d=1))
    assert len({e["id"] for e in seen}) == 2  # (each edge is in `edges` and in `cytoscape`)


INCIDENTS = """query($a: String) { incidents(first: 100, after: $a) {
  pageInfo { hasNextPage endCursor } edges { node { id ref citations
  incomingTargeted: targeted { id citations node { id } } } } } }"""


def test_public_citations_and_refs_carry_no_row_locator(attack: Attack) -> None:
    """A victims file lists people by name, one a line: "line 69" re-identifies them."""
    c = attack.client
    locators = [k for k in attack.secrets.patterns]
    blobs = [json.dumps(body) for _, body in _graphs(attack, None)]
    after = None
    while True:
        body = c.gql(INCIDENTS, None, a=after)
        blobs.append(json.dumps(body, ensure_ascii=False))
        page = (body.get("data") or {}).get("incidents")
        if not page or not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    found = {h for b in blobs for h in attack.secrets.leaks(b) if h in locators}
    assert found == set()
    # the test can fail: an analyst's view of the same incidents holds the locators
    analyst = json.dumps(c.gql(INCIDENTS, "analyst", a=None))
    assert "line" in analyst
