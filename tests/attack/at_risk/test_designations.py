"""The fields of coverage that explains itself, asked by a hostile public
client: sanctionsCoverage's reasons, counts and undesignated perpetrators, and
designationsByOrigin, leak no secret and count what the analyst counts."""

from __future__ import annotations

import json

import pytest

from .client import Attack

COVERAGE = """query($by: CoverageGrouping!, $scope: IncidentScope!) {
  sanctionsCoverage(by: $by, scope: $scope) {
    gaps unattributed incidentsNoPerpetrator incidentsNotDesignated incidentsDesignated
    groups { key label reason explanation incidentsNoPerpetrator incidentsNotDesignated
             incidentsDesignated undesignated { id type label } incidentIds
             designations { listingId reference partyName designatedId } } } }"""
BY_ORIGIN = """query($scope: IncidentScope!) {
  designationsByOrigin(regime: "EU/HR", scope: $scope) {
    regime { code } incidents withoutOrigin listings otherStates unattributed unattributedIds
    nobodyDesignated notLinked leftOut { scope incidents }
    states { key status explanation incidents incidentIds incidentsNoPerpetrator
             incidentsLinked designated linked notLinked
             designations { listingId reference partyName party { id label } ties incidentIds
                            perpetratorIds } sources { id title } } } }"""


@pytest.mark.parametrize("scope", ["TRANSNATIONAL", "ALL"])
def test_public_coverage_reasons_and_designations_leak_nothing(attack: Attack, scope: str) -> None:
    answers = [
        attack.client.ok(COVERAGE, by=by, scope=scope)
        for by in ("TACTIC", "ORIGIN", "HOST", "PERPETRATOR")
    ]
    answers.append(attack.client.ok(BY_ORIGIN, scope=scope))
    assert attack.secrets.leaks(json.dumps(answers, ensure_ascii=False)) == []
    analyst = attack.client.ok(BY_ORIGIN, "analyst", scope=scope)["designationsByOrigin"]
    public = answers[-1]["designationsByOrigin"]
    # The same states, statuses and counts; the incidents against targets anonymous.
    keys = ("key", "status", "incidents", "incidentsNoPerpetrator", "designated", "linked")
    assert [[s[k] for k in keys] for s in public["states"]] == [
        [s[k] for k in keys] for s in analyst["states"]
    ]
    ru = next(s for s in public["states"] if s["key"] == "RU")
    assert ru["incidents"] and any(i.startswith("anon_") for i in ru["incidentIds"])
    assert attack.analyst_secrets.leaks(json.dumps(analyst, ensure_ascii=False)) == []
