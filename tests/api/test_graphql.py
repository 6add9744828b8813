"""The GraphQL API over a small graph written through the Writer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.graphql import build_schema
from api.graphql.context import Loaders
from api.graphql.types import lower_camel, plural, relation_field, relation_type_name
from graph.hidden import hidden_cache
from graph.records import Edge, Node, Provenance, source_node
from graph.schema import load_schema
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer

GQL_JSON = "application/graphql-response+json"
N_INCIDENTS = 25


def _graph() -> tuple[list[Node | Edge], dict[str, str]]:
    s1 = source_node("https://example.org/report", "A report", publisher="Example")
    s2 = source_node("dataset/file.csv", "A dataset", kind="dataset")
    p1, p2 = Provenance(s1.id, "p. 3", 1.0), Provenance(s2.id, "row 7", 0.6)
    alpha = Node("State", {"code": "AA", "name": "Alphaland", "eu_member": True}, p1)
    beta = Node("State", {"code": "BB", "name": "Betastan"}, p1)
    gamma = Node("State", {"code": "CC", "name": "Gammania", "eu_member": False}, p2)
    spy = Node("Tactic", {"code": "spyware", "name": "Spyware", "family": "digital"}, p1)
    rend = Node("Tactic", {"code": "rendition", "name": "Rendition", "family": "physical"}, p1)
    agency = Node("Agency", {"name": "Secret Police", "state_code": "AA"}, p2)
    records: list[Node | Edge] = [s1, s2, alpha, beta, gamma, spy, rend, agency]
    records.append(Edge("PART_OF", agency.id, alpha.id, Provenance(s2.id, "row 9", 0.7)))
    for i in range(N_INCIDENTS):
        props: dict[str, Any] = {
            "ref": f"INC-{i:02d}",
            "title": f"Incident {i:02d}",
            "year": 2010 + i % 10,
            "target_count": i,
        }
        if i % 5 == 0:
            props["title"] = f"Spyware case {i:02d}"
        if i % 4 == 0:
            del props["target_count"]
        inc = Node("Incident", props, p1 if i % 2 else p2)
        records += [
            inc,
            Edge("ORIGIN_STATE", inc.id, (alpha if i % 2 else beta).id, p1),
            Edge("HOST_STATE", inc.id, gamma.id, p2),
            Edge("USED_TACTIC", inc.id, (spy if i % 3 else rend).id, p1),
        ]
    ids = {
        "alpha": alpha.id,
        "beta": beta.id,
        "gamma": gamma.id,
        "agency": agency.id,
        "spy": spy.id,
        "s1": s1.id,
        "s2": s2.id,
    }
    return records, ids


@pytest.fixture(scope="module")
def graph_store(store: Store) -> Iterator[tuple[Store, dict[str, str]]]:
    store.wipe()
    records, ids = _graph()
    summary = Writer(store).write(records)
    assert summary.total("rejected") == 0, summary.rejects
    yield store, ids
    store.wipe()


@pytest.fixture(scope="module")
def client(
    graph_store: tuple[Store, dict[str, str]], test_settings: Settings
) -> Iterator[TestClient]:
    app = create_app(test_settings, store=graph_store[0])
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def ids(graph_store: tuple[Store, dict[str, str]]) -> dict[str, str]:
    return graph_store[1]


def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    r = client.post("/graphql", json={"query": query, "variables": variables})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def data(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    body = gql(client, query, **variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


# -- the schema -----------------------------------------------------------------------------
INTROSPECT = """
{ __schema { queryType { fields { name } }
  types { name kind interfaces { name } fields { name } inputFields { name } } } }
"""


def test_every_declared_type_property_and_relation_has_its_graphql_field() -> None:
    schema = load_schema()
    result = build_schema(schema).execute_sync(INTROSPECT)
    assert result.errors is None
    assert result.data is not None
    types = {t["name"]: t for t in result.data["__schema"]["types"]}
    roots = {f["name"] for f in result.data["__schema"]["queryType"]["fields"]}
    assert {"node", "nodes"} <= roots
    for name, nt in schema.nodes.items():
        if not nt.root_fields:  # served by its own module (watches): no generated fields
            assert lower_camel(name) not in roots and f"{name}Filter" not in types, name
            continue
        t = types[name]
        assert {i["name"] for i in t["interfaces"]} == {"Node", "Entity"}, name
        fields = {f["name"] for f in t["fields"]}
        expected = {lower_camel(p) for p in nt.properties}
        expected |= {"id", "label", "confidence", "citations", "sources"}
        for rt in schema.relations.values():
            if name in rt.sources:
                expected.add(relation_field(rt.name, "out"))
            if name in rt.targets:
                expected.add(relation_field(rt.name, "in"))
        assert expected <= fields, (name, expected - fields)
        assert {lower_camel(name), plural(name)} <= roots, name
        flt = {f["name"] for f in types[f"{name}Filter"]["inputFields"]}
        assert {"relatedTo", "ids", "confidence"} <= flt
        assert {lower_camel(p) for p in nt.properties} <= flt, name
    for rname, rt in schema.relations.items():
        for direction in ("out", "in"):
            t = types[relation_type_name(rname, direction)]
            fields = {f["name"] for f in t["fields"]}
            assert {lower_camel(p) for p in rt.properties} | {"node", "sources"} <= fields
    for name in (
        "states",
        "agencies",
        "persons",
        "exportLicences",
        "sanctionRegimes",
        "policyResponses",
        "sales",
        "statistics",
        "indicators",
        "mergeDecisions",
    ):
        assert name in roots


# -- connections ----------------------------------------------------------------------------
PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String,
           $filter: IncidentFilter, $order: IncidentOrder) {
  incidents(first: $first, after: $after, last: $last, before: $before,
            filter: $filter, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id ref targetCount year } }
  }
}
"""


def _refs(conn: dict[str, Any]) -> list[str]:
    return [e["node"]["ref"] for e in conn["edges"]]


def test_pages_forward_and_backward_cover_everything_once_with_total_count(
    client: TestClient,
) -> None:
    order = {"field": "REF", "direction": "ASC"}
    seen: list[str] = []
    after = None
    while True:
        conn = data(client, PAGE, first=10, after=after, order=order)["incidents"]
        assert conn["totalCount"] == N_INCIDENTS
        seen += _refs(conn)
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == [f"INC-{i:02d}" for i in range(N_INCIDENTS)]

    back: list[str] = []
    before = None
    while True:
        conn = data(client, PAGE, last=10, before=before, order=order)["incidents"]
        back = _refs(conn) + back
        if not conn["pageInfo"]["hasPreviousPage"]:
            break
        before = conn["pageInfo"]["startCursor"]
    assert back == seen


def test_order_by_a_field_with_nulls_pages_stably_in_both_directions(client: TestClient) -> None:
    order = {"field": "TARGET_COUNT", "direction": "DESC"}
    full = data(client, PAGE, first=100, order=order)["incidents"]["edges"]
    counts = [e["node"]["targetCount"] for e in full]
    present = [c for c in counts if c is not None]
    assert present == sorted(present, reverse=True)
    assert counts[len(present) :] == [None] * (N_INCIDENTS - len(present))  # nulls last
    ref_order = [e["node"]["ref"] for e in full]
    paged, after = [], None
    for _ in range(10):
        conn = data(client, PAGE, first=4, after=after, order=order)["incidents"]
        paged += _refs(conn)
        after = conn["pageInfo"]["endCursor"]
        if not conn["pageInfo"]["hasNextPage"]:
            break
    assert paged == ref_order
    tail = data(client, PAGE, last=7, order=order)["incidents"]
    assert _refs(tail) == ref_order[-7:]
    before = data(client, PAGE, last=3, before=tail["pageInfo"]["startCursor"], order=order)
    assert _refs(before["incidents"]) == ref_order[-10:-7]


def test_filters_on_strings_ranges_year_and_relations(
    client: TestClient, ids: dict[str, str]
) -> None:
    def refs(flt: dict[str, Any]) -> list[str]:
        conn = data(client, PAGE, first=100, filter=flt)["incidents"]
        assert conn["totalCount"] == len(conn["edges"])
        return sorted(_refs(conn))

    assert refs({"title": {"contains": "SPYWARE"}}) == [
        "INC-00",
        "INC-05",
        "INC-10",
        "INC-15",
        "INC-20",
    ]
    assert refs({"ref": {"eq": "INC-03"}}) == ["INC-03"]
    assert refs({"ref": {"in": ["INC-01", "INC-02"]}}) == ["INC-01", "INC-02"]
    assert refs({"targetCount": {"gte": 20, "lt": 23}}) == ["INC-21", "INC-22"]
    assert refs({"year": {"gte": 2018}}) == ["INC-08", "INC-09", "INC-18", "INC-19"]
    assert refs({"relatedTo": ids["alpha"], "year": {"lte": 2011}}) == [
        "INC-01",
        "INC-11",
        "INC-21",
    ]
    assert len(refs({"relatedTo": ids["spy"]})) == 16
    assert refs({"confidence": {"lt": 0.9}, "ref": {"contains": "inc-0"}}) == [
        "INC-00",
        "INC-02",
        "INC-04",
        "INC-06",
        "INC-08",
    ]
    states = data(client, "{ states(filter: {euMember: true}) { edges { node { name } } } }")
    assert [e["node"]["name"] for e in states["states"]["edges"]] == ["Alphaland"]


def test_a_bad_cursor_or_page_size_is_a_plain_client_error(client: TestClient) -> None:
    body = gql(client, PAGE, first=5, after="not-a-cursor")
    assert body["errors"][0]["message"].startswith("invalid cursor")
    body = gql(client, PAGE, first=1000)
    assert "first must be between 0 and 100" in body["errors"][0]["message"]


# -- nodes and relations --------------------------------------------------------------------
def test_node_by_id_and_typed_fields(client: TestClient, ids: dict[str, str]) -> None:
    q = """query($id: ID!) { node(id: $id) { id __typename ... on State { name code euMember } }
            state(id: $id) { label } agency(id: $id) { name } }"""
    d = data(client, q, id=ids["alpha"])
    assert d["node"] == {
        "id": ids["alpha"],
        "__typename": "State",
        "name": "Alphaland",
        "code": "AA",
        "euMember": True,
    }
    assert d["state"] == {"label": "Alphaland"}
    assert d["agency"] is None
    assert data(client, q, id="state_doesnotexist")["node"] is None
    assert data(client, q, id="nonsense")["node"] is None


def test_relation_fields_carry_their_properties_sources_and_the_other_node(
    client: TestClient, ids: dict[str, str]
) -> None:
    q = """query($id: ID!) { agency(id: $id) {
        sources { title }
        partOf { id type confidence citations start sources { title } node { id label } }
      } }"""
    agency = data(client, q, id=ids["agency"])["agency"]
    assert agency["sources"] == [{"title": "A dataset"}]
    [rel] = agency["partOf"]
    assert rel["type"] == "PART_OF" and rel["confidence"] == 0.7 and rel["start"] is None
    assert rel["citations"] == [f"{ids['s2']}|row 9"]
    assert rel["sources"] == [{"title": "A dataset"}]
    assert rel["node"] == {"id": ids["alpha"], "label": "Alphaland"}

    q2 = """query($id: ID!) { state(id: $id) {
        incomingPartOf { node { ... on Agency { name } } }
        incomingOriginState(first: 3) { node { ref } }
      } }"""
    state = data(client, q2, id=ids["alpha"])["state"]
    assert state["incomingPartOf"] == [{"node": {"name": "Secret Police"}}]
    assert len(state["incomingOriginState"]) == 3


TWENTY = """query($first: Int) { incidents(first: $first) { totalCount edges { node {
    title sources { title }
    originState { confidence sources { title } node { name } }
    hostState { node { name } }
    usedTactic { node { name sources { title } } }
} } } }"""


def test_relation_fields_are_batched_so_round_trips_do_not_grow_with_the_page(
    client: TestClient, graph_store: tuple[Store, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = graph_store[0]
    calls: list[str] = []
    real_read = store.read

    def counting(query: str, **params: Any) -> list[dict[str, Any]]:
        calls.append(query)
        return real_read(query, **params)

    cache = hidden_cache(store)  # what public may not see is cached per graph, not per page
    cache.get(store)
    monkeypatch.setattr(cache, "check_every", 3600.0)
    monkeypatch.setattr(cache, "max_age", 3600.0)
    monkeypatch.setattr(store, "read", counting)
    per_page = {}
    for first in (2, 20):
        calls.clear()
        d = data(client, TWENTY, first=first)
        edges = d["incidents"]["edges"]
        assert len(edges) == first
        assert all(e["node"]["originState"][0]["node"]["name"] for e in edges)
        assert all(e["node"]["usedTactic"][0]["node"]["sources"] for e in edges)
        per_page[first] = len(calls)
    # page + count + 3 relation batches + source batches (one per depth): bounded by depth
    print("store round trips per page size:", per_page)
    assert per_page[20] == per_page[2] <= 8, per_page


# -- limits and errors ----------------------------------------------------------------------
def test_a_query_too_deep_is_refused_with_a_clear_message(client: TestClient) -> None:
    q = """{ states(first: 1) { edges { node { incomingOriginState(first: 1) { node {
        usedTactic(first: 1) { node { incomingUsedTactic(first: 1) { node {
        originState(first: 1) { node { incomingHostState(first: 1) { node { id
        } } } } } } } } } } } } } }"""
    body = gql(client, q)
    assert body["data"] is None
    [error] = body["errors"]
    assert "exceeds maximum operation depth of 12" in error["message"]


def test_a_query_too_expensive_is_refused_before_it_runs(client: TestClient) -> None:
    q = """{ incidents(first: 100) { edges { node { originState(first: 200) { node {
        ... on State { incomingHostState(first: 200) { id } } } } } } } }"""
    body = gql(client, q)
    assert body["errors"][0]["message"].startswith("Query too expensive")


def test_internal_errors_are_masked_for_clients(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(self: Loaders, query: str, **params: Any) -> list[dict[str, Any]]:
        raise RuntimeError("bolt://secret-host:7687 password=hunter2")

    monkeypatch.setattr(Loaders, "read", broken)
    with caplog.at_level("ERROR", logger="tnr.api.graphql"):
        body = gql(client, "{ states { totalCount } }")
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "hunter2" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    assert "hunter2" in caplog.text  # the operator sees it in the log


# -- GraphQL over HTTP ----------------------------------------------------------------------
def test_get_runs_queries_and_refuses_mutations(client: TestClient) -> None:
    r = client.get("/graphql", params={"query": "{ states { totalCount } }"})
    assert r.status_code == 200 and r.json()["data"]["states"]["totalCount"] == 3
    r = client.get("/graphql", params={"query": "mutation { __typename }"})
    assert r.status_code == 405
    r = client.put("/graphql", json={"query": "{ __typename }"})
    assert r.status_code == 405


def test_content_types_follow_the_accept_header(client: TestClient) -> None:
    ok = {"query": "{ __typename }"}
    bad = {"query": "{ noSuchField }"}
    r = client.post("/graphql", json=ok, headers={"accept": GQL_JSON})
    assert r.status_code == 200 and r.headers["content-type"].startswith(GQL_JSON)
    r = client.post("/graphql", json=bad, headers={"accept": GQL_JSON})
    assert r.status_code == 400 and "data" not in r.json() and r.json()["errors"]
    r = client.post("/graphql", json=bad, headers={"accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json()["errors"]
    r = client.post("/graphql", json=ok, headers={"accept": "*/*"})
    assert r.headers["content-type"].startswith("application/json")
    r = client.post("/graphql", json=ok, headers={"accept": "text/plain"})
    assert r.status_code == 406
    r = client.post("/graphql", content="{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400


def test_a_browser_gets_graphiql(client: TestClient) -> None:
    r = client.get("/graphql", headers={"accept": "text/html"})
    assert r.status_code == 200 and "graphiql" in r.text.lower()
