"""Host countries, incidents per year and per period, and licences on the small graph."""

from __future__ import annotations

import pytest

from graph.store import Store
from queries.hosts import host_collaboration
from queries.licences import licences_to_tnr_states
from queries.trends import compare_periods, incidents_in_period, incidents_per_year


# -- host states -------------------------------------------------------------------------------
def test_hosts_ranks_kyrgyzstan_then_georgia(g: dict[str, str], store: Store) -> None:
    hosts = host_collaboration(store)
    assert [(h.code, h.incidents) for h in hosts] == [("KG", 3), ("GE", 1)]
    kg = hosts[0]
    assert kg.origins == ("RU", "TR")
    ru2 = next(i for i in kg.incident_list if i.id == g["ru2"])
    assert ru2.via == ("assisted-by", "tactic") and ru2.tactics == ("detention",)
    assert [a.id for a in ru2.assisted_by] == [g["kgpolice"]] and ru2.year == 2019
    assert ru2.sources[0].title == "Transnational repression report 2024"
    assert [h.code for h in host_collaboration(store, origin="TR")] == ["KG"]
    assert host_collaboration(store, host="MX") == []  # Mexico acting in Mexico is domestic


# -- trends ------------------------------------------------------------------------------------
def test_trends_per_year_with_stated_figures(g: dict[str, str], store: Store) -> None:
    trend = incidents_per_year(store, origin="RU")
    assert [(y.year, y.count) for y in trend.years] == [(2015, 1), (2019, 1), (2022, 1), (2023, 2)]
    assert trend.total == 5 and trend.undated == 0
    assert [s.ref for s in trend.statistics] == ["stat-ru"]
    assert trend.statistics[0].value == 40 and trend.statistics[0].about == ("origin:RU",)
    assert incidents_per_year(store, origin="ru", host="KG").total == 2
    assert incidents_per_year(store, tactic="detention").total == 2


def test_compare_periods_like_the_sources(g: dict[str, str], store: Store) -> None:
    cmp = compare_periods(store, (2014, 2021), (2022, 2024), origin="RU")
    assert (cmp.first.count, cmp.first.years) == (2, 8)
    assert (cmp.second.count, cmp.second.years) == (3, 3)
    assert cmp.first.per_year == pytest.approx(0.25) and cmp.second.per_year == pytest.approx(1.0)
    assert cmp.ratio == pytest.approx(4.0) and cmp.count_ratio == pytest.approx(1.5)
    assert cmp.change_percent == pytest.approx(300.0)
    assert cmp.statistics and cmp.sources
    period = incidents_in_period(store, 2017, 2018)
    assert period.count == 1 and [(c.scope, c.incidents) for c in period.left_out] == [
        ("domestic", 1)
    ]
    assert incidents_in_period(store, 2017, 2018, scope="all").count == 2
    with pytest.raises(ValueError):
        compare_periods(store, (2024, 2014), (2022, 2024))


# -- licences ----------------------------------------------------------------------------------
def test_licences_to_tnr_origins_and_spyware_operators(g: dict[str, str], store: Store) -> None:
    groups = licences_to_tnr_states(store)
    by = {grp.destination.id: grp for grp in groups}
    assert set(by) == {g["QA"], g["cisen"], g["BY"], g["RU"]}  # France is not a TNR origin
    assert by[g["cisen"]].reasons == (
        "origin-of-incidents",
        "origin-of-spyware-use",
        "spyware-operator",
    )
    assert by[g["BY"]].reasons == ("origin-in-statistic",) and by[g["BY"]].refused == 1
    assert by[g["QA"]].reasons == ("spyware-operator",)  # through its agency, the SSB
    assert by[g["QA"]].total_value == 100000.0 and by[g["QA"]].value_by_currency == {
        "GBP": 100000.0
    }
    assert groups[0].destination.id == g["QA"]
    assert by[g["QA"]].licences[0].exporter == "GB" and by[g["QA"]].licences[0].sources
    only_5a = licences_to_tnr_states(
        store, control_prefix="5a", decision="granted", min_value=50000
    )
    assert [grp.destination.id for grp in only_5a] == [g["QA"]]
    years = licences_to_tnr_states(store, year_from=2014, year_to=2017, exporter="GB")
    assert {grp.destination.id for grp in years} == {g["QA"], g["cisen"]}
    assert licences_to_tnr_states(store, exporter="DE") == []
