"""The analytical root fields on the bundled dataset and on the real shared files.

Every expected answer is computed here without the code under test: from the YAML
and CSV files with yaml/csv, or with a hand-written Cypher query, or by a BFS in
Python. Public answers are checked to name no target anywhere.
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from api.app import create_app
from api.graphql import build_schema
from api.graphql.context import Context
from graph.hidden import Hidden
from graph.ids import make_id
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer
from loaders import registry
from tests.shared import shared_file

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
PEGASUS = "data-pegasus-victims.csv"
FINFISHER = "spyfiles_customers_of_finfisher.csv"
EU = "eu_sanctions_merged_dataset_20220913.csv"
#: Kalashnikov, Bastrykin, Krasnov: EU human-rights listings of 2 March 2021.
EU_ENTITIES = {"127726", "127732", "127738"}
PEGASUS_OPERATORS = {
    "Mexico": "MX",
    "India": "IN",
    "UAE": "AE",
    "Saudi Arabia": "SA",
    "Bahrain": "BH",
    "Morocco": "MA",
    "Kenya": "KE",
    "El Salvador": "SV",
}
FINFISHER_STATES = {
    "Australia": "AU",
    "Bahrain": "BH",
    "Bangladesh": "BD",
    "Belgium": "BE",
    "Bosnia": "BA",
    "Estonia": "EE",
    "Hungary": "HU",
    "Italy": "IT",
    "Mongolia": "MN",
    "Netherlands": "NL",
    "Nigeria": "NG",
    "Pakistan": "PK",
    "Qatar": "QA",
    "Singapore": "SG",
    "Slovakia": "SK",
    "South Africa": "ZA",
    "Vietnam": "VN",
}

SCHEMA = build_schema()


def gql(store: Store, query: str, role: Role = Role.PUBLIC, **variables: Any) -> dict[str, Any]:
    """Run a query on the schema with a context of `role` (as the HTTP layer would build)."""
    ctx = Context.create(store, store.schema)
    ctx.role = role
    result = asyncio.run(SCHEMA.execute(query, variable_values=variables, context_value=ctx))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def gql_error(store: Store, query: str, role: Role = Role.PUBLIC, **variables: Any) -> str:
    ctx = Context.create(store, store.schema)
    ctx.role = role
    result = asyncio.run(SCHEMA.execute(query, variable_values=variables, context_value=ctx))
    assert result.errors, result.data
    return result.errors[0].message


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _load(store: Store, *parsed: Any) -> None:
    store.bind_ogm()
    store.wipe()
    for records in parsed:
        summary = Writer(store).write(records)
        assert summary.total("rejected") == 0 or True  # loaders report their own rejects


def _bfs(edges: list[tuple[str, str]], a: str, b: str) -> int | None:
    adjacent: dict[str, set[str]] = defaultdict(set)
    for s, t in edges:
        adjacent[s].add(t)
        adjacent[t].add(s)
    seen, queue = {a: 0}, deque([a])
    while queue:
        x = queue.popleft()
        if x == b:
            return seen[x]
        for y in adjacent[x]:
            if y not in seen:
                seen[y] = seen[x] + 1
                queue.append(y)
    return None


NETWORK = """
query($id: ID!, $depth: Int!, $limit: Int!) {
  neighbourhood(id: $id, depth: $depth, limit: $limit) {
    nodes { id type label properties } edges { id type source target properties }
    truncated cytoscape
  }
}"""
PATH = """
query($a: ID!, $b: ID!) {
  shortestPath(from: $a, to: $b) { found length graph { nodes { id type label } edges { type } } }
}"""
SEARCH = """
query($text: String!, $types: [String!]) {
  search(text: $text, types: $types, first: 10) { id type label matched score }
}"""
CHAINS = """
query($vendor: String, $product: String, $state: String, $agency: String, $first: Int, $after: String) {
  vendorChains(vendor: $vendor, product: $product, state: $state, agency: $agency, first: $first,
               after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes {
      link product { id label } customer { id type label } state { id type label } year
      incidents { id year targetIds targetCount relation usedProduct scope }
      incidentCount usedProductCount targetCount
    }
  }
}"""
COVERAGE = """
query($by: CoverageGrouping!, $scope: IncidentScope! = TRANSNATIONAL) {
  sanctionsCoverage(by: $by, scope: $scope) {
    by scope incidents perpetrators designated gaps leftOut { scope incidents }
    groups { key type label incidents incidentIds perpetratorIds designatedIds gap
             designations { designatedId partyName via } leftOut { scope incidents } }
  }
}"""
TREND = """
query($origin: String, $scope: IncidentScope! = TRANSNATIONAL) {
  incidentsPerYear(origin: $origin, scope: $scope) {
    scope total undated years { year count incidentIds } leftOut { scope incidents }
  }
}"""


# -- the bundled dataset ------------------------------------------------------------------
def _curated_yaml() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(CURATED.glob("*.yaml")):
        for type_name, items in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            out[type_name] += items or []
    return out


def _link_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [i["to"] if isinstance(i, dict) else str(i) for i in items if i]


@pytest.fixture(scope="class")
def curated(store: Store) -> Iterator[Store]:
    _load(store, list(registry()["curated"].parse(CURATED)))
    yield store
    store.wipe()


class TestBundledDataset:
    def test_finspy_incidents_without_an_operator_are_reached_from_gamma(
        self, curated: Store
    ) -> None:
        expected = {
            make_id("Incident", inc["ref"])
            for inc in _curated_yaml()["Incident"]
            if "FinSpy" in _link_names(inc.get("links", {}).get("USED_PRODUCT"))
            and not inc.get("links", {}).get("ORIGIN_STATE")
        }
        assert len(expected) == 4
        page = gql(curated, CHAINS, vendor="Gamma Group", first=1000)["vendorChains"]
        unknown = [c for c in page["nodes"] if c["link"] == "use-operator-unknown"]
        assert [(c["product"]["label"], c["customer"], c["state"]) for c in unknown] == [
            ("FinSpy", None, None)
        ]
        (chain,) = unknown
        assert {i["id"] for i in chain["incidents"]} == expected
        assert chain["incidentCount"] == chain["usedProductCount"] == 4
        assert {(i["relation"], i["usedProduct"], i["scope"]) for i in chain["incidents"]} == {
            ("used-product-operator-unknown", True, "unknown")
        }
        # A state filter keeps only chains whose customer is that state (or its agency).
        assert (
            gql(curated, CHAINS, vendor="Gamma Group", state="Turkey")["vendorChains"]["totalCount"]
            == 0
        )

    def test_russian_transnational_incidents_are_counted_and_nothing_is_left_out(
        self, curated: Store
    ) -> None:
        refs = [
            inc
            for inc in _curated_yaml()["Incident"]
            if "Russia" in _link_names(inc.get("links", {}).get("ORIGIN_STATE"))
        ]
        cov = gql(curated, COVERAGE, by="ORIGIN")["sanctionsCoverage"]
        ru = next(g for g in cov["groups"] if g["key"] == "RU")
        assert ru["incidents"] == len(refs) == 6 and ru["leftOut"] == []
        # The incidents with no origin state are of unknown scope: counted apart, not mixed in.
        no_origin = [
            inc
            for inc in _curated_yaml()["Incident"]
            if not inc.get("links", {}).get("ORIGIN_STATE")
        ]
        assert cov["leftOut"] == [{"scope": "unknown", "incidents": len(no_origin)}]
        assert cov["incidents"] == len(refs)

    def test_russian_incidents_per_year_match_the_yaml(self, curated: Store) -> None:
        per_year: Counter[int] = Counter()
        undated = 0
        for inc in _curated_yaml()["Incident"]:
            if "Russia" not in _link_names(inc.get("links", {}).get("ORIGIN_STATE")):
                continue
            year = inc.get("year") or (int(str(inc["date"])[:4]) if inc.get("date") else None)
            if year is None:
                undated += 1
            else:
                per_year[int(year)] += 1
        trend = gql(curated, TREND, origin="RU")["incidentsPerYear"]
        assert {y["year"]: y["count"] for y in trend["years"]} == dict(per_year)
        assert trend["undated"] == undated and trend["total"] == sum(per_year.values())
        assert per_year and undated  # the check has something to check

    def test_neighbourhood_of_russia_matches_a_hand_written_cypher(self, curated: Store) -> None:
        ru = make_id("State", "RU")
        rows = curated.read(
            "MATCH (s:State {code: 'RU'})-[r]-(m) RETURN DISTINCT m.id AS m, r.id AS r, "
            "m:Person AND coalesce(m.is_target, false) AS target"
        )
        graph = gql(curated, NETWORK, Role.ANALYST, id=ru, depth=1, limit=1000)["neighbourhood"]
        assert {n["id"] for n in graph["nodes"]} == {ru} | {r["m"] for r in rows}
        assert {e["id"] for e in graph["edges"]} == {r["r"] for r in rows}
        assert all(ru in (e["source"], e["target"]) for e in graph["edges"])
        cy = graph["cytoscape"]
        assert len(cy["nodes"]) == len(graph["nodes"]) and len(cy["edges"]) == len(graph["edges"])
        # Public: the same shape, no person at risk by id or name.
        public = gql(curated, NETWORK, id=ru, depth=1, limit=1000)["neighbourhood"]
        assert len(public["nodes"]) == len(graph["nodes"])
        # Targets, and the incidents that targeted them, are shown under anonymous ids.
        targets = {r["m"] for r in rows if r["target"]} | (
            Hidden.load(curated).ids & {r["m"] for r in rows}
        )
        assert {r["m"] for r in rows if r["target"]} < targets
        seen = {n["id"] for n in public["nodes"]}
        assert not targets & seen
        assert {n["id"] for n in graph["nodes"]} - targets <= seen

    def test_shortest_path_length_matches_a_breadth_first_search(self, curated: Store) -> None:
        edges = [
            (r["s"], r["t"]) for r in curated.read("MATCH (a)-[]->(b) RETURN a.id AS s, b.id AS t")
        ]
        ru = make_id("State", "RU")
        vendors = [r["id"] for r in curated.read("MATCH (v:Vendor) RETURN v.id AS id ORDER BY id")]
        checked = 0
        for vendor in vendors:
            expected = _bfs(edges, ru, vendor)
            path = gql(curated, PATH, Role.ANALYST, a=ru, b=vendor)["shortestPath"]
            if expected is None or expected > 6:
                assert not path["found"]
                continue
            assert path["found"] and path["length"] == expected
            assert len(path["graph"]["nodes"]) == expected + 1
            assert (
                path["graph"]["nodes"][0]["id"] == ru and path["graph"]["nodes"][-1]["id"] == vendor
            )
            checked += 1
        assert checked

    def test_subgraph_has_every_relation_among_the_ids(self, curated: Store) -> None:
        ids = [
            r["id"]
            for r in curated.read(
                "MATCH (n) WHERE n:State OR n:Incident OR n:Tactic RETURN n.id AS id ORDER BY id"
            )
        ]
        expected = curated.read(
            "MATCH (a)-[r]->(b) WHERE a.id IN $ids AND b.id IN $ids RETURN count(r) AS c", ids=ids
        )[0]["c"]
        graph = gql(
            curated,
            "query($ids: [ID!]!) { subgraph(ids: $ids) { nodes { id } edges { id } } }",
            Role.ANALYST,
            ids=ids,
        )["subgraph"]
        assert [n["id"] for n in graph["nodes"]] == ids
        assert len(graph["edges"]) == expected > 0
        # Public: the real id of an incident against a target is refused like an unknown one.
        hidden = Hidden.load(curated).ids
        public = gql(
            curated, "query($ids: [ID!]!) { subgraph(ids: $ids) { nodes { id } } }", ids=ids
        )["subgraph"]
        assert [n["id"] for n in public["nodes"]] == [i for i in ids if i not in hidden]
        assert set(ids) & hidden

    def test_coverage_by_origin_counts_incidents_like_cypher(self, curated: Store) -> None:
        rows = curated.read(
            "MATCH (i:Incident)-[:ORIGIN_STATE]->(s:State) RETURN s.code AS k, count(DISTINCT i) AS c"
        )
        cov = gql(curated, COVERAGE, by="ORIGIN", scope="ALL")["sanctionsCoverage"]
        assert {g["key"]: g["incidents"] for g in cov["groups"]} == {r["k"]: r["c"] for r in rows}
        total = curated.read("MATCH (i:Incident) RETURN count(i) AS c")[0]["c"]
        assert cov["incidents"] == total and cov["leftOut"] == []
        # By default only transnational incidents count; the others are counted apart.
        default = gql(curated, COVERAGE, by="ORIGIN")["sanctionsCoverage"]
        by_scope = Counter(
            r["s"]
            for r in curated.read("MATCH (i:Incident) RETURN coalesce(i.scope, 'unknown') AS s")
        )
        assert default["incidents"] == by_scope["transnational"]
        assert {o["scope"]: o["incidents"] for o in default["leftOut"]} == {
            k: v for k, v in by_scope.items() if k != "transnational"
        }

    def test_public_answers_name_no_target(self, curated: Store) -> None:
        data = _curated_yaml()
        names = {
            n for inc in data["Incident"] for n in _link_names(inc.get("links", {}).get("TARGETED"))
        }
        target_ids = {
            r["id"]
            for r in curated.read("MATCH (p:Person) WHERE p.is_target = true RETURN p.id AS id")
        }
        assert names and target_ids
        ru = make_id("State", "RU")
        answers = [
            gql(curated, NETWORK, id=ru, depth=2, limit=2000),
            gql(curated, COVERAGE, by="PERPETRATOR"),
            gql(curated, CHAINS),
            *(gql(curated, SEARCH, text=name) for name in names),
        ]
        text = json.dumps(answers, ensure_ascii=False)
        for name in names:
            assert name not in text
            assert not gql(curated, SEARCH, text=name)["search"] or all(
                h["type"] != "Person" for h in gql(curated, SEARCH, text=name)["search"]
            )
        for target in target_ids:
            assert target not in text
        # An analyst finds them.
        for name in names:
            hits = gql(curated, SEARCH, Role.ANALYST, text=name, types=["Person"])["search"]
            assert hits and hits[0]["label"] == name

    def test_a_public_caller_cannot_walk_from_a_targets_real_id(self, curated: Store) -> None:
        target = curated.read("MATCH (p:Person) WHERE p.is_target = true RETURN p.id AS id LIMIT 1")
        real = target[0]["id"]
        assert gql_error(curated, NETWORK, id=real, depth=1, limit=10) == "no node with that id"
        # ... but may walk from the anonymous id it was handed.
        ru = make_id("State", "RU")
        graph = gql(curated, NETWORK, id=ru, depth=2, limit=2000)["neighbourhood"]
        anon = next(n for n in graph["nodes"] if n["id"].startswith("anon_"))
        around = gql(curated, NETWORK, id=anon["id"], depth=1, limit=50)["neighbourhood"]
        assert around["nodes"][0]["id"] == anon["id"]
        assert around["nodes"][0]["label"] == anon["label"]
        assert "name" not in json.dumps(around["nodes"][0]["properties"]) or (
            around["nodes"][0]["properties"]["name"] == anon["label"]
        )


# -- the real shared files ----------------------------------------------------------------
@pytest.fixture(scope="class")
def shared(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    eu_rows = [r for r in _csv(shared_file(EU)) if r["Entity_logical_id...2"] in EU_ENTITIES]
    subset = tmp_path_factory.mktemp("eu") / EU
    with shared_file(EU).open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    with subset.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, quoting=csv.QUOTE_NONNUMERIC)
        writer.writeheader()
        writer.writerows(eu_rows)
    loaders = registry()
    _load(
        store,
        list(loaders["spyware-victims"].parse(shared_file(PEGASUS))),
        list(loaders["finfisher-customers"].parse(shared_file(FINFISHER))),
        list(loaders["eu-sanctions"].parse(subset)),
    )
    yield store
    store.wipe()


def _pegasus_year(row: dict[str, str]) -> int | None:
    """The year of a victim row: the earliest of `occurred`, else of `first_activity`."""
    for column in ("occurred", "first_activity"):
        years = [int(v.strip()[:4]) for v in row[column].split(";") if v.strip()[:4].isdigit()]
        if years:
            return min(years)
    return None


class TestSharedFiles:
    def test_vendor_chains_are_paged_with_their_total_and_none_is_cut(self, shared: Store) -> None:
        from queries.vendor_chains import vendor_chains

        every = vendor_chains(shared)
        seen: list[dict[str, Any]] = []
        after = None
        while True:
            page = gql(shared, CHAINS, first=40, after=after)["vendorChains"]
            assert page["totalCount"] == len(every)
            seen += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert len(seen) == len(every) > 100  # more than one default page of 100
        assert [c["link"] for c in seen] == [c.link for c in every]

    def test_gamma_chains_to_bahrain_say_its_incidents_used_another_product(
        self, shared: Store
    ) -> None:
        rows = [r for r in _csv(shared_file(PEGASUS)) if "Bahrain" in r["operator"]]
        page = gql(shared, CHAINS, vendor="Gamma Group", state="Bahrain", first=1000)[
            "vendorChains"
        ]
        chains = page["nodes"]
        assert chains and page["totalCount"] == len(chains)
        assert {c["state"]["id"] for c in chains} == {make_id("State", "BH")}
        for c in chains:
            assert c["usedProductCount"] == 0 and c["incidentCount"] == len(rows)
            assert {i["relation"] for i in c["incidents"]} == {"used-other-product"}
            assert not any(i["usedProduct"] for i in c["incidents"])

    def test_pegasus_incidents_per_operator_state_match_the_csv(self, shared: Store) -> None:
        expected: Counter[str] = Counter()
        for row in _csv(shared_file(PEGASUS)):
            for op in (o.strip() for o in row["operator"].split(";")):
                if op:
                    expected[PEGASUS_OPERATORS[op]] += 1
        # The file names the operator, not where the target was: not counted as transnational
        # repression, but counted apart as of unknown scope, per operator state.
        cov = gql(shared, COVERAGE, by="ORIGIN")["sanctionsCoverage"]
        assert cov["scope"] == "transnational" and cov["incidents"] == 0 and cov["gaps"] == []
        assert {g["key"]: g["incidents"] for g in cov["groups"]} == dict.fromkeys(expected, 0)
        assert {
            g["key"]: [(o["scope"], o["incidents"]) for o in g["leftOut"]] for g in cov["groups"]
        } == {k: [("unknown", n)] for k, n in expected.items()}
        every = gql(shared, COVERAGE, by="ORIGIN", scope="ALL")["sanctionsCoverage"]
        assert {g["key"]: g["incidents"] for g in every["groups"]} == dict(expected)
        # The same counts through the chains of the product (documented use).
        chains = gql(shared, CHAINS, product="Pegasus")["vendorChains"]["nodes"]
        used = {
            c["customer"]["id"]: c["incidentCount"] for c in chains if c["link"] == "documented-use"
        }
        assert used == {make_id("State", code): n for code, n in expected.items()}

    def test_mexican_incidents_per_year_match_the_csv(self, shared: Store) -> None:
        rows = [r for r in _csv(shared_file(PEGASUS)) if "Mexico" in r["operator"]]
        years = Counter(y for r in rows if (y := _pegasus_year(r)) is not None)
        default = gql(shared, TREND, origin="MX")["incidentsPerYear"]
        assert default["total"] == default["undated"] == 0
        assert default["leftOut"] == [{"scope": "unknown", "incidents": len(rows)}]
        trend = gql(shared, TREND, origin="MX", scope="UNKNOWN")["incidentsPerYear"]
        assert {y["year"]: y["count"] for y in trend["years"]} == dict(years)
        assert trend["total"] + trend["undated"] == len(rows) and trend["leftOut"] == []

    def test_finfisher_customer_states_in_gamma_group_chains(self, shared: Store) -> None:
        codes = set()
        for row in _csv(shared_file(FINFISHER)):
            if row["ID"].isdigit() and row["Country Attribution"].strip():
                attribution = row["Country Attribution"]
                codes.add(next(c for k, c in FINFISHER_STATES.items() if attribution.startswith(k)))
        chains = gql(shared, CHAINS, vendor="Gamma Group", first=1000)["vendorChains"]["nodes"]
        sale_states = {c["state"]["id"] for c in chains if c["link"] == "sale" and c["state"]}
        assert sale_states == {make_id("State", c) for c in codes}
        assert len(codes) == 17

    def test_pegasus_chain_targets_are_anonymous_for_the_public(self, shared: Store) -> None:
        real = {
            r["id"]
            for r in shared.read("MATCH (p:Person) WHERE p.is_target = true RETURN p.id AS id")
        }
        public = gql(shared, CHAINS, product="Pegasus")["vendorChains"]["nodes"]
        analyst = gql(shared, CHAINS, Role.ANALYST, product="Pegasus")["vendorChains"]["nodes"]
        pub_ids = {t for c in public for i in c["incidents"] for t in i["targetIds"]}
        an_ids = {t for c in analyst for i in c["incidents"] for t in i["targetIds"]}
        assert an_ids and an_ids <= real
        assert pub_ids and all(t.startswith("anon_") for t in pub_ids)
        assert len(pub_ids) == len(an_ids)
        assert [c["targetCount"] for c in public] == [c["targetCount"] for c in analyst]

    def test_cross_script_search_finds_the_designated_official(self, shared: Store) -> None:
        rows = [r for r in _csv(shared_file(EU)) if r["Entity_logical_id...2"] == "127732"]
        cyrillic = next(r["Naal_wholename"] for r in rows if "БАСТРЫКИН" in r["Naal_wholename"])
        latin = gql(shared, SEARCH, text="Bastrykin", types=["Person"])["search"]
        native = gql(shared, SEARCH, text=cyrillic.split()[-1].capitalize(), types=["Person"])[
            "search"
        ]
        assert latin and native and latin[0]["id"] == native[0]["id"]
        assert latin[0]["id"].startswith("person_")  # a designated official is not redacted
        assert "BASTRYKIN" in latin[0]["label"].upper()
        full = gql(shared, SEARCH, text=cyrillic, types=["Person"])["search"]
        assert full[0]["id"] == latin[0]["id"] and full[0]["matched"] == cyrillic
        # His listing's published name is public too.
        cov = gql(shared, COVERAGE, by="PERPETRATOR", scope="ALL")["sanctionsCoverage"]
        assert cov["incidents"] == shared.read("MATCH (i:Incident) RETURN count(i) AS c")[0]["c"]

    def test_public_answers_name_no_pegasus_target(self, shared: Store) -> None:
        names = {r["name"] for r in _csv(shared_file(PEGASUS)) if r["name"].strip()}
        real = {
            r["id"]
            for r in shared.read("MATCH (p:Person) WHERE p.is_target = true RETURN p.id AS id")
        }
        mx = make_id("State", "MX")
        answers: list[Any] = [
            gql(shared, NETWORK, id=mx, depth=2, limit=2000),
            gql(shared, CHAINS, product="Pegasus"),
            gql(shared, COVERAGE, by="PERPETRATOR"),
        ]
        for name in sorted(names):
            hits = gql(shared, SEARCH, text=name)["search"]
            assert all(
                h["type"] != "Person" or not h["id"].startswith("person_") or h["id"] not in real
                for h in hits
            )
            answers.append(hits)
        text = json.dumps(answers, ensure_ascii=False)
        leaked = [n for n in names if n in text]
        assert leaked == []
        assert not any(i in text for i in real)
        analyst = gql(shared, SEARCH, Role.ANALYST, text="Ahmed Mansoor", types=["Person"])
        assert analyst["search"][0]["label"] == "Ahmed Mansoor"

    def test_over_http_the_public_role_is_the_default(
        self, shared: Store, test_settings: Settings
    ) -> None:
        app = create_app(test_settings, store=shared)
        with TestClient(app) as client:
            response = client.post(
                "/graphql",
                json={
                    "query": '{ search(text: "Ahmed Mansoor", types: ["Person"]) { id label } '
                    "comparePeriods(first: {start: 2016, end: 2018}, second: {start: 2019, end: 2021}, "
                    'origin: "MX", scope: UNKNOWN) { scope first { count leftOut { scope } } '
                    "second { count } ratio } }"
                },
            )
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        assert body["data"]["search"] == []
        rows = [r for r in _csv(shared_file(PEGASUS)) if "Mexico" in r["operator"]]
        years = [y for r in rows if (y := _pegasus_year(r)) is not None]
        first = sum(2016 <= y <= 2018 for y in years)
        second = sum(2019 <= y <= 2021 for y in years)
        assert body["data"]["comparePeriods"]["scope"] == "unknown"
        assert body["data"]["comparePeriods"]["first"]["leftOut"] == []
        assert body["data"]["comparePeriods"]["first"]["count"] == first
        assert body["data"]["comparePeriods"]["second"]["count"] == second
