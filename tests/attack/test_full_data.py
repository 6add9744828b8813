"""The attacker on the full shared data: every file of ../shared/data loaded (no entity
resolution), then what a public client can page, search, walk and export is searched for
the names of the people at risk that the graph holds (slow: run with -m slow)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from exports.view import export_view
from graph.names import tokens
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer
from loaders import registry
from tests.servers import running
from tests.shared import SHARED_DATA

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
FILES = (
    ("curated", ROOT / "data" / "curated"),
    ("spyware-victims", SHARED_DATA / "data-pegasus-victims.csv"),
    ("spyfiles-documents", SHARED_DATA / "spyfiles_leaked_company_documents.csv"),
    ("finfisher-customers", SHARED_DATA / "spyfiles_customers_of_finfisher.csv"),
    ("stix", SHARED_DATA / "amnesty_cytrox_predator.stix2"),
    ("eu-sanctions", SHARED_DATA / "eu_sanctions_merged_dataset_20220913.csv"),
    ("uk-export-licences", SHARED_DATA / "uk_export_licence_values_2008-2015.csv"),
)


@pytest.fixture
def full(empty_store: Store, test_settings: Settings) -> Iterator[tuple[Store, str]]:
    specs = registry()
    for name, path in FILES:
        if not path.exists():
            pytest.skip(f"{path} is not here")
        Writer(empty_store).write(specs[name].parse(path))
    with running(create_app(test_settings, empty_store)) as base:
        yield empty_store, base


def _needles(store: Store) -> dict[str, str]:
    """Folded full names of the people at risk (code names like "#3" aside), and their
    surnames where no state or other visible name could be spelt the same."""
    rows = store.read(
        "MATCH (n:Person) WHERE n.is_target = true OR n.protected = true "
        "RETURN n.name AS name, coalesce(n.aliases, []) AS aliases"
    )
    places = {t for r in store.read("MATCH (s:State) RETURN s.name AS n") for t in tokens(r["n"])}
    out: dict[str, str] = {}
    for r in rows:
        for name in [r["name"], *r["aliases"]]:
            toks = tokens(name or "")
            if len(toks) < 2 or any(t.isdigit() for t in toks):
                continue
            out[" ".join(toks)] = name
            if len(toks[-1]) >= 6 and toks[-1] not in places:
                out[toks[-1]] = name
    return out


def _found(blob: str, needles: dict[str, str]) -> set[str]:
    flat = " " + " ".join(tokens(blob)) + " "
    return {v for k, v in needles.items() if f" {k} " in flat}


def _pages(client: httpx.Client, field: str, selection: str) -> Iterator[dict[str, Any]]:
    after = None
    while True:
        q = (
            f"query($a: String) {{ {field}(first: 100, after: $a) {{ pageInfo {{ hasNextPage "
            f"endCursor }} edges {{ node {{ {selection} }} }} }} }}"
        )
        body = client.post("/graphql", json={"query": q, "variables": {"a": after}}).json()
        assert not body.get("errors"), body["errors"]
        yield body
        page = body["data"][field]
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def test_public_pages_searches_walks_and_exports_of_the_full_data_name_nobody(
    full: tuple[Store, str],
) -> None:
    store, base = full
    needles = _needles(store)
    assert len(needles) > 50  # the Pegasus victims and the curated targets
    leaks: dict[str, set[str]] = {}
    with httpx.Client(base_url=base, timeout=300) as client:
        for field, selection in (
            ("persons", "id label name aliases position affiliation description citations"),
            (
                "incidents",
                "id title description ref citations targeted { node { id label } } "
                "sources { title url ref }",
            ),
            ("sources", "id title url ref file"),
            ("organizations", "id name description incomingMemberOf { id node { id label } }"),
            ("sanctionListings", "id reference citations"),
        ):
            for body in _pages(client, field, selection):
                if found := _found(json.dumps(body, ensure_ascii=False), needles):
                    leaks.setdefault(field, set()).update(found)
        surnames = sorted({k for k in needles if " " not in k})[:40]
        for word in surnames:
            body = client.post(
                "/graphql",
                json={
                    "query": "query($t: String!) { search(text: $t) { id label matched } }",
                    "variables": {"t": word},
                },
            ).text
            if found := _found(body, needles):
                leaks.setdefault("search", set()).update(found)
        for r in store.read("MATCH (s:State)<-[:ORIGIN_STATE]-() RETURN DISTINCT s.id AS id"):
            body = client.post(
                "/graphql",
                json={
                    "query": "query($id: ID!) { neighbourhood(id: $id, "
                    "depth: 2, limit: 2000) { nodes { id label properties } edges { id "
                    "properties } } }",
                    "variables": {"id": r["id"]},
                },
            ).text
            if found := _found(body, needles):
                leaks.setdefault("neighbourhood", set()).update(found)
        for q in (
            "{ sanctionsCoverage(by: ORIGIN) { groups { key label incidentIds } } }",
            "{ sanctionsCoverage(by: PERPETRATOR, scope: ALL) { groups { key label explanation "
            "undesignated { id label } designations { partyName reference } } } }",
            '{ designationsByOrigin(regime: "EU/HR", scope: ALL) { states { key explanation '
            "designations { partyName reference party { id label } incidentIds perpetratorIds } } } }",
            "{ vendorChains(first: 1000) { nodes { vendor { label } incidents { id title targetIds } } } }",
        ):
            body = client.post("/graphql", json={"query": q}).text
            if found := _found(body, needles):
                leaks.setdefault(q[:20], set()).update(found)
    view = export_view(store, None, Role.PUBLIC)
    csv_text = json.dumps([n.properties | {"label": n.label} for n in view.nodes], default=str)
    csv_text += json.dumps([e.properties for e in view.edges], default=str)
    if found := _found(csv_text, needles):
        leaks["export"] = found
    assert leaks == {}, {k: sorted(v)[:5] for k, v in leaks.items()}
