"""GraphQL fuzzing: queries generated from the schema (hypothesis-graphql) against the app.

Every generated query goes to `/graphql` of the real app (TestClient, the public role)
over a small synthetic graph. Whatever the query, the answer must be GraphQL-shaped,
never a 5xx, and carry no stack trace, Python exception text or internal error (the
masked "Unexpected error." means a resolver raised something the client did not cause).
The default run is modest and derandomized; `-m slow` runs many more random examples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries
from starlette.testclient import TestClient

from api.app import create_app
from api.graphql import build_schema
from api.graphql.errors import MASKED_MESSAGE
from benchmarks.synthetic import generate
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer

SCHEMA = build_schema()
SDL = str(SCHEMA)
ROOT_FIELDS = sorted(SCHEMA._schema.query_type.fields)  # type: ignore[union-attr]

#: Text that must never reach a client: tracebacks, Python and driver exception names.
LEAKS = re.compile(
    r"Traceback \(most recent call last\)|"
    r'File \\?"[^"\\]+\.py\\?", line \d+|'
    r"\b(KeyError|TypeError|AttributeError|IndexError|ValueError|RuntimeError|AssertionError|"
    r"NameError|ZeroDivisionError|RecursionError|UnboundLocalError|StoreError|"
    r"Neo4jError|CypherSyntaxError|ClientError|DatabaseError|ServiceUnavailable)\b|"
    r"neo4j\.exceptions|site-packages|\bstrawberry\.|\bgraphql\.error"
)

#: The JSON scalar: small JSON values, as GraphQL literals.
JSON_VALUES = st.one_of(
    st.text(max_size=20).map(nodes.String),
    st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
    st.booleans().map(lambda b: graphql.BooleanValueNode(value=b)),
)


def check_response(status: int, text: str) -> dict[str, Any]:
    """The checks every fuzzed answer must pass; returns the body."""
    assert status < 500, (status, text[:2000])
    assert status in (200, 400, 403), (status, text[:2000])
    assert not LEAKS.search(text), text[:2000]
    body = json.loads(text)
    assert isinstance(body, dict), body
    assert set(body) <= {"data", "errors", "extensions"}, body.keys()
    assert "data" in body or "errors" in body, body
    assert body.get("data") is None or isinstance(body["data"], dict), body
    for error in body.get("errors") or ():
        assert isinstance(error, dict) and isinstance(error.get("message"), str), error
        assert error["message"] != MASKED_MESSAGE, f"an internal error: {text[:2000]}"
        assert not {"exception", "stacktrace", "traceback"} & set(error.get("extensions") or {})
    return body


@pytest.fixture(scope="module")
def fuzz_client(store: Store, test_settings: Settings) -> Iterator[TestClient]:
    store.bind_ogm()
    store.wipe()
    summary = Writer(store).write(generate(relations=80, seed=11))
    assert summary.total("rejected") == 0, summary.rejects
    app = create_app(test_settings, store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    store.wipe()


def post(client: TestClient, query: str) -> dict[str, Any]:
    r = client.post("/graphql", json={"query": query})
    return check_response(r.status_code, r.text)


def test_the_checks_catch_a_leak() -> None:
    """The checks themselves: a trace, a driver error, a masked error and a 500 all fail."""
    bad = [
        (200, json.dumps({"errors": [{"message": 'File "/x/y.py", line 3, in f'}]})),
        (200, json.dumps({"errors": [{"message": "neo4j.exceptions.CypherSyntaxError"}]})),
        (200, json.dumps({"data": None, "errors": [{"message": MASKED_MESSAGE}]})),
        (500, json.dumps({"data": None})),
        (200, json.dumps(["not", "graphql"])),
    ]
    for status, text in bad:
        with pytest.raises(AssertionError):
            check_response(status, text)
    check_response(200, json.dumps({"data": {"states": {"edges": []}}}))


#: Root fields also fuzzed one at a time (the analytical ones and a few entity fields).
ONE_AT_A_TIME = [
    "neighbourhood",
    "shortestPath",
    "search",
    "vendorChains",
    "sanctionsCoverage",
    "subgraph",
    "hostCollaboration",
    "incidentsPerYear",
    "comparePeriods",
    "licencesToRepressors",
    "incidents",
    "persons",
    "nodes",
]


def test_the_fields_fuzzed_one_at_a_time_exist() -> None:
    assert set(ONE_AT_A_TIME) <= set(ROOT_FIELDS)


FUZZ = dict(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@settings(max_examples=40, derandomize=True, **FUZZ)  # type: ignore[arg-type]
@given(query=queries(SDL, custom_scalars={"JSON": JSON_VALUES}))
def test_generated_queries_never_fail_badly(fuzz_client: TestClient, query: str) -> None:
    post(fuzz_client, query)


@settings(max_examples=15, derandomize=True, **FUZZ)  # type: ignore[arg-type]
@given(
    data=st.data(),
    field=st.sampled_from(ONE_AT_A_TIME),
)
def test_analysis_fields_fuzzed_one_at_a_time(
    fuzz_client: TestClient, data: st.DataObject, field: str
) -> None:
    query = data.draw(queries(SDL, fields=[field], custom_scalars={"JSON": JSON_VALUES}))
    post(fuzz_client, query)


@pytest.mark.slow
@settings(max_examples=1500, **FUZZ)  # type: ignore[arg-type]
@given(query=queries(SDL, custom_scalars={"JSON": JSON_VALUES}))
def test_generated_queries_never_fail_badly_long(fuzz_client: TestClient, query: str) -> None:
    post(fuzz_client, query)
