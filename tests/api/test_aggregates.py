"""Aggregates on every connection and relation-empty filters, on the real files.

Every expected figure is computed here from the raw CSV with csv, or with a hand-written
Cypher query; the top-5 that once took 7 pages or 31 aliases is one request.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.hidden import changed as visibility_changed
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer
from loaders import registry
from tests.gql import SCHEMA, gql, gql_error
from tests.shared import shared_file

UK = "uk_export_licence_values_2008-2015.csv"
PEGASUS = "data-pegasus-victims.csv"
CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"

TOP5 = """query($code: String!) { exportLicences(first: 0, filter: {controlCode: {eq: $code}}) {
  aggregate { count stats { value { count sum min max avg } }
    groupBy(by: {relation: DESTINATION}, limit: 5, orderBy: {by: SUM, field: VALUE}) {
      key label type count stats { value { sum } } } } } }"""


def uk_rows(rating: str = "5A001") -> list[dict[str, str]]:
    with shared_file(UK).open(encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["rating"] == rating]


@pytest.fixture(scope="module")
def loaded(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The curated data, the Pegasus victims and the UK licences rated 5A001."""
    src = shared_file(UK)
    subset = tmp_path_factory.mktemp("uk") / UK
    with (
        src.open(encoding="utf-8", newline="") as fh,
        subset.open("w", encoding="utf-8", newline="") as out,
    ):
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        writer.writerows(r for r in reader if r["rating"] == "5A001")
    loaders = registry()
    store.bind_ogm()
    store.wipe()
    visibility_changed(store)
    for name, path in (
        ("curated", CURATED),
        ("spyware-victims", shared_file(PEGASUS)),
        ("uk-export-licences", subset),
    ):
        Writer(store).write(loaders[name].parse(path))
    visibility_changed(store)
    yield store
    store.wipe()
    visibility_changed(store)


def test_top_five_5a001_destinations_by_summed_value_in_one_request(loaded: Store) -> None:
    rows = uk_rows()
    sums: dict[str, float] = defaultdict(float)
    counts: Counter[str] = Counter()
    for r in rows:
        counts[r["country"]] += 1
        sums[r["country"]] += float(r["value"] or 0)
    expected = sorted(sums, key=lambda c: -sums[c])[:5]

    agg = gql(loaded, TOP5, code="5A001")["exportLicences"]["aggregate"]
    groups = agg["groupBy"]
    assert [(g["count"], round(g["stats"]["value"]["sum"])) for g in groups] == [
        (counts[c], round(sums[c])) for c in expected
    ]
    assert all(g["type"] == "State" for g in groups)
    # each group's key is the State its licences go to (a hand-written Cypher count)
    for g in groups:
        found = loaded.read(
            "MATCH (l:ExportLicence {control_code: '5A001'})-[:DESTINATION]->"
            "(s:State {id: $id}) RETURN count(l) AS c",
            id=g["key"],
        )
        assert found[0]["c"] == g["count"]
    assert {g["label"] for g in groups} >= {"Iraq", "Lebanon", "Indonesia", "Malaysia"} & set(
        expected
    )

    values = [float(r["value"]) for r in rows if r["value"]]
    assert agg["count"] == len(rows)
    stats = agg["stats"]["value"]
    assert stats["count"] == len(values)
    assert stats["sum"] == pytest.approx(sum(values))
    assert stats["min"] == min(values) and stats["max"] == max(values)
    assert stats["avg"] == pytest.approx(sum(values) / len(values))


def test_group_by_a_property_counts_like_the_csv(loaded: Store) -> None:
    rows = uk_rows()
    decisions = Counter("refused" if r["refused"] == "1" else "granted" for r in rows)
    data = gql(
        loaded,
        """{ exportLicences(first: 0, filter: {controlCode: {eq: "5A001"}}) {
      aggregate { groupBy(by: {property: DECISION}) { key count } } } }""",
    )
    got = {g["key"]: g["count"] for g in data["exportLicences"]["aggregate"]["groupBy"]}
    assert got == dict(decisions)

    years = Counter(r["date"][:4] for r in rows)
    data = gql(
        loaded,
        """{ exportLicences(first: 0, filter: {controlCode: {eq: "5A001"}}) {
      aggregate { groupBy(by: {property: YEAR}, limit: 3, orderBy: {by: KEY, direction: ASC}) {
        key count stats { value { max } } } } } }""",
    )
    groups = data["exportLicences"]["aggregate"]["groupBy"]
    assert [(g["key"], g["count"]) for g in groups] == sorted(years.items())[:3]
    for g in groups:
        top = max(float(r["value"] or 0) for r in rows if r["date"][:4] == g["key"])
        assert g["stats"]["value"]["max"] == top


def test_aggregates_follow_the_connections_filter(loaded: Store) -> None:
    rows = [r for r in uk_rows() if r["refused"] == "1" and r["date"][:4] >= "2012"]
    data = gql(
        loaded,
        """{ exportLicences(first: 0, filter: {controlCode: {eq: "5A001"},
      decision: {eq: "refused"}, year: {gte: 2012}}) { totalCount aggregate { count
      stats { value { count sum } } } } }""",
    )
    conn = data["exportLicences"]
    assert conn["totalCount"] == conn["aggregate"]["count"] == len(rows)
    values = [float(r["value"]) for r in rows if r["value"]]
    stats = conn["aggregate"]["stats"]["value"]
    assert stats["count"] == len(values)
    # a sum over no values is null, not 0 (refused licences carry no value in the file)
    assert stats["sum"] == (pytest.approx(sum(values)) if values else None)


def test_incidents_with_no_origin_state(loaded: Store) -> None:
    expected = loaded.read(
        "MATCH (i:Incident) WHERE NOT (i)-[:ORIGIN_STATE]->() RETURN count(i) AS c"
    )[0]["c"]
    total = loaded.read("MATCH (i:Incident) RETURN count(i) AS c")[0]["c"]
    with shared_file(PEGASUS).open(encoding="utf-8", newline="") as fh:
        no_operator = sum(1 for r in csv.DictReader(fh) if not r["operator"].strip())
    assert expected >= 1 and no_operator >= 1
    for role in (Role.PUBLIC, Role.ANALYST):
        data = gql(
            loaded,
            """{ without: incidents(first: 0, filter: {hasOriginState: false}) {
          totalCount } with: incidents(first: 0, filter: {hasOriginState: true}) {
          aggregate { count } } }""",
            role,
        )
        assert data["without"]["totalCount"] == expected
        assert data["with"]["aggregate"]["count"] == total - expected


def test_group_incidents_by_origin_state_like_cypher(loaded: Store) -> None:
    rows = loaded.read(
        "MATCH (i:Incident) OPTIONAL MATCH (i)-[:ORIGIN_STATE]->(s:State) "
        "WITH DISTINCT i, s RETURN s.id AS s, count(i) AS c"
    )
    expected = {r["s"]: r["c"] for r in rows}
    data = gql(
        loaded,
        """{ incidents(first: 0) { aggregate { groupBy(by: {relation: ORIGIN_STATE},
      limit: 200) { key count } } } }""",
        Role.ANALYST,
    )
    got = {g["key"]: g["count"] for g in data["incidents"]["aggregate"]["groupBy"]}
    assert got == expected
    counts = [g["count"] for g in data["incidents"]["aggregate"]["groupBy"]]
    assert counts == sorted(counts, reverse=True)


def test_bad_group_requests_are_refused(loaded: Store) -> None:
    assert "exactly one" in gql_error(
        loaded,
        """{ exportLicences(first: 0) { aggregate {
      groupBy(by: {property: DECISION, relation: DESTINATION}) { key } } } }""",
    )
    assert "limit" in gql_error(
        loaded,
        """{ exportLicences(first: 0) { aggregate {
      groupBy(by: {property: DECISION}, limit: 201) { key } } } }""",
    )
    assert "numeric field" in gql_error(
        loaded,
        """{ exportLicences(first: 0) { aggregate {
      groupBy(by: {property: DECISION}, orderBy: {by: SUM}) { key } } } }""",
    )


def _cost_errors(query: str, max_cost: int) -> list[str]:
    from graphql import parse, validate

    from api.graphql.query_limits import make_cost_rule

    return [e.message for e in validate(SCHEMA._schema, parse(query), [make_cost_rule(max_cost)])]


def test_groups_count_in_the_query_cost() -> None:
    one = """{ exportLicences(first: 0) { aggregate { groupBy(by: {property: DECISION},
      limit: 200) { key } } } }"""
    assert _cost_errors(one, 200) == []
    assert "too expensive" in _cost_errors(one, 199)[0]  # a page of none still counts once
    nested = one.replace("first: 0", "first: 10")
    assert _cost_errors(nested, 10 + 10 * 200) == []
    assert _cost_errors(nested, 10 + 10 * 200 - 1)
    variable = """query($n: Int!) { exportLicences(first: 0) { aggregate {
      groupBy(by: {property: DECISION}, limit: $n) { key } } } }"""
    assert "too expensive" in _cost_errors(variable, 199)[0]
