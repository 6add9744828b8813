"""The API on Neo4j through a `neo4j://` URI, the routing driver a cluster or Aura is reached by.

A cluster serves reads from its followers only when the driver sends them as reads, so
every read path (GraphQL fields, analysis, search, briefings, exports) must go through
`Store.read`. This test opens a second store on the session's Neo4j through the routing
scheme, serves the API on it, records how each statement was routed, and checks both the
answers and that no read went out as a write. Neo4j also refuses a write sent as a read,
so a write hidden in a read path would fail here as it would on a cluster.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Literal

import pytest
from neo4j import Neo4jDriver
from neo4j.exceptions import ClientError
from starlette.testclient import TestClient

from api.app import create_app
from exports.view import export_view
from graph.records import Edge, Node, Provenance, source_node
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer
from queries import search

pytestmark = pytest.mark.neo4j


def routing_uri(uri: str) -> str:
    """bolt://h:p -> neo4j://h:p (and bolt+s -> neo4j+s): the same server, routed."""
    scheme, _, rest = uri.partition("://")
    return (
        {"bolt": "neo4j", "bolt+s": "neo4j+s", "bolt+ssc": "neo4j+ssc"}.get(scheme, scheme)
        + "://"
        + rest
    )


class Routed:
    """The routing of every statement a store sends, recorded."""

    def __init__(self, store: Store) -> None:
        self.calls: list[tuple[Literal["r", "w"], str]] = []
        self.transactions = 0
        execute, in_tx = store._execute, store.in_transaction

        def recording(query: str, params: dict[str, Any], routing: Literal["r", "w"]) -> Any:
            self.calls.append((routing, query))
            return execute(query, params, routing)

        def counting(work: Any) -> Any:
            self.transactions += 1
            return in_tx(work)

        store._execute = recording  # type: ignore[method-assign]
        store.in_transaction = counting  # type: ignore[method-assign]

    def reset(self) -> None:
        self.calls.clear()
        self.transactions = 0

    def writes(self) -> list[str]:
        return [q for r, q in self.calls if r == "w"]


@pytest.fixture(scope="module")
def routed(store: Store, test_settings: Settings) -> Iterator[tuple[Store, Routed, dict[str, str]]]:
    assert test_settings.neo4j_uri is not None
    settings = replace(test_settings, neo4j_uri=routing_uri(test_settings.neo4j_uri))
    assert settings.neo4j_uri is not None and settings.neo4j_uri.startswith("neo4j")
    s = Store.open(settings, bind_ogm=False)
    s.wipe()
    src = source_node("https://example.org/report", "A report", publisher="Example")
    p = Provenance(src.id, "p. 3", 0.9)
    ru = Node("State", {"code": "RU", "name": "Russia"}, p)
    de = Node("State", {"code": "DE", "name": "Germany", "eu_member": True}, p)
    held = Node("Tactic", {"code": "detention", "name": "Detention", "family": "physical"}, p)
    records: list[Node | Edge] = [src, ru, de, held]
    for i in range(6):
        inc = Node("Incident", {"ref": f"R-{i}", "title": f"Routed case {i}", "year": 2015 + i}, p)
        records += [
            inc,
            Edge("ORIGIN_STATE", inc.id, ru.id, p),
            Edge("HOST_STATE", inc.id, de.id, p),
            Edge("USED_TACTIC", inc.id, held.id, p),
        ]
    assert Writer(s).write(records).total("rejected") == 0
    recorder = Routed(s)
    yield s, recorder, {"ru": ru.id, "de": de.id, "held": held.id}
    s.wipe()
    s.close()


def test_the_store_uses_the_routing_driver(routed: tuple[Store, Routed, dict[str, str]]) -> None:
    s, _, _ = routed
    assert isinstance(s.driver, Neo4jDriver), type(s.driver)
    assert s.profile.name == "neo4j"


def test_the_api_answers_through_neo4j_scheme_with_reads_routed_as_reads(
    routed: tuple[Store, Routed, dict[str, str]], test_settings: Settings
) -> None:
    s, rec, ids = routed
    app = create_app(test_settings, store=s)
    queries = {
        "states": ("{ states(first: 10) { edges { node { code name } } } }", {}),
        "node": (
            "query($id: ID!) { node(id: $id) { id ... on Entity { label } } }",
            {"id": ids["ru"]},
        ),
        "search": ('{ search(text: "Russia", first: 5) { id label } }', {}),
        "network": (
            "query($id: ID!) { neighbourhood(id: $id, depth: 2, limit: 100) { nodes { id } "
            "edges { type } } }",
            {"id": ids["de"]},
        ),
        "path": (
            "query($a: ID!, $b: ID!) { shortestPath(from: $a, to: $b) { found length } }",
            {"a": ids["ru"], "b": ids["de"]},
        ),
        "coverage": (
            "{ sanctionsCoverage(by: ORIGIN) { incidents groups { key incidents } } }",
            {},
        ),
        "trend": ('{ incidentsPerYear(origin: "RU") { total years { year count } } }', {}),
        "hosts": ("{ hostCollaboration { code incidents origins } }", {}),
        "briefing": ('{ briefing(subject: "Russia", kind: STATE, format: MD) { content } }', {}),
    }
    answers: dict[str, Any] = {}
    with TestClient(app) as client:
        rec.reset()
        for name, (query, variables) in queries.items():
            r = client.post("/graphql", json={"query": query, "variables": variables})
            assert r.status_code == 200, (name, r.text)
            body = r.json()
            assert "errors" not in body, (name, body["errors"])
            answers[name] = body["data"]
    assert {e["node"]["code"] for e in answers["states"]["states"]["edges"]} == {"RU", "DE"}
    assert answers["node"]["node"]["label"] == "Russia"
    assert answers["search"]["search"][0]["id"] == ids["ru"]
    assert (
        len(answers["network"]["neighbourhood"]["nodes"]) == 1 + 6 + 1 + 1
    )  # DE, cases, RU, tactic
    assert answers["path"]["shortestPath"] == {"found": True, "length": 2}
    assert answers["trend"]["incidentsPerYear"]["total"] == 6
    assert answers["hosts"]["hostCollaboration"] == [
        {"code": "DE", "incidents": 6, "origins": ["RU"]}
    ]
    assert "Russia" in answers["briefing"]["briefing"]["content"]
    assert rec.calls, "the API sent nothing through the store"
    assert rec.writes() == [] and rec.transactions == 0, rec.writes()


def test_exports_and_search_read_as_reads(routed: tuple[Store, Routed, dict[str, str]]) -> None:
    s, rec, ids = routed
    rec.reset()
    view = export_view(s, None, Role.PUBLIC)
    hits = search.search(s, "Germany", types=["State"], limit=3, refresh=True)
    assert {n.id for n in view.nodes} >= {ids["ru"], ids["de"], ids["held"]}
    assert hits and hits[0].id == ids["de"]
    assert rec.calls and rec.writes() == [] and rec.transactions == 0, rec.writes()


def test_a_write_sent_as_a_read_is_refused(routed: tuple[Store, Routed, dict[str, str]]) -> None:
    s, _, _ = routed
    with pytest.raises(ClientError, match=r"(?i)read"):
        s.read("CREATE (:State {id: 'state_zz', code: 'ZZ', name: 'Nowhere'})")
    assert s.read("MATCH (n:State {id: 'state_zz'}) RETURN count(n) AS c") == [{"c": 0}]


def test_briefing_pdf_through_the_routed_store(
    routed: tuple[Store, Routed, dict[str, str]], test_settings: Settings
) -> None:
    s, rec, _ = routed
    with TestClient(create_app(test_settings, store=s)) as client:
        rec.reset()
        r = client.post(
            "/graphql",
            json={
                "query": '{ briefing(subject: "Germany", kind: HOST, '
                "format: PDF) { encoding content } }"
            },
        )
    doc = r.json()["data"]["briefing"]
    assert doc["encoding"] == "base64" and base64.b64decode(doc["content"]).startswith(b"%PDF")
    assert rec.writes() == [] and rec.transactions == 0
