"""What the coverage tests compute for themselves: the curated YAML, the EU rows, the queries."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from tests.shared import shared_file

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
EU = "eu_sanctions_merged_dataset_20220913.csv"

#: The EU file's citizenship descriptions of the listings checked here, by hand.
EU_COUNTRIES = {
    "RUSSIAN FEDERATION": "RU",
    "CHINA": "CN",
    "SOUTH SUDAN": "SS",
    "KOREA, DEMOCRATIC PEOPLE'S REPUBLIC OF": "KP",
}

#: The curated file's spellings of the states its incidents name, by hand.
CURATED_STATES = {
    "Russia": "RU",
    "Germany": "DE",
    "Poland": "PL",
    "Spain": "ES",
    "Kyrgyzstan": "KG",
    "Armenia": "AM",
    "Czech Republic": "CZ",
    "Turkey": "TR",
    "Indonesia": "ID",
    "Ukraine": "UA",
    "Venezuela": "VE",
    "United Arab Emirates": "AE",
}


def eu_rows(path: Path | None = None) -> list[dict[str, str]]:
    with (path or shared_file(EU)).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def eu_id(row: dict[str, str]) -> str:
    return (
        row["Entity_logical_id...2"] if row["Entity_logical_id...2"] != "NA" else row["logicalId"]
    ).removesuffix(".0")


def na(value: str) -> str:
    return "" if value.strip() in ("NA", "UNKNOWN") else value.strip()


def links(entry: dict[str, Any], rel: str) -> list[str]:
    value = (entry.get("links") or {}).get(rel)
    items = value if isinstance(value, list) else [value] if value else []
    return [i["to"] if isinstance(i, dict) else str(i) for i in items]


def curated_incidents() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(CURATED.glob("*.yaml")):
        out += (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("Incident") or []
    return out


def scope_of(entry: dict[str, Any]) -> str:
    """The scope rule written out: transnational when the host state is not an origin state,
    domestic when it is, unknown without an origin or a host (no curated entry states one)."""
    assert "scope" not in entry
    origins = {CURATED_STATES[s] for s in links(entry, "ORIGIN_STATE")}
    hosts = {CURATED_STATES[s] for s in links(entry, "HOST_STATE")}
    if not origins or not hosts:
        return "unknown"
    return "domestic" if hosts & origins else "transnational"


def designated_names(rows: list[dict[str, str]]) -> set[str]:
    """Every name and alias of every listing in the EU file, casefolded."""
    names = set()
    for r in rows:
        for col in ("Naal_wholename", "nameAlias.wholeName"):
            if na(r[col]):
                names.add(" ".join(r[col].split()).casefold())
    return names


def perpetrator_names() -> dict[str, set[str]]:
    """Each curated perpetrator's name and aliases (Person and Agency entries)."""
    out: dict[str, set[str]] = {}
    for path in sorted(CURATED.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for type_name in ("Person", "Agency", "Organization"):
            for e in data.get(type_name) or []:
                names = {e["name"], *(e.get("aliases") or [])}
                for n in names:
                    out[n] = names
    return out


COVERAGE = """
query($by: CoverageGrouping!) {
  sanctionsCoverage(by: $by) {
    scope gaps unattributed incidents incidentsNoPerpetrator incidentsNotDesignated
    incidentsDesignated
    groups { key incidents gap reason explanation incidentsNoPerpetrator
             incidentsNotDesignated incidentsDesignated undesignated { id type label } }
  }
}"""

COVERAGE_DESIGNATIONS = """
query($by: CoverageGrouping!) {
  sanctionsCoverage(by: $by) {
    groups { key reason undesignated { id label } designatedIds
             designations { listingId reference partyName designatedId year } }
  }
}"""

BY_ORIGIN = """
query($regime: String!, $scope: IncidentScope! = TRANSNATIONAL) {
  designationsByOrigin(regime: $regime, scope: $scope) {
    regime { authority code name } scope incidents withoutOrigin listings otherStates
    unattributed unattributedIds nobodyDesignated notLinked leftOut { scope incidents }
    states { key status explanation incidents incidentIds incidentsNoPerpetrator
             incidentsLinked designated linked notLinked leftOut { scope incidents }
             designations { listingId reference partyName party { id type label } ties linked
                            incidentIds perpetratorIds via } }
  }
}"""
