"""Access control and the redaction of people at risk, over HTTP.

The graph: the bundled curated dataset, the real Pegasus victims file, an official
an editor marked `protected`, and one protected person whose name also sits in a
Source's title and an Incident's description. The leak test walks every field of
the schema by introspection (tests/api/introspection.py), not a list of today's fields."""

from __future__ import annotations

import dataclasses
import hmac
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.auth import KeyRing, key_hash
from graph.anonymity import anon_id
from graph.hidden import Hidden
from graph.hidden import changed as visibility_changed
from graph.records import Edge, Node, Provenance, source_node
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role, View
from graph.writer import Writer
from loaders import curated, pegasus
from tests.api.introspection import INTROSPECTION, Walker
from tests.shared import shared_file

ANALYST_KEY = "analyst-key-0123456789abcdef"
EDITOR_KEY = "editor-key-0123456789abcdef"
ANALYST = {"authorization": f"Bearer {ANALYST_KEY}"}
EDITOR = {"authorization": f"Bearer {EDITOR_KEY}"}
SECRET_NAME = "Zofia Wiśniewska-Kowal"
SECRET_ALIAS = "Z. Kowal"
SECRET_BIRTH = "1961-07-19"
SECRET_DESCRIPTION = "Runs a safe house for exiles near the border crossing."
OFFICIAL = "Klaus Buchner"  # in the curated dataset, not a target; marked protected here


def _curated_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "curated"


def _extra() -> list[Node | Edge]:
    """One protected person, named also in a Source title and an Incident description."""
    page = source_node(
        "https://news.example.org/2024/zofia-wisniewska-kowal",
        f"Interview with {SECRET_NAME}",
        kind="web-page",
    )
    report = source_node("https://ngo.example.org/report-2024", "Annual report 2024")
    prov, rprov = Provenance(page.id, "para 2", 1.0), Provenance(report.id, "p. 4", 0.9)
    person = Node(
        "Person",
        {
            "name": SECRET_NAME,
            "aliases": [SECRET_ALIAS],
            "roles": ["activist"],
            "birth_date": SECRET_BIRTH,
            "residence_country": "PL",
            "affiliation": "Border Shelter Collective",
            "description": SECRET_DESCRIPTION,
            "protected": True,
        },
        prov,
    )
    org = Node("Organization", {"name": "Border Shelter Collective", "kind": "ngo"}, rprov)
    incident = Node(
        "Incident",
        {
            "ref": "TEST-PROTECTED-1",
            "title": "Threats against an activist",
            "description": f"Messages threatened {SECRET_NAME} and her family.",
            "year": 2024,
        },
        rprov,
    )
    return [
        page,
        report,
        person,
        org,
        incident,
        Edge("MEMBER_OF", person.id, org.id, rprov),
        Edge("TARGETED", incident.id, person.id, prov),
    ]


@pytest.fixture(scope="module")
def graph(store: Store) -> Iterator[Store]:
    store.bind_ogm()
    store.wipe()
    writer = Writer(store)
    for records in (
        curated.parse(_curated_dir()),
        pegasus.parse(shared_file("data-pegasus-victims.csv")),
        _extra(),
    ):
        writer.write(records)
    store.write("MATCH (n:Person {name: $name}) SET n.protected = true", name=OFFICIAL)
    yield store
    store.wipe()


@pytest.fixture(scope="module")
def client(graph: Store, test_settings: Settings) -> Iterator[TestClient]:
    settings = dataclasses.replace(
        test_settings, api_keys=f"analyst:{ANALYST_KEY},editor:{EDITOR_KEY}"
    )
    with TestClient(create_app(settings, store=graph)) as c:
        yield c


def post(
    client: TestClient, query: str, headers: dict[str, str] | None = None, **variables: Any
) -> dict[str, Any]:
    r = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers or {}
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


# -- what must never reach public -------------------------------------------------------------
@dataclasses.dataclass
class Secrets:
    persons: list[dict[str, Any]]  # stored properties of every redacted person
    values: set[str]  # names, aliases, birth dates, affiliations, descriptions
    ids: frozenset[str]  # real ids of redacted persons and withheld sources
    redactions: Hidden


def _secrets(store: Store) -> Secrets:
    persons = [
        r["p"]
        for r in store.read(
            "MATCH (n:Person) WHERE n.is_target = true OR n.protected = true RETURN properties(n) AS p"
        )
    ]
    # Values that public data holds anyway (an affiliation that is also an organisation's
    # name) identify nobody by themselves; names and aliases are always checked.
    public_texts = " ".join(
        json.dumps(r["p"], ensure_ascii=False).casefold()
        for r in store.read(
            "MATCH (n) WHERE NOT n:Person AND NOT n:Source RETURN properties(n) AS p"
        )
    )
    values: set[str] = set()
    for p in persons:
        values |= {str(p["name"]), *map(str, p.get("aliases") or [])}
        for key in ("birth_date", "affiliation", "description", "position"):
            v = p.get(key)
            if v and str(v).casefold() not in public_texts:
                values.add(str(v))
    values = {v for v in values if len(v) >= 4}
    redactions = Hidden.load(store)
    return Secrets(persons, values, redactions.ids, redactions)


def leaks(text: str, secrets: Secrets) -> list[str]:
    folded = text.casefold()
    found = [
        v
        for v in secrets.values
        if re.search(r"(?<!\w)" + re.escape(v.casefold()) + r"(?!\w)", folded)
    ]
    return found + [i for i in secrets.ids if i in text]


def _walk_ids(store: Store, secrets: Secrets) -> dict[str, list[str]]:
    """Ids to fill `id` arguments: hidden persons and sources, and what touches them."""
    target = next(p for p in secrets.persons if p.get("is_target") and p.get("roles"))
    protected = next(p for p in secrets.persons if p["name"] == SECRET_NAME)
    [inc] = store.read(
        "MATCH (i:Incident)-[:TARGETED]->(p:Person {id: $id}) RETURN i.id AS id LIMIT 1",
        id=target["id"],
    )
    [org] = store.read(
        "MATCH (:Person {id: $id})-[:MEMBER_OF]->(o) RETURN o.id AS id", id=protected["id"]
    )
    [src] = sorted(secrets.redactions.sources)[:1]
    ids = {
        "target": [target["id"]],
        "protected": [protected["id"]],
        "incident": [inc["id"]],
        "organization": [org["id"]],
        "source": [src],
        "anon": [anon_id(protected["id"])],
    }
    ids["any"] = ids["target"]
    return ids


def test_public_viewer_sees_no_target_names_in_any_field(client: TestClient, graph: Store) -> None:
    secrets = _secrets(graph)
    assert SECRET_NAME in secrets.values and OFFICIAL in secrets.values
    assert len(secrets.persons) > 100  # the Pegasus victims, the curated targets, the protected
    schema = post(client, INTROSPECTION)["data"]["__schema"]
    walker = Walker(schema, _walk_ids(graph, secrets), probe=SECRET_NAME)
    queries = walker.queries()
    roots = {name for name, _ in queries}
    assert {"node", "nodes", "person", "persons", "incident", "sources"} <= roots
    start = time.monotonic()
    public_out, analyst_out, found = [], [], []
    refused = re.compile(r"exceeds maximum|too expensive|Max|tokens|aliases", re.I)
    for root, query in queries:
        body = post(client, query)
        text = json.dumps(body, ensure_ascii=False)
        for e in body.get("errors") or []:
            assert not refused.search(e["message"]), (root, e["message"], len(query))
        public_out.append(text)
        if hits := leaks(text, secrets):
            found.append((root, hits[:3], query[:300]))
        analyst_out.append(json.dumps(post(client, query, ANALYST), ensure_ascii=False))
    print(f"{len(queries)} queries over {len(roots)} root fields, {time.monotonic() - start:.0f} s")
    assert found == [], "\n".join(f"{root}: {hits}" for root, hits, _ in found)
    # The same queries show an analyst who the people are: the test can fail.
    seen_by_analyst = set(leaks(" ".join(analyst_out), secrets))
    for value in (SECRET_NAME, SECRET_ALIAS, SECRET_BIRTH, SECRET_DESCRIPTION):
        assert value in seen_by_analyst, value
    assert len(seen_by_analyst) > 20


# -- scenarios --------------------------------------------------------------------------------
PERSON = """query($id: ID!) { node(id: $id) { id __typename ... on Person {
    label name aliases birthDate affiliation description residenceCountry roles isTarget
    sources { id title } citations incomingTargeted { id citations node { id label } }
    memberOf { node { id label } } } } }"""


def _person(graph: Store, name: str) -> dict[str, Any]:
    [row] = graph.read("MATCH (n:Person {name: $name}) RETURN properties(n) AS p", name=name)
    props: dict[str, Any] = row["p"]
    return props


def test_public_viewer_sees_anonymous_target_nodes(client: TestClient, graph: Store) -> None:
    secret = _person(graph, SECRET_NAME)
    anon = anon_id(secret["id"])
    assert post(client, PERSON, id=secret["id"])["data"]["node"] is None  # no probing by real id
    node = post(client, PERSON, id=anon)["data"]["node"]
    assert node["id"] == anon and node["label"] == "protected person: activist, in Poland"
    assert node["name"] == node["label"]
    for key in ("aliases", "birthDate", "affiliation", "description"):
        assert node[key] is None, key
    assert node["sources"] == [] and node["citations"] == [] and node["memberOf"] == []
    [rel] = node["incomingTargeted"]
    assert rel["citations"] == [] and rel["id"].startswith("anon_")
    assert secret["id"] not in json.dumps(node)

    # The incident that targeted them is shown anonymously too: no stored text, no ref (its
    # ref cannot be filtered on), a label made of public facts; Incident.targeted gives the
    # same anonymous node.
    q = """query($f: IncidentFilter) { incidents(filter: $f) { totalCount edges { node {
        description targeted { node { id label } } sources { title } } } } }"""
    found = post(client, q, f={"ref": {"eq": "TEST-PROTECTED-1"}})["data"]["incidents"]
    assert found == {"totalCount": 0, "edges": []}
    one = """query($id: ID!) { node(id: $id) { id ... on Incident { title ref description
        targeted { node { id label } } sources { title } citations } } }"""
    incident = post(client, one, id=rel["node"]["id"])["data"]["node"]
    assert incident["id"].startswith("anon_") and incident["description"] is None
    assert incident["targeted"][0]["node"] == {"id": anon, "label": node["label"]}
    assert (
        incident["title"] == rel["node"]["label"]
        and "against a protected person" in incident["title"]
    )
    assert incident["sources"] == [] and incident["citations"] == []

    # Filters cannot probe: not by name, not by text that names the person, not by id.
    persons = "query($f: PersonFilter) { persons(filter: $f) { totalCount } }"
    for flt in (
        {"name": {"eq": SECRET_NAME}},
        {"name": {"contains": "Kowal"}},
        {"aliases": {"eq": SECRET_ALIAS}},
        {"birthDate": {"eq": SECRET_BIRTH}},
        {"ids": [secret["id"]]},
    ):
        assert post(client, persons, f=flt)["data"]["persons"]["totalCount"] == 0, flt
        assert post(client, persons, ANALYST, f=flt)["data"]["persons"]["totalCount"] == 1, flt
    incidents = "query($f: IncidentFilter) { incidents(filter: $f) { totalCount } }"
    assert (
        post(client, incidents, f={"description": {"contains": "Wiśniewska"}})["data"]["incidents"][
            "totalCount"
        ]
        == 0
    )
    assert (
        post(client, incidents, f={"relatedTo": secret["id"]})["data"]["incidents"]["totalCount"]
        == 0
    )
    assert post(client, incidents, f={"relatedTo": anon})["data"]["incidents"]["totalCount"] == 1
    body = post(client, "{ persons(orderBy: {field: NAME}) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "needs the analyst role" in body["errors"][0]["message"]

    # Counts still count everyone; pages of persons page through anonymous nodes.
    total = post(client, "{ persons { totalCount } }")["data"]["persons"]["totalCount"]
    assert total == graph.read("MATCH (n:Person) RETURN count(n) AS c")[0]["c"]
    q = "query($a: String) { persons(first: 40, after: $a) { pageInfo { endCursor hasNextPage } edges { node { id } } } }"
    ids: list[str] = []
    after = None
    while True:
        page = post(client, q, a=after)["data"]["persons"]
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(ids) == len(set(ids)) == total and anon in ids

    # A Source that names the person is withheld, and so is one cited for their incident or
    # their membership (the report), until an editor marks it public-safe.
    sources = "{ sources(first: 100) { totalCount edges { node { id title ref url } } } }"
    titles = [e["node"]["title"] for e in post(client, sources)["data"]["sources"]["edges"]]
    assert "withheld source" in titles and "Annual report 2024" not in titles
    assert not any(SECRET_NAME in t for t in titles)
    graph.write("MATCH (s:Source {title: 'Annual report 2024'}) SET s.public_safe = true")
    visibility_changed(graph)
    try:
        titles = [e["node"]["title"] for e in post(client, sources)["data"]["sources"]["edges"]]
        assert "Annual report 2024" in titles and not any(SECRET_NAME in t for t in titles)
    finally:
        graph.write("MATCH (s:Source {title: 'Annual report 2024'}) REMOVE s.public_safe")
        visibility_changed(graph)


def test_analyst_sees_target_names(client: TestClient, graph: Store) -> None:
    secret = _person(graph, SECRET_NAME)
    node = post(client, PERSON, ANALYST, id=secret["id"])["data"]["node"]
    assert node["id"] == secret["id"] and node["name"] == SECRET_NAME
    assert node["aliases"] == [SECRET_ALIAS] and node["birthDate"] == SECRET_BIRTH
    assert node["memberOf"][0]["node"]["label"] == "Border Shelter Collective"
    assert "Interview with" in node["sources"][0]["title"]
    q = "{ persons(first: 3, filter: {isTarget: true}, orderBy: {field: NAME}) { edges { node { name } } } }"
    names = [e["node"]["name"] for e in post(client, q, ANALYST)["data"]["persons"]["edges"]]
    assert len(names) == 3 and names == sorted(names)
    assert not any(n.startswith("target") for n in names)


def test_unknown_key_is_refused_with_401(client: TestClient) -> None:
    for header in ("Bearer not-a-key-we-know-of", "Basic dXNlcjpwYXNz"):
        r = client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"authorization": header}
        )
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        [error] = r.json()["errors"]
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    r = client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"authorization": "Bearer not-a-key-we-know-of"},
    )
    assert r.json()["errors"][0]["message"] == "the API key is not known"
    r = client.post("/graphql", json={"query": "{ __typename }"}, headers=ANALYST)
    assert r.status_code == 200 and r.json() == {"data": {"__typename": "Query"}}


def test_keys_are_stored_hashed_and_compared_in_constant_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keyfile = tmp_path / "keys"
    keyfile.write_text(f"# comment\neditor:{EDITOR_KEY}\n", encoding="utf-8")
    settings = Settings(api_keys=f"analyst:{ANALYST_KEY}", api_keys_file=keyfile)
    ring = KeyRing.from_settings(settings)
    stored = repr(ring)
    assert ANALYST_KEY not in stored and EDITOR_KEY not in stored
    assert ring.hashes == (
        (key_hash(ANALYST_KEY), Role.ANALYST),
        (key_hash(EDITOR_KEY), Role.EDITOR),
    )
    assert ANALYST_KEY not in repr(settings)
    # Every known hash is compared (no early exit), with hmac.compare_digest.
    calls: list[tuple[str, str]] = []

    def compare(a: str, b: str) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(hmac, "compare_digest", compare)
    assert ring.role_for(ANALYST_KEY) == Role.ANALYST  # the first entry: the loop goes on
    assert len(calls) == 2
    assert ring.role_for("a-key-that-is-not-known") is None and len(calls) == 4
    assert ring.role_for(None) == Role.PUBLIC
    with pytest.raises(ValueError, match="16 or more"):
        KeyRing.from_entries(["analyst:short"])


def test_editor_marks_person_protected_and_public_loses_the_name(
    client: TestClient, graph: Store
) -> None:
    name = "Ana Official Testcase"
    src = source_node("https://gov.example.org/staff", "Staff list")
    person = Node(
        "Person",
        {"name": name, "roles": ["official"], "residence_country": "DE"},
        Provenance(src.id, "row 1", 1.0),
    )
    Writer(graph).write([src, person])
    q = "query($id: ID!) { person(id: $id) { id name label } }"
    assert post(client, q, id=person.id)["data"]["person"]["name"] == name  # officials are public
    mutation = """mutation($id: ID!) { markProtected(personId: $id, protected: true,
                  reason: "threats reported") { id } }"""
    refused = client.post(
        "/graphql",
        json={"query": mutation, "variables": {"id": person.id}},
        headers={"accept": "application/graphql-response+json"},
    )
    assert refused.status_code == 403 and "data" not in refused.json()
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = post(client, mutation, EDITOR, id=person.id)
    assert "errors" not in body, body
    assert post(client, q, id=person.id)["data"]["person"] is None  # the real id is refused
    hidden = post(client, q, id=anon_id(person.id))["data"]["person"]
    assert hidden["label"] == "protected person: official, in Germany" and name not in str(hidden)
    assert post(client, q, ANALYST, id=person.id)["data"]["person"]["name"] == name


def test_a_state_name_is_no_mention_of_a_target_who_shares_a_word_of_it(graph: Store) -> None:
    """A target's rare first name can be a word of a state's name ("Salvador", "El Salvador"):
    the state's name stays readable for the public, the target's name and the word alone
    do not."""
    hidden = Hidden.load(graph, graph.schema)
    seen = View(Role.PUBLIC, hidden, graph.schema)
    states = [r["name"] for r in graph.read("MATCH (s:State) RETURN s.name AS name") if r["name"]]
    targets = [
        r["name"]
        for r in graph.read(
            "MATCH (p:Person) WHERE p.is_target = true AND p.name IS NOT NULL RETURN p.name AS name"
        )
    ]
    shared = [
        (state, name, word)
        for state in states
        for name in targets
        for word in name.split()
        if len(state.split()) > 1
        and word in state.split()
        and word.casefold() in hidden.names.identifying
    ]
    assert shared, "the Pegasus victims include a target with a word of a state's name"
    for state, name, word in shared:
        assert seen.text(f"operated in {state}") == f"operated in {state}"
        assert word not in seen.text(f"{word} said") and name not in seen.text(name)
        both = seen.text(f"{state}: {name}")
        assert both.startswith(f"{state}: ") and name not in both and word not in both[len(state) :]
