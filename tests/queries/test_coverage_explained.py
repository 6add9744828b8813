"""Coverage that explains itself, on the curated data and the real EU file.

`sanctionsCoverage` says per group why it is or is not covered, with the incidents counted
three ways; `designationsByOrigin(regime:)` says per origin state who is designated under a
regime of the data and whether it is for the state's documented incidents. Every expected
figure is computed here from the YAML and the CSV with yaml/csv (tests/queries/coverage_data.py),
by rules written out there and in this file."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from graph.hidden import changed as visibility_changed
from graph.ids import make_id
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer
from loaders import curated, eu_sanctions
from tests.gql import gql, gql_error
from tests.queries.coverage_data import (
    BY_ORIGIN,
    COVERAGE,
    CURATED,
    CURATED_STATES,
    EU,
    EU_COUNTRIES,
    curated_incidents,
    designated_names,
    eu_id,
    eu_rows,
    links,
    na,
    perpetrator_names,
    scope_of,
)
from tests.shared import shared_file


@pytest.fixture(scope="module")
def real(store: Store) -> Iterator[Store]:
    """The curated data and the whole real EU file, as `tnr serve` plus a load would have it."""
    store.bind_ogm()
    store.wipe()
    visibility_changed(store)
    for records in (curated.parse(CURATED), eu_sanctions.parse(shared_file(EU))):
        Writer(store).write(list(records))
    yield store
    store.wipe()
    visibility_changed(store)


# -- 1. sanctionsCoverage: the reason, and the three counts ---------------------------------
def expected_by_tactic() -> dict[str, tuple[int, int, int]]:
    """Per tactic, of the transnational incidents: (naming no perpetrator, naming only
    perpetrators the EU file does not list, naming a listed one)."""
    listed = designated_names(eu_rows())
    names = perpetrator_names()
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for inc in curated_incidents():
        if scope_of(inc) != "transnational":
            continue
        perps = links(inc, "PERPETRATED_BY")
        covered = any(n.casefold() in listed for p in perps for n in names[p])
        for tactic in links(inc, "USED_TACTIC"):
            out[tactic][2 if covered else 1 if perps else 0] += 1
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def reason_of(no_perp: int, not_designated: int, designated: int) -> str:
    if designated:
        return "COVERED" if not no_perp + not_designated else "PARTLY_COVERED"
    if not_designated:
        return "PERPETRATORS_NOT_DESIGNATED"
    return "NO_PERPETRATOR_KNOWN" if no_perp else "NO_INCIDENTS_IN_SCOPE"


def test_a_tactic_is_a_gap_only_when_its_perpetrators_are_known_and_undesignated(
    real: Store,
) -> None:
    expected = expected_by_tactic()
    reasons = {k: reason_of(*v) for k, v in expected.items()}
    # The data has both kinds: tactics whose incidents name nobody, and named perpetrators.
    assert {"NO_PERPETRATOR_KNOWN", "PERPETRATORS_NOT_DESIGNATED"} <= set(reasons.values())
    cov = gql(real, COVERAGE, by="TACTIC")["sanctionsCoverage"]
    groups = {g["key"]: g for g in cov["groups"] if g["incidents"]}
    assert {
        k: (g["incidentsNoPerpetrator"], g["incidentsNotDesignated"], g["incidentsDesignated"])
        for k, g in groups.items()
    } == expected
    assert {k: g["reason"] for k, g in groups.items()} == reasons
    assert set(cov["gaps"]) == {k for k, r in reasons.items() if r == "PERPETRATORS_NOT_DESIGNATED"}
    assert set(cov["unattributed"]) == {
        k for k, r in reasons.items() if r == "NO_PERPETRATOR_KNOWN"
    }
    assert all(g["gap"] == (g["reason"] == "PERPETRATORS_NOT_DESIGNATED") for g in cov["groups"])
    # A group whose incidents are all of another scope says so (the FinSpy tactic: no origin).
    idle = [g for g in cov["groups"] if not g["incidents"]]
    assert idle and all(g["reason"] == "NO_INCIDENTS_IN_SCOPE" and not g["gap"] for g in idle)
    # The sentence carries the same counts, for a client to show as it is.
    for k, g in groups.items():
        no_perp, not_designated, _ = expected[k]
        if no_perp:
            assert f"{no_perp} naming no perpetrator" in g["explanation"]
        if not_designated:
            assert (
                f"{not_designated} naming perpetrators none of whom is designated"
                in g["explanation"]
            )


def test_each_group_names_its_undesignated_perpetrators(real: Store) -> None:
    names = perpetrator_names()
    listed = designated_names(eu_rows())
    per_tactic: dict[str, set[str]] = defaultdict(set)
    total = [0, 0, 0]
    for inc in curated_incidents():
        if scope_of(inc) != "transnational":
            continue
        perps = links(inc, "PERPETRATED_BY")
        covered = any(n.casefold() in listed for p in perps for n in names[p])
        total[2 if covered else 1 if perps else 0] += 1
        for tactic in links(inc, "USED_TACTIC"):
            per_tactic[tactic] |= {
                p for p in perps if not any(n.casefold() in listed for n in names[p])
            }
    cov = gql(real, COVERAGE, by="TACTIC")["sanctionsCoverage"]
    shown = {
        g["key"]: {n for u in g["undesignated"] for n in names[u["label"]]}
        for g in cov["groups"]
        if g["incidents"]
    }
    assert {k: {n for p in v for n in names[p]} for k, v in per_tactic.items()} == shown
    assert any(shown.values())
    # The whole answer counts each incident once, whatever the grouping.
    for by in ("TACTIC", "ORIGIN", "PERPETRATOR"):
        whole = gql(real, COVERAGE, by=by)["sanctionsCoverage"]
        assert [
            whole["incidentsNoPerpetrator"],
            whole["incidentsNotDesignated"],
            whole["incidentsDesignated"],
        ] == total
        assert sum(total) == whole["incidents"]


# -- 2. designationsByOrigin ----------------------------------------------------------------
def hr_listings(programme: str) -> dict[str, dict[str, Any]]:
    """The listings of one programme in the EU file: id -> subject, names, citizenship."""
    out: dict[str, dict[str, Any]] = {}
    for r in eu_rows():
        prog = r["Programme"] if r["Programme"] != "NA" else r["Naal_programme"]
        if prog != programme:
            continue
        e = out.setdefault(
            eu_id(r), {"subject": r["Subject_type"], "names": set(), "citizenship": set()}
        )
        for col in ("Naal_wholename", "nameAlias.wholeName"):
            if na(r[col]):
                e["names"].add(" ".join(r[col].split()))
        if na(r["citizenship.countryDescription"]):
            e["citizenship"].add(EU_COUNTRIES[r["citizenship.countryDescription"]])
        assert na(r["Addr_country"]) == ""  # the merged file states no address country
    return out


def origin_incidents(scope: str = "transnational") -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for inc in curated_incidents():
        if scope in ("all", scope_of(inc)):
            for s in links(inc, "ORIGIN_STATE"):
                out[CURATED_STATES[s]].add(make_id("Incident", inc["ref"]))
    return out


def test_russia_has_human_rights_designations_none_for_its_incidents(real: Store) -> None:
    listings = hr_listings("HR")
    incidents = origin_incidents()
    assert set(incidents) == {"RU"}
    russians = {k for k, e in listings.items() if "RU" in e["citizenship"]}
    named = perpetrator_names()
    perps = {p for inc in curated_incidents() for p in links(inc, "PERPETRATED_BY")}
    linked = {
        k
        for k, e in listings.items()
        for p in perps
        if {n.casefold() for n in e["names"]} & {n.casefold() for n in named[p]}
    }
    assert russians and not linked
    answer = gql(real, BY_ORIGIN, Role.ANALYST, regime="EU/HR")["designationsByOrigin"]
    public = gql(real, BY_ORIGIN, regime="EU/HR")["designationsByOrigin"]
    assert len(public["states"][0]["incidentIds"]) == len(incidents["RU"])  # some anonymous
    assert answer["regime"] == {
        "authority": "EU",
        "code": "HR",
        "name": "EU Global Human Rights Sanctions Regime",
    }
    assert answer["scope"] == "transnational"
    (ru,) = answer["states"]
    assert ru["key"] == "RU" and set(ru["incidentIds"]) == incidents["RU"]
    assert {d["reference"] for d in ru["designations"]} == russians
    assert all(d["ties"] == ["citizen"] and not d["linked"] for d in ru["designations"])
    assert (ru["designated"], ru["linked"], ru["notLinked"]) == (len(russians), 0, len(russians))
    assert ru["status"] == "DESIGNATED_NOT_LINKED" and answer["notLinked"] == ["RU"]
    assert answer["nobodyDesignated"] == [] and ru["incidentsLinked"] == 0
    no_perp = sum(
        1
        for inc in curated_incidents()
        if scope_of(inc) == "transnational" and not links(inc, "PERPETRATED_BY")
    )
    assert ru["incidentsNoPerpetrator"] == no_perp
    # What it left out is counted: every listing is shown, tied elsewhere, or tied nowhere.
    eritrea = {k for k, e in listings.items() if any(n.endswith("of Eritrea") for n in e["names"])}
    elsewhere = {k for k, e in listings.items() if e["citizenship"] - {"RU"}} | eritrea
    nowhere = set(listings) - russians - elsewhere
    assert answer["listings"] == len(listings) == 22
    assert answer["otherStates"] == len(elsewhere) and answer["unattributed"] == len(nowhere)
    refs = {
        r["id"]: r["p"]["reference"]
        for r in real.read("MATCH (l:SanctionListing) RETURN l.id AS id, properties(l) AS p")
    }
    assert {refs[i] for i in answer["unattributedIds"]} == nowhere
    others = Counter(scope_of(inc) for inc in curated_incidents())
    assert answer["leftOut"] == [
        {"scope": s, "incidents": others[s]} for s in ("domestic", "unknown") if others[s]
    ]
    assert answer["incidents"] == others["transnational"]


def test_the_regime_is_an_argument_from_the_data(real: Store) -> None:
    listings = hr_listings("CYB")
    russians = {k for k, e in listings.items() if "RU" in e["citizenship"]}
    organs = {
        k
        for k, e in listings.items()
        if e["subject"] == "E" and any("of the Russian Federation" in n for n in e["names"])
    }
    assert russians and organs
    answer = gql(real, BY_ORIGIN, regime="eu/cyb")["designationsByOrigin"]
    assert answer["regime"]["code"] == "CYB"
    (ru,) = answer["states"]
    ties = {d["reference"]: d["ties"] for d in ru["designations"]}
    assert ties == {**{k: ["citizen"] for k in russians}, **{k: ["organ"] for k in organs}}
    assert ru["status"] == "DESIGNATED_NOT_LINKED"
    # By name too; and a regime the data does not have is refused with the ones it has.
    by_name = gql(real, BY_ORIGIN, regime="EU Global Human Rights Sanctions Regime")
    assert by_name["designationsByOrigin"]["regime"]["code"] == "HR"
    message = gql_error(real, BY_ORIGIN, regime="EU/XYZ")
    assert "no sanctions regime" in message and "EU/HR" in message and "EU/CYB" in message


def test_every_scope_and_the_incidents_without_an_origin(real: Store) -> None:
    every = gql(real, BY_ORIGIN, Role.ANALYST, regime="EU/HR", scope="ALL")["designationsByOrigin"]
    no_origin = [inc for inc in curated_incidents() if not links(inc, "ORIGIN_STATE")]
    assert every["withoutOrigin"] == len(no_origin) > 0 and every["leftOut"] == []
    assert {s["key"]: set(s["incidentIds"]) for s in every["states"]} == dict(
        origin_incidents("all")
    )
