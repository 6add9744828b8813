"""The analytical root fields on the bundled dataset.

Every expected answer is computed here without the code under test: from the YAML
with yaml, or with a hand-written Cypher query, or by a BFS in Python. Public answers
are checked to name no target anywhere."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from graph.hidden import Hidden
from graph.ids import make_id
from graph.store import Store
from graph.visibility import Role
from loaders import registry
from tests.api.analysis_data import (
    CHAINS,
    COVERAGE,
    CURATED,
    NETWORK,
    PATH,
    SEARCH,
    TREND,
    _bfs,
    _load,
)
from tests.gql import gql, gql_error


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
