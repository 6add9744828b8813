"""Sanctions coverage and designations by origin on the small graph."""

from __future__ import annotations

from collections import defaultdict

import pytest

from graph.store import Store
from queries.coverage import sanctions_coverage
from queries.designations import designations_by_origin


# -- sanctions coverage ------------------------------------------------------------------------
def test_coverage_by_origin_finds_russia_covered_and_turkiye_a_gap(
    g: dict[str, str], store: Store
) -> None:
    cov = sanctions_coverage(store, "origin")
    by = {grp.key: grp for grp in cov.groups}
    ru = by["RU"]
    assert ru.incidents == 5 and ru.perpetrators == 1 and ru.designated == 1
    assert [r.code for r in ru.regimes] == ["HR"] and ru.regimes[0].authority == "EU"
    assert ru.designations[0].via == "member" and ru.designations[0].designated_id == g["official"]
    assert ru.years == (2015, 2019, 2022, 2023) and not ru.gap
    # Mexico's incident in Mexico is domestic: listed, counted apart, not a TNR gap.
    assert set(cov.gaps) == {"TR"} and cov.scope == "transnational"
    assert by["MX"].incidents == 0 and not by["MX"].gap
    assert [(c.scope, c.incidents) for c in by["MX"].left_out] == [("domestic", 1)]
    assert cov.incidents == 6 and [(c.scope, c.incidents) for c in cov.left_out] == [
        ("domestic", 1)
    ]
    every = sanctions_coverage(store, "origin", scope="all")
    assert set(every.gaps) == {"TR", "MX"} and every.left_out == ()
    assert every.incidents == 7 and every.perpetrators == 3 and every.designated == 1
    assert sanctions_coverage(store, "origin", scope="domestic").incidents == 1
    with pytest.raises(ValueError, match="unknown scope"):
        sanctions_coverage(store, "origin", scope="abroad")


def test_coverage_by_tactic_and_perpetrator(g: dict[str, str], store: Store) -> None:
    by_tactic = {grp.key: grp for grp in sanctions_coverage(store, "tactic").groups}
    assert by_tactic["detention"].incidents == 2 and by_tactic["detention"].designated == 1
    assert by_tactic["rendition"].gap and not by_tactic["spyware"].gap  # spyware: domestic only
    assert sanctions_coverage(store, "tactic", scope="all").groups[-1].key in by_tactic
    assert {g.key for g in sanctions_coverage(store, "tactic", scope="all").groups if g.gap} >= {
        "spyware"
    }
    by_perp = {grp.key: grp for grp in sanctions_coverage(store, "perpetrator").groups}
    assert by_perp[g["fsb"]].incidents == 4 and by_perp[g["fsb"]].designated == 1
    assert by_perp[g["mit"]].gap and by_perp[g["mit"]].type == "Agency"
    by_host = {grp.key: grp for grp in sanctions_coverage(store, "host").groups}
    assert by_host["KG"].incidents == 3 and by_host["KG"].perpetrators == 2
    with pytest.raises(ValueError, match="cannot group by"):
        sanctions_coverage(store, "colour")  # type: ignore[arg-type]


def test_coverage_reasons_and_designations_by_origin(g: dict[str, str], store: Store) -> None:
    """Russia's incidents: some perpetrated by the FSB, whose member is designated, some by
    nobody named; Türkiye's by the MIT, whom nothing designates. Expected from Cypher."""
    ru_query = "MATCH (i:Incident)-[:ORIGIN_STATE]->(s:State) WHERE s.code = 'RU' "
    rows = [r["i"] for r in store.read(ru_query + "RETURN i.id AS i")]
    perps = defaultdict(set)
    for r in store.read(ru_query + "MATCH (i)-[:PERPETRATED_BY]->(p) RETURN i.id AS i, p.id AS p"):
        perps[r["i"]].add(r["p"])
    listed = {
        r["p"]
        for r in store.read(
            "MATCH (:SanctionListing)-[:DESIGNATES]->(:Person)-[:MEMBER_OF]->(p) RETURN p.id AS p"
        )
    }
    no_perp = {i for i in rows if not perps[i]}
    covered = {i for i in rows if perps[i] & listed}
    assert no_perp and covered
    by = {grp.key: grp for grp in sanctions_coverage(store, "origin").groups}
    ru, tr = by["RU"], by["TR"]
    assert (ru.incidents_no_perpetrator, ru.incidents_not_designated, ru.incidents_designated) == (
        len(no_perp),
        len(rows) - len(no_perp) - len(covered),
        len(covered),
    )
    assert ru.reason == "PARTLY_COVERED" and not ru.gap and ru.undesignated == ()
    assert tr.reason == "PERPETRATORS_NOT_DESIGNATED" and tr.gap
    assert [u.id for u in tr.undesignated] == [g["mit"]]

    answer = designations_by_origin(store, "EU/HR")
    states = {s.key: s for s in answer.states}
    (listing,) = states["RU"].designations
    assert listing.party.id == g["official"] and listing.ties == ("member",)
    assert listing.linked and listing.via == ("member",) and set(listing.incident_ids) == covered
    assert states["RU"].status == "LINKED" and states["RU"].incidents_linked == len(covered)
    assert states["TR"].status == "NOBODY_DESIGNATED" and answer.nobody_designated == ("TR",)
    assert answer.not_linked == () and answer.unattributed == 0 and answer.listings == 1
    # Mexico's one incident is domestic: listed, counted apart, no status of the scope.
    assert states["MX"].status == "NO_INCIDENTS_IN_SCOPE" and states["MX"].left_out
    with pytest.raises(ValueError, match=r"no sanctions regime.*EU/HR"):
        designations_by_origin(store, "UN/1267")
