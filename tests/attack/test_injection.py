"""Injection: Cypher and script fragments through every string argument, filter and loader.

The payloads go through every String/ID argument of every root field (found by
introspection), through every string filter of every connection, through the search
index and through `tnr load incidents`. Afterwards the store is unchanged (counts and
a hash of every node's and relation's properties), and stored payloads come back as
data: byte for byte, inside JSON strings, never interpreted.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from benchmarks.synthetic import generate
from cli.main import app as cli
from graph.records import Node, Provenance, source_node
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer
from tests.api.test_fuzz import check_response

PAYLOADS = [
    "' OR 1=1 //",
    '"}) MATCH (n) DETACH DELETE n //',
    "<script>alert(1)</script>",
    "x`) DETACH DELETE n //",
    "`Incident` {id: 1}) DETACH DELETE n RETURN 1 //",
    "$param",
    "{id: $ids}",
    "1}) RETURN 1 UNION MATCH (n) DETACH DELETE n RETURN 1 //",
    "*/ MATCH (n) DETACH DELETE n /*",
    "\\' OR ''='",
    "\u202egnp.exe\u202c MATCH (n) DELETE n",  # right-to-left override
    "ＭＡＴＣＨ (ｎ) ＤＥＴＡＣＨ ＤＥＬＥＴＥ ｎ",  # fullwidth letters
    "Ma\u0301tch\u200b(n)\ufeff DELETE n 𝕏",  # combining accent, zero-width, BOM, astral
    "${jndi:ldap://127.0.0.1:1/a}",  # the engine runs on a JVM
    "a\u0000b",  # NUL
]
#: Payloads stored as the names of vendors and the titles of incidents.
STORED = PAYLOADS

INTROSPECT = """{ __schema {
  queryType { fields { name args { name defaultValue type { ...T } } type { ...T } } }
  types { name kind enumValues { name } inputFields { name defaultValue type { ...T } } }
} }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""


# -- the graph and the client ---------------------------------------------------------------
@pytest.fixture(scope="module")
def graph(store: Store) -> Iterator[Store]:
    store.bind_ogm()
    store.wipe()
    records: list[Any] = list(generate(relations=40, seed=5))
    src = source_node("https://example.org/injection", "Injection fixtures")
    prov = Provenance(src.id, "fixture", 1.0)
    records.append(src)
    for i, payload in enumerate(STORED):
        records.append(Node("Vendor", {"name": payload, "description": payload}, prov))
        records.append(
            Node("Incident", {"ref": f"inj-{i}", "title": payload, "description": payload}, prov)
        )
    summary = Writer(store).write(records)
    assert summary.total("rejected") == 0, summary.rejects
    yield store
    store.wipe()


@pytest.fixture(scope="module")
def client(graph: Store, test_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings, store=graph), raise_server_exceptions=False) as c:
        yield c


def snapshot(store: Store) -> tuple[dict[str, int], str]:
    """Counts per type and a hash of every node's and every relation's properties."""
    rows = store.read("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    rows += store.read(
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS p"
    )
    items = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
    return store.counts(), hashlib.sha256("\n".join(items).encode()).hexdigest()


def post(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    r = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert r.headers["content-type"].startswith("application/json"), r.headers
    return check_response(r.status_code, r.text)


# -- introspection --------------------------------------------------------------------------
def named(t: dict[str, Any]) -> dict[str, Any]:
    while t.get("ofType"):
        t = t["ofType"]
    return t


def type_string(t: dict[str, Any]) -> str:
    if t["kind"] == "NON_NULL":
        return type_string(t["ofType"]) + "!"
    if t["kind"] == "LIST":
        return f"[{type_string(t['ofType'])}]"
    return str(t["name"])


def is_list(t: dict[str, Any]) -> bool:
    t = t["ofType"] if t["kind"] == "NON_NULL" else t
    return bool(t["kind"] == "LIST")


@pytest.fixture(scope="module")
def introspection(client: TestClient) -> dict[str, Any]:
    return post(client, INTROSPECT)["data"]["__schema"]  # type: ignore[no-any-return]


def literal(t: dict[str, Any], types: dict[str, Any]) -> str:
    """A valid GraphQL literal for a required argument of type `t` (not a string payload)."""
    if t["kind"] == "NON_NULL":
        return literal(t["ofType"], types)
    if t["kind"] == "LIST":
        return f"[{literal(t['ofType'], types)}]"
    name, kind = t["name"], t["kind"]
    if kind == "ENUM":
        return str(types[name]["enumValues"][0]["name"])
    if kind == "INPUT_OBJECT":
        fields = [
            f"{f['name']}: {literal(f['type'], types)}"
            for f in types[name]["inputFields"]
            if f["type"]["kind"] == "NON_NULL" and f["defaultValue"] is None
        ]
        return "{" + ", ".join(fields) + "}"
    return {"Int": "2015", "Float": "1.0", "Boolean": "false", "JSON": "{}"}.get(name, '"x"')


def selection(t: dict[str, Any]) -> str:
    return " { __typename }" if named(t)["kind"] in ("OBJECT", "INTERFACE", "UNION") else ""


# -- the tests ------------------------------------------------------------------------------
def test_every_string_argument_of_every_root_field(
    client: TestClient, graph: Store, introspection: dict[str, Any]
) -> None:
    types = {t["name"]: t for t in introspection["types"]}
    before = snapshot(graph)
    tried: list[str] = []
    for field in introspection["queryType"]["fields"]:
        for arg in field["args"]:
            if named(arg["type"])["name"] not in ("String", "ID"):
                continue
            others = [
                f"{a['name']}: {literal(a['type'], types)}"
                for a in field["args"]
                if a is not arg and a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None
            ]
            decl = ", ".join(f"$p{i}: {type_string(arg['type'])}" for i in range(len(PAYLOADS)))
            calls = []
            for i in range(len(PAYLOADS)):
                given = ", ".join([f"{arg['name']}: $p{i}", *others])
                calls.append(f"a{i}: {field['name']}({given}){selection(field['type'])}")
            body = " ".join(calls)
            values = {f"p{i}": [p] if is_list(arg["type"]) else p for i, p in enumerate(PAYLOADS)}
            result = post(client, f"query({decl}) {{ {body} }}", values)
            assert "data" in result, (field["name"], arg["name"], result)
            tried.append(f"{field['name']}.{arg['name']}")
    assert {
        "node.id",
        "search.text",
        "neighbourhood.id",
        "vendorChains.vendor",
        "shortestPath.from",
        "incidents.after",
    } <= set(tried)
    assert snapshot(graph) == before


def test_every_string_filter_of_every_connection(
    client: TestClient, graph: Store, introspection: dict[str, Any]
) -> None:
    types = {t["name"]: t for t in introspection["types"]}
    before = snapshot(graph)
    tried = 0
    for field in introspection["queryType"]["fields"]:
        flt = next((a for a in field["args"] if a["name"] == "filter"), None)
        if flt is None:
            continue
        for f in types[named(flt["type"])["name"]]["inputFields"]:
            kind = named(f["type"])["name"]
            if kind in ("StringFilter", "StringListFilter"):
                ops = ["eq", "contains"]
            elif kind == "ID":
                ops = [""]
            else:
                continue
            parts = []
            for op in ops:
                for i, p in enumerate(PAYLOADS):
                    value = json.dumps([p] if is_list(f["type"]) else p)  # a GraphQL literal
                    cond = f"{{{op}: {value}}}" if op else value
                    parts.append(
                        f"{op or 'id'}{i}: {field['name']}(filter: {{{f['name']}: "
                        f"{cond}}}) {{ edges {{ node {{ id }} }} }}"
                    )
            if kind == "StringFilter":
                parts.append(
                    f"any: {field['name']}(filter: {{{f['name']}: {{in: "
                    f"{json.dumps(PAYLOADS)}}}}}) {{ edges {{ node {{ id }} }} }}"
                )
            result = post(client, "{ " + " ".join(parts) + " }")
            assert "data" in result, (field["name"], f["name"], result)
            tried += 1
    assert tried > 50
    assert snapshot(graph) == before


def test_stored_payloads_come_back_as_data(client: TestClient, graph: Store) -> None:
    before = snapshot(graph)
    query = """query($t: String!) {
      incidents(filter: {title: {eq: $t}}) { edges { node { ref title description } } }
      vendors(filter: {name: {contains: $t}}) { edges { node { name description } } } }"""
    for payload in STORED:
        r = client.post("/graphql", json={"query": query, "variables": {"t": payload}})
        body = check_response(r.status_code, r.text)
        incidents = [e["node"] for e in body["data"]["incidents"]["edges"]]
        assert [(n["title"], n["description"]) for n in incidents] == [(payload, payload)]
        vendors = [e["node"] for e in body["data"]["vendors"]["edges"]]
        assert {"name": payload, "description": payload} in vendors
        # In the raw body the payload is a JSON string: its quotes and backslashes escaped.
        assert (
            json.dumps(payload)[1:-1] in r.text
            or json.dumps(payload, ensure_ascii=False)[1:-1] in r.text
        )
    assert snapshot(graph) == before


def test_the_search_index_returns_payload_names_as_data(client: TestClient, graph: Store) -> None:
    before = snapshot(graph)
    query = "query($t: String!) { search(text: $t, first: 50) { id type label matched } }"
    found = 0
    for payload in STORED:
        hits = post(client, query, {"t": payload})["data"]["search"]
        labels = {h["label"] for h in hits if h["type"] == "Vendor"}
        if payload in labels:
            found += 1
        # Whatever came back is one of the names we stored, character for character.
        assert labels <= set(STORED) | {lbl for lbl in labels if "Synthetic" in lbl}
    assert found >= len(STORED) // 2  # names made only of punctuation fold to nothing
    assert snapshot(graph) == before


def test_tnr_load_incidents_keeps_payloads_as_data(
    graph: Store, test_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "incidents.csv"
    fields = [
        "date",
        "origin_state",
        "host_state",
        "perpetrator",
        "outcome",
        "source_url",
        "source_title",
        "description",
        "ref",
        "target_profile",
    ]
    rows = []
    for i, payload in enumerate(PAYLOADS):
        clean = payload.replace("\u0000", "")  # a CSV file cannot carry NUL
        rows.append(
            {
                "date": "2021",
                "origin_state": "Russia",
                "host_state": "Germany",
                "perpetrator": f"Agency {clean}",
                "outcome": clean,
                "source_url": f"https://example.org/src?q={i}",
                "source_title": clean,
                "description": clean,
                "ref": f"csv-{i}-{clean}",
                "target_profile": "journalist",
            }
        )
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    old = {r["id"]: r["p"] for r in graph.read("MATCH (n) RETURN n.id AS id, properties(n) AS p")}
    env = {
        "TNR_DATA_DIR": str(test_settings.data_dir),
        "TNR_ENGINE_HEAP": test_settings.engine_heap,
    }
    if test_settings.neo4j_uri:
        env.update(
            NEO4J_URI=test_settings.neo4j_uri,
            NEO4J_USER=test_settings.neo4j_user,
            NEO4J_PASSWORD=test_settings.neo4j_password,
        )
    try:
        # --no-resolve: resolution may merge look-alike names (the payloads are alike), which
        # deletes the merged nodes by design; here nothing may go.
        result = CliRunner().invoke(cli, ["load", "incidents", "--no-resolve", str(path)], env=env)
    finally:
        graph.bind_ogm()  # the command bound the OGM to its own store
    assert result.exit_code == 0, result.output
    new = {r["id"]: r["p"] for r in graph.read("MATCH (n) RETURN n.id AS id, properties(n) AS p")}
    # Nothing that was there has gone, nor changed but for the two States the rows name
    # (the writer merges them with what the loader knows of them: names, aliases, sources).
    assert set(old) <= set(new)
    named_states = {
        r["id"]
        for r in graph.read("MATCH (s:State) WHERE s.code IN ['RU', 'DE'] RETURN s.id AS id")
    }
    assert {k for k in old if new[k] != old[k]} <= named_states
    # ...and every row is there, its values as written.
    got = graph.read(
        "MATCH (i:Incident) WHERE i.ref STARTS WITH 'csv-' "
        "OPTIONAL MATCH (i)-[:PERPETRATED_BY]->(a:Agency) "
        "RETURN i.ref AS ref, i.description AS d, i.outcome AS o, a.name AS a"
    )
    assert sorted((g["ref"], g["d"], g["o"], g["a"]) for g in got) == sorted(
        (r["ref"], r["description"], r["outcome"], r["perpetrator"]) for r in rows
    )
