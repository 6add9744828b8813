"""Oversized, too-deep and too-costly requests are refused before the store is asked.

Each is refused with a clear GraphQL error and the right status, and `Store.read` is
never called for it (counted). The caller is an analyst (an API key), so no per-request
redaction read happens either and any read would be the query's own. How fast a refusal
comes is a benchmark matter, never asserted here.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.graphql.query_limits import MAX_ALIASES
from benchmarks.synthetic import generate
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer

KEY = "limits-test-analyst-key-0123456789abcdef"
GQL_JSON = "application/graphql-response+json"


@pytest.fixture(scope="module")
def client(store: Store, test_settings: Settings) -> Iterator[TestClient]:
    store.bind_ogm()
    store.wipe()
    Writer(store).write(generate(relations=30, seed=2))
    settings = dataclasses.replace(test_settings, api_keys=f"analyst:{KEY}")
    with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {KEY}"
        for thread in threading.enumerate():  # the search index built at start reads too:
            if thread.name.startswith("tnr-search"):  # let it finish before reads are counted
                thread.join(120)
        yield c
    store.wipe()


@pytest.fixture
def reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Cypher the store is asked to read during the test."""
    calls: list[str] = []
    real = store.read

    def counting(query: str, **params: Any) -> list[dict[str, Any]]:
        calls.append(query)
        return real(query, **params)

    monkeypatch.setattr(store, "read", counting)
    return calls


def refused(client: TestClient, body: bytes | str, accept: str = GQL_JSON) -> tuple[int, str]:
    """POST the body; the status and the one error message (no data may come back)."""
    r = client.post(
        "/graphql", content=body, headers={"content-type": "application/json", "accept": accept}
    )
    payload = r.json()
    assert payload.get("data") is None, payload
    assert isinstance(payload["errors"], list) and payload["errors"], payload
    return r.status_code, str(payload["errors"][0]["message"])


def query(text: str) -> str:
    return json.dumps({"query": text})


def test_the_counter_sees_a_query_that_runs(client: TestClient, reads: list[str]) -> None:
    r = client.post("/graphql", json={"query": "{ incidents(first: 2) { edges { node { id } } } }"})
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    assert reads


def test_a_body_of_a_megabyte_is_refused_unread(client: TestClient, reads: list[str]) -> None:
    big = query('{ search(text: "' + "x" * 1_048_576 + '") { id } }')
    status, message = refused(client, big)
    assert status == 413 and "Request body too large" in message
    # Without Content-Length (chunked): refused once the bytes read pass the limit.
    chunks = (big[i : i + 65536].encode() for i in range(0, len(big), 65536))
    r = client.post("/graphql", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "Request body too large" in r.text
    assert reads == []


def test_a_small_body_still_passes_the_size_limit(client: TestClient) -> None:
    r = client.post("/graphql", json={"query": "{ __typename }"})
    assert r.status_code == 200 and r.json() == {"data": {"__typename": "Query"}}


def test_a_query_beyond_the_depth_limit_is_refused_unread(
    client: TestClient, reads: list[str], test_settings: Settings
) -> None:
    max_depth = test_settings.graphql_max_depth
    inner = "id"
    for _ in range(max_depth + 2):  # each level: edge -> node, through a relation field
        inner = f"usedTactic(first: 1) {{ node {{ ... on Tactic {{ incomingUsedTactic(first: 1) {{ node {{ ... on Incident {{ {inner} }} }} }} }} }} }}"
    status, message = refused(
        client, query(f"{{ incidents(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}")
    )
    assert status == 400 and f"exceeds maximum operation depth of {max_depth}" in message
    # Very deep nesting (thousands of levels) is refused as well, and is no server error.
    status, message = refused(client, query("{ " + "a { " * 2400 + "b" + " }" * 2400 + " }"))
    assert status == 400, message
    assert reads == []


def test_the_settings_given_to_create_app_set_the_graphql_limits(
    client: TestClient, store: Store, test_settings: Settings
) -> None:
    """Depth, cost and page size come from the Settings the app is made with, not from the
    environment the process started in: what the default app answers, a stricter one refuses."""
    shallow = "{ incidents(first: 1) { edges { node { id } } } }"  # depth 3, cost 1
    costly = "{ incidents(first: 10) { edges { node { id } } } }"  # depth 3, cost 10
    paged = "{ a: incidents(first: 2) { edges { node { id } } } }"  # a page of 2
    for text in (shallow, costly, paged):
        r = client.post("/graphql", json={"query": text})
        assert r.status_code == 200 and "errors" not in r.json(), r.text
    strict = dataclasses.replace(
        test_settings,
        api_keys=f"analyst:{KEY}",
        graphql_max_depth=2,
        graphql_max_cost=5,
        graphql_max_page=1,
    )
    with TestClient(create_app(strict, store=store), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {KEY}"
        status, message = refused(c, query(shallow))
        assert status == 400 and message == "'anonymous' exceeds maximum operation depth of 2"
    strict = dataclasses.replace(strict, graphql_max_depth=12)
    with TestClient(create_app(strict, store=store), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {KEY}"
        status, message = refused(c, query(costly))
        assert status == 400 and "it may fetch about 10 objects, the limit is 5" in message
        r = c.post("/graphql", json={"query": paged})
        assert r.json()["errors"][0]["message"] == "first must be between 0 and 1", r.text
        r = c.post("/graphql", json={"query": shallow})
        assert r.status_code == 200 and "errors" not in r.json(), r.text


def test_thousands_of_aliases_are_refused_unread(client: TestClient, reads: list[str]) -> None:
    many = " ".join(
        f"a{i}: incidents(first: 1) {{ edges {{ node {{ id }} }} }}" for i in range(3000)
    )
    status, message = refused(client, query("{ " + many + " }"))
    assert status == 400 and ("tokens" in message or "aliases" in message), message
    just_over = " ".join(
        f"a{i}: incidents(first: 1) {{ edges {{ node {{ id }} }} }}" for i in range(MAX_ALIASES + 1)
    )
    status, message = refused(client, query("{ " + just_over + " }"))
    assert status == 400 and f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}" == message
    assert reads == []


def test_a_page_of_100000_is_refused_unread(client: TestClient, reads: list[str]) -> None:
    status, message = refused(
        client, query("{ incidents(first: 100000) { edges { node { id } } } }")
    )
    assert status == 400 and message.startswith("Query too expensive"), message
    # The same through a variable: the cost rule counts the largest page allowed, and
    # the resolver refuses the page before it reads.
    r = client.post(
        "/graphql",
        headers={"accept": GQL_JSON},
        json={
            "query": "query($n: Int) { incidents(first: $n) { edges { node { id } } } }",
            "variables": {"n": 100000},
        },
    )
    body = r.json()
    assert r.status_code == 200 and body["data"] is None, body
    assert "first" in body["errors"][0]["message"], body
    assert reads == []


def test_a_wide_fragment_cycle_is_refused_unread(client: TestClient, reads: list[str]) -> None:
    # 40 fragments, each spreading all the others: a walk of every path never ends.
    n = 40
    frags = " ".join(
        f"fragment F{i} on Query {{ " + " ".join(f"...F{j}" for j in range(n) if j != i) + " }"
        for i in range(n)
    )
    status, message = refused(client, query("{ ...F0 } " + frags))
    assert status == 400 and "Cannot spread fragment" in message, message
    # A fan of spreads without a cycle: each fragment spreads the next one twice, 40 deep,
    # around an aliased connection: 2**40 expansions, counted without expanding them.
    fan = " ".join(
        f"fragment G{i} on Query {{ ... on Query {{ ...G{i + 1} }} ... on Query {{ ...G{i + 1} }} }}"
        for i in range(n)
    )
    leaf = f"fragment G{n} on Query {{ x: incidents(first: 100) {{ edges {{ node {{ id }} }} }} }}"
    status, message = refused(client, query("{ ...G0 } " + fan + " " + leaf))
    assert status == 400 and ("aliases found" in message or "too expensive" in message), message
    assert reads == []


def test_refusals_answer_application_json_with_200(client: TestClient, reads: list[str]) -> None:
    """The GraphQL-over-HTTP spec: plain application/json gets 200 for a well-formed request."""
    status, message = refused(
        client,
        query("{ incidents(first: 100000) { edges { node { id } } } }"),
        accept="application/json",
    )
    assert status == 200 and message.startswith("Query too expensive")
    assert reads == []
