"""The graph as of a record time: every analytical field, the network fields and
the connections take `asOf` and answer as the graph stood then, from the nodes and relations
recorded by then (graph/schema.yaml `record_time`), on real data: the curated dataset, then
a shared file loaded later."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from graph.records import Edge, Provenance
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role
from graph.writer import Summary, Writer
from loaders import registry
from queries import coverage, neighbourhood, network, trends
from queries.common import check_as_of
from tests.gql import run
from tests.shared import shared_file

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
PEGASUS = "data-pegasus-victims.csv"
FINFISHER = "spyfiles_customers_of_finfisher.csv"


def _load(store: Store, path: Path, loader: str) -> Summary:
    spec = registry()[loader]
    dataset = "curated:curated" if loader == "curated" else f"{loader}:{path.name}"
    return Writer(store, origin=str(path), dataset=dataset, complete=True).write(spec.parse(path))


def gql(store: Store, query: str, role: Role = Role.PUBLIC, **variables: Any) -> dict[str, Any]:
    result = run(store, query, role, **variables)
    assert result.errors is None, result.errors
    assert result.data is not None
    # A network graph's nodes and edges come in the order the engine reads them.
    for name in ("neighbourhood", "subgraph"):
        graph = result.data.get(name)
        for key in ("nodes", "edges"):
            if graph and key in graph:
                graph[key] = sorted(graph[key], key=lambda x: str(x["id"]))
    return result.data


def _state(store: Store, code: str) -> str:
    return str(store.read("MATCH (s:State {code: $c}) RETURN s.id AS id", c=code)[0]["id"])


#: One document naming every field that takes asOf (the answers compared whole).
QUERY = """
query($asOf: String, $state: ID!, $other: ID!) {
  incidentsPerYear(scope: ALL, asOf: $asOf) { total undated years { year count incidentIds } }
  comparePeriods(first: {start: 2010, end: 2017}, second: {start: 2018, end: 2024}, scope: ALL,
                 asOf: $asOf) { first { count incidentIds } second { count incidentIds } ratio }
  statedFigures(asOf: $asOf) { id value }
  sanctionsCoverage(by: ORIGIN, scope: ALL, asOf: $asOf) {
    incidents perpetrators designated gaps
    groups { key incidents incidentIds perpetratorIds designatedIds reason } }
  designationsByOrigin(regime: "EU/HR", scope: ALL, asOf: $asOf) {
    incidents listings states { key incidents incidentIds designated } }
  hostCollaboration(scope: ALL, asOf: $asOf) { code incidents }
  vendorChains(first: 500, asOf: $asOf) { totalCount nodes { vendor { id } product { id }
    customer { id } incidentCount } }
  licencesToRepressors(asOf: $asOf) { destination { id } count }
  neighbourhood(id: $state, depth: 2, limit: 400, asOf: $asOf) {
    truncated nodes { id } edges { id } }
  shortestPath(from: $state, to: $other, asOf: $asOf) { found length graph { nodes { id } } }
  subgraph(ids: [$state, $other], asOf: $asOf) { nodes { id } edges { id } }
  incidents(first: 20, asOf: $asOf) { totalCount edges { cursor node { id } }
    aggregate { count groupBy(by: {relation: ORIGIN_STATE}, limit: 50) { key count } } }
  persons(first: 5, filter: {isTarget: true}, asOf: $asOf) { totalCount edges { node { id } } }
  states(first: 0, asOf: $asOf) { totalCount }
}
"""

EMPTY = """query($asOf: String) {
  incidents(asOf: $asOf) { totalCount } incidentsPerYear(scope: ALL, asOf: $asOf) { total }
  sanctionsCoverage(asOf: $asOf) { groups { key } } vendorChains(asOf: $asOf) { totalCount } }"""


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.ANALYST])
def test_as_of_the_first_load_answers_as_the_graph_stood_before_the_second(
    empty_store: Store, role: Role
) -> None:
    first = _load(empty_store, CURATED, "curated")
    ids = {"state": _state(empty_store, "AE"), "other": _state(empty_store, "IL")}
    before = gql(empty_store, QUERY, role, asOf=None, **ids)
    second = _load(empty_store, shared_file(PEGASUS), "spyware-victims")
    assert second.started > first.started and second.total("created") > 100
    now = gql(empty_store, QUERY, role, asOf=None, **ids)
    then = gql(empty_store, QUERY, role, asOf=first.started, **ids)
    for name in before:
        if name == "shortestPath":  # one of the shortest paths: the same length
            assert {k: then[name][k] for k in ("found", "length")} == {
                k: before[name][k] for k in ("found", "length")
            }
            continue
        assert then[name] == before[name], name
    # The second load shows without asOf (so each comparison above can fail).
    for name in (
        "incidentsPerYear",
        "sanctionsCoverage",
        "neighbourhood",
        "incidents",
        "persons",
        "vendorChains",
    ):
        assert now[name] != before[name], name
    assert now["incidents"]["totalCount"] > before["incidents"]["totalCount"] > 0
    assert now["incidentsPerYear"]["total"] > before["incidentsPerYear"]["total"] > 0
    # A time after the second load is now; a date before the first, an empty graph.
    assert gql(empty_store, QUERY, role, asOf=second.started, **ids) == now
    empty = gql(empty_store, EMPTY, role, asOf="2000-01-01")
    assert empty["incidents"]["totalCount"] == 0 and empty["incidentsPerYear"]["total"] == 0
    assert empty["sanctionsCoverage"]["groups"] == [] and empty["vendorChains"]["totalCount"] == 0


def _ids(graph: network.Graph) -> tuple[set[str], set[str]]:
    return {n.id for n in graph.nodes}, {e.id for e in graph.edges}


def _tnr(settings: Settings, *args: str) -> Any:
    env = {"TNR_DATA_DIR": str(settings.data_dir), "TNR_ENGINE_HEAP": settings.engine_heap}
    if settings.neo4j_uri:
        env.update(
            NEO4J_URI=settings.neo4j_uri,
            NEO4J_USER=settings.neo4j_user,
            NEO4J_PASSWORD=settings.neo4j_password,
        )
    return CliRunner().invoke(app, ["query", *args], env=env)


def test_the_queries_and_the_cli_take_as_of_on_two_more_real_files(
    empty_store: Store, test_settings: Settings
) -> None:
    """The functions of queries/ and `tnr query --as-of`, after two more loads. Properties
    are as stored now (record time dates facts, not each value): the network compares ids."""
    first = _load(empty_store, CURATED, "curated")
    state = _state(empty_store, "AE")
    before = (
        trends.incidents_per_year(empty_store, scope="all"),
        coverage.sanctions_coverage(empty_store, "perpetrator", "all"),
    )
    walked = _ids(neighbourhood.neighbourhood(empty_store, state, depth=2, limit=300))
    printed = _tnr(test_settings, "trends", "--scope", "all", "--json")
    assert printed.exit_code == 0, printed.output
    _load(empty_store, shared_file(FINFISHER), "finfisher-customers")
    _load(empty_store, shared_file(PEGASUS), "spyware-victims")
    then = (
        trends.incidents_per_year(empty_store, scope="all", as_of=first.started),
        coverage.sanctions_coverage(empty_store, "perpetrator", "all", as_of=first.started),
    )
    assert then == before
    assert (
        _ids(
            neighbourhood.neighbourhood(empty_store, state, depth=2, limit=300, as_of=first.started)
        )
        == walked
    )
    now = _ids(neighbourhood.neighbourhood(empty_store, state, depth=2, limit=300))
    assert now[0] > walked[0] and now[1] > walked[1]
    assert trends.incidents_per_year(empty_store, scope="all").total > before[0].total
    then_printed = _tnr(
        test_settings, "trends", "--scope", "all", "--as-of", first.started, "--json"
    )
    assert then_printed.exit_code == 0 and then_printed.output == printed.output
    assert _tnr(test_settings, "trends", "--scope", "all", "--json").output != printed.output
    bad = _tnr(test_settings, "coverage", "--as-of", "yesterday")
    assert bad.exit_code == 2 and "--as-of must be a UTC ISO 8601" in bad.output


def test_a_relation_recorded_later_between_earlier_nodes_is_not_followed_then(
    empty_store: Store,
) -> None:
    first = _load(empty_store, CURATED, "curated")
    # An incident of the curated data and a state it has no ORIGIN_STATE to, both recorded
    # by the first load; the relation between them by a later one.
    row = empty_store.read(
        "MATCH (i:Incident)-[:ORIGIN_STATE]->(:State {code: 'RU'}) "
        "WHERE NOT (i)--(:State {code: 'IL'}) RETURN i.id AS i, "
        "i.source_ids[0] AS src ORDER BY i LIMIT 1"
    )[0]
    il = _state(empty_store, "IL")
    later = Writer(empty_store, origin="test", dataset="test:later").write(
        [Edge("ORIGIN_STATE", row["i"], il, Provenance(row["src"]))]
    )
    assert later.started > first.started and later.total("created") == 1
    q = """query($id: ID!, $asOf: String) {
      neighbourhood(id: $id, asOf: $asOf) { nodes { id } edges { id } }
      incidentsPerYear(origin: "IL", scope: ALL, asOf: $asOf) { years { incidentIds } }
      incidents(filter: {relatedTo: $id}, asOf: $asOf) { totalCount }
      states(first: 0, filter: {code: {eq: "IL"}}, asOf: $asOf) {
        aggregate { count } totalCount } }"""
    now = gql(empty_store, q, Role.ANALYST, id=il)
    then = gql(empty_store, q, Role.ANALYST, id=il, asOf=first.started)
    assert row["i"] in {n["id"] for n in now["neighbourhood"]["nodes"]}
    assert row["i"] not in {n["id"] for n in then["neighbourhood"]["nodes"]}
    assert len(then["neighbourhood"]["edges"]) == len(now["neighbourhood"]["edges"]) - 1
    counted = [i for y in now["incidentsPerYear"]["years"] for i in y["incidentIds"]]
    counted_then = [i for y in then["incidentsPerYear"]["years"] for i in y["incidentIds"]]
    assert row["i"] in counted and row["i"] not in counted_then
    # the state itself was there then: the connection counts it, at both times
    assert then["states"]["totalCount"] == then["states"]["aggregate"]["count"] == 1
    assert then["incidents"]["totalCount"] == now["incidents"]["totalCount"] - 1


@pytest.mark.parametrize(
    "field",
    [
        'incidentsPerYear(asOf: "yesterday") { total }',
        'sanctionsCoverage(asOf: "yesterday") { incidents }',
        'neighbourhood(id: "x", asOf: "yesterday") { truncated }',
        'incidents(asOf: "yesterday") { totalCount }',
    ],
)
def test_a_bad_as_of_is_a_clear_error_naming_the_argument(empty_store: Store, field: str) -> None:
    result = run(empty_store, "{ " + field + " }", Role.PUBLIC)
    assert result.errors is not None
    message = result.errors[0].message
    assert message.startswith("asOf must be a UTC ISO 8601 date or time"), message


def test_as_of_reads_a_date_or_a_time_at_full_precision() -> None:
    assert check_as_of("2026-12-01") == "2026-12-01T00:00:00.000000Z"
    assert check_as_of("2026-12-01T09:30:00Z") == "2026-12-01T09:30:00.000000Z"
    assert check_as_of("2026-12-02T01:51:20.053148Z") == "2026-12-02T01:51:20.053148Z"
    assert check_as_of(None) is None
    with pytest.raises(ValueError, match="as_of must be"):
        check_as_of("yesterday")
