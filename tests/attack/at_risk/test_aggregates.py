"""Attack class 6: aggregates and relation-empty filters. Counting, summing and
grouping answer nothing about a person at risk that a page of the connection would not:
no group-by or statistic over a withheld property, no count per withheld value, no
membership of a redacted person, hidden nodes only under their anonymous ids."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graph.ids import make_id

from .client import Attack
from .people import AFFILIATION, LIDIA, OFFICIAL, ORG_NAME, POSITION

ORG = make_id("Organization", ORG_NAME)
GROUP = """query($by: PersonGroupBy!) { persons(first: 0) { aggregate {
  groupBy(by: $by, limit: 200) { key label count } } } }"""


def _blob(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("field", ["NAME", "BIRTH_DATE", "AFFILIATION", "POSITION", "GENDER"])
def test_public_cannot_group_persons_by_a_withheld_property(attack: Attack, field: str) -> None:
    body = attack.client.gql(GROUP, None, by={"property": field})
    assert body.get("data") is None and body["errors"]
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert not attack.secrets.leaks(_blob(body))
    # the analyst's answer is the control: the value is there to be found
    if field == "POSITION":
        got = attack.client.ok(GROUP, "analyst", by={"property": field})
        groups = got["persons"]["aggregate"]["groupBy"]
        assert any(g["key"] == POSITION and g["count"] >= 1 for g in groups)


@pytest.mark.parametrize("field", ["TITLE", "REF"])
def test_public_cannot_group_incidents_by_a_withheld_property(attack: Attack, field: str) -> None:
    body = attack.client.gql(
        """query($f: IncidentGroupField!) { incidents(first: 0) {
      aggregate { groupBy(by: {property: $f}) { key count } } } }""",
        None,
        f=field,
    )
    assert body.get("data") is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert not attack.secrets.leaks(_blob(body))


def test_public_groups_by_a_public_property_leak_nothing(attack: Attack) -> None:
    body = attack.client.ok(GROUP, None, by={"property": "RESIDENCE_COUNTRY"})
    groups = body["persons"]["aggregate"]["groupBy"]
    assert (
        sum(g["count"] for g in groups)
        == attack.client.ok("{ persons(first: 0) { totalCount } }")["persons"]["totalCount"]
    )
    assert not attack.secrets.leaks(_blob(body))
    for q in (
        "{ incidents(first: 0) { aggregate { count stats { year { sum min max avg } "
        "targetCount { sum } } groupBy(by: {property: OUTCOME}, limit: 200) { key count "
        "stats { year { min max } } } } } }",
        "{ incidents(first: 0) { aggregate { groupBy(by: {relation: TARGETED}, limit: 200, "
        "orderBy: {by: KEY, direction: ASC}) { key label type count } } } }",
    ):
        body = attack.client.ok(q)
        assert not attack.secrets.leaks(_blob(body)), q


@pytest.mark.parametrize(
    "prop,value",
    [("position", POSITION), ("affiliation", AFFILIATION), ("birthDate", LIDIA.birth_date)],
)
def test_public_cannot_count_a_withheld_value_through_a_filtered_aggregate(
    attack: Attack,
    prop: str,
    value: str | None,
) -> None:
    q = (
        f"query($v: String!) {{ persons(first: 0, filter: {{{prop}: {{eq: $v}}}}) {{ "
        "totalCount aggregate { count groupBy(by: {property: RESIDENCE_COUNTRY}) { key count } "
        "} } }"
    )
    public = attack.client.ok(q, None, v=value)["persons"]
    assert public["totalCount"] == public["aggregate"]["count"] == 0
    assert public["aggregate"]["groupBy"] == []
    analyst = attack.client.ok(q, "analyst", v=value)["persons"]
    assert analyst["aggregate"]["count"] >= 1  # the control: the filter does match


def test_a_targets_membership_is_neither_counted_nor_grouped(attack: Attack) -> None:
    q = """query($org: ID!) { orgs: organizations(first: 0, filter: {ids: [$org],
      hasIncomingMemberOf: true}) { totalCount }
      members: persons(first: 0, filter: {hasMemberOf: true}) { aggregate { count
        groupBy(by: {relation: MEMBER_OF}, limit: 200) { key count } } }
      byOrg: organizations(first: 0, filter: {ids: [$org]}) { aggregate {
        groupBy(by: {relation: INCOMING_MEMBER_OF}) { key count } } } }"""
    public = attack.client.ok(q, None, org=ORG)
    analyst = attack.client.ok(q, "analyst", org=ORG)
    assert analyst["orgs"]["totalCount"] == 1 and public["orgs"]["totalCount"] == 0
    assert analyst["byOrg"]["aggregate"]["groupBy"][0]["key"] == LIDIA.id
    assert public["byOrg"]["aggregate"]["groupBy"] == [{"key": None, "count": 1}]
    redacted = attack.store.read(
        "MATCH (p:Person)-[:MEMBER_OF]->() WHERE p.is_target = true OR p.protected = true "
        "RETURN count(DISTINCT p) AS c"
    )[0]["c"]
    assert redacted >= 2  # Lidia and the official
    members = public["members"]["aggregate"]
    assert members["count"] == analyst["members"]["aggregate"]["count"] - redacted
    keys = {g["key"] for g in members["groupBy"]}
    assert (
        ORG not in keys
        and make_id("Agency", "Swedish Migration Intelligence Unit", "SE") not in keys
    )
    assert not attack.secrets.leaks(_blob(public))


def test_hidden_nodes_are_grouped_and_ordered_by_their_anonymous_ids(attack: Attack) -> None:
    q = """{ incidents(first: 0) { aggregate { groupBy(by: {relation: TARGETED}, limit: 200,
      orderBy: {by: KEY, direction: ASC}) { key label count } } } }"""
    groups = attack.client.ok(q)["incidents"]["aggregate"]["groupBy"]
    keys = [g["key"] for g in groups if g["key"] is not None]
    persons = [k for k in keys if not k.startswith("organization_")]
    assert persons and all(k.startswith("anon_") for k in persons)
    assert keys == sorted(keys)
    assert LIDIA.id not in keys and OFFICIAL.id not in keys
    assert not attack.secrets.leaks(_blob(groups))
