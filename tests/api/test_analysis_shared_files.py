"""The analytical root fields on the real shared files.

Every expected answer is computed here without the code under test: from the CSV files
with csv, or with a hand-written Cypher query, or by a BFS in Python. Public answers are
checked to name no target anywhere."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from graph.ids import make_id
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role
from loaders import registry
from tests.api.analysis_data import (
    CHAINS,
    COVERAGE,
    EU,
    EU_ENTITIES,
    FINFISHER,
    FINFISHER_STATES,
    NETWORK,
    PEGASUS,
    PEGASUS_OPERATORS,
    SEARCH,
    TREND,
    _csv,
    _load,
)
from tests.gql import gql
from tests.shared import shared_file


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
