"""The queries of queries/, asked of a small, realistic graph on the embedded engine (or Neo4j)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import Any

import pytest

from graph.records import Edge, Node, Provenance, source_node
from graph.store import Store
from graph.writer import Writer
from queries import QUERIES
from queries.coverage import sanctions_coverage
from queries.designations import designations_by_origin
from queries.hosts import host_collaboration
from queries.licences import licences_to_tnr_states
from queries.neighbourhood import neighbourhood
from queries.network import subgraph
from queries.paths import shortest_path
from queries.search import SearchIndex, search
from queries.trends import compare_periods, incidents_in_period, incidents_per_year
from queries.vendor_chains import vendor_chains

SRC = source_node(
    "https://example.org/tnr-report-2024",
    "Transnational repression report 2024",
    publisher="Example Watch",
    date="2024-02",
    url="https://example.org/tnr-report-2024",
)
SRC2 = source_node(
    "https://example.org/spyware-2018",
    "Spyware in Mexico",
    publisher="Lab",
    date="2018",
    url="https://example.org/spyware-2018",
)


def graph_records() -> tuple[list[Node | Edge], dict[str, str]]:
    """The records of the test graph and the ids by short name (no database needed)."""
    p1, p2 = Provenance(SRC.id, "p. 1"), Provenance(SRC2.id, "para 4")
    recs: list[Node | Edge] = [SRC, SRC2]
    ids: dict[str, str] = {}

    def node(key: str, type_: str, prov: Provenance = p1, **props: Any) -> str:
        n = Node(type_, props, prov)
        recs.append(n)
        ids[key] = n.id
        return n.id

    def edge(rel: str, a: str, b: str, prov: Provenance = p1, **props: Any) -> None:
        recs.append(Edge(rel, ids[a], ids[b], prov, props))

    for code, name in [
        ("GB", "United Kingdom"),
        ("DE", "Germany"),
        ("QA", "Qatar"),
        ("MX", "Mexico"),
        ("IL", "Israel"),
        ("RU", "Russia"),
        ("GE", "Georgia"),
        ("KG", "Kyrgyzstan"),
        ("TR", "Türkiye"),
        ("FR", "France"),
        ("BY", "Belarus"),
    ]:
        node(
            code,
            "State",
            code=code,
            name=name,
            aliases=["Russian Federation"] if code == "RU" else [],
        )
    node("gamma", "Vendor", name="Gamma Group", country="DE", aliases=["FinFisher"])
    node("nso", "Vendor", name="NSO Group", country="IL")
    node("finspy", "Product", name="FinSpy", vendor="Gamma Group", is_spyware=True)
    node("pegasus", "Product", name="Pegasus", vendor="NSO Group", is_spyware=True)
    edge("MAKES", "gamma", "finspy")
    edge("MAKES", "nso", "pegasus", p2)
    node(
        "ssb",
        "Agency",
        name="Qatar State Security Bureau",
        state_code="QA",
        kind="intelligence",
        aliases=["SSB"],
    )
    edge("PART_OF", "ssb", "QA")
    node("sale", "Sale", ref="sale-gamma-qatar", year=2012, customer_label="Qatar SSB")
    edge("SELLER", "sale", "gamma")
    edge("SOLD", "sale", "finspy")
    edge("BUYER", "sale", "ssb")
    edge("OPERATED_BY", "finspy", "ssb")
    node("cisen", "Agency", name="CISEN", state_code="MX", kind="intelligence")
    edge("PART_OF", "cisen", "MX", p2)
    edge("OPERATED_BY", "pegasus", "cisen", p2)
    node("fsb", "Agency", name="Federal Security Service", state_code="RU", aliases=["FSB", "ФСБ"])
    edge("PART_OF", "fsb", "RU")
    node(
        "mit", "Agency", name="National Intelligence Organization", state_code="TR", aliases=["MIT"]
    )
    edge("PART_OF", "mit", "TR")
    node("gssa", "Agency", name="State Security Service of Georgia", state_code="GE")
    edge("PART_OF", "gssa", "GE")
    node("kgpolice", "Agency", name="Kyrgyz Police", state_code="KG", kind="police")
    edge("PART_OF", "kgpolice", "KG")
    node(
        "official",
        "Person",
        name="БАСТРЫКИН Александр Иванович",
        birth_date="1953",
        roles=["official"],
        position="head",
    )
    edge("MEMBER_OF", "official", "fsb")
    node("journalist", "Person", name="Jane Reporter", is_target=True, roles=["journalist"])
    node("activist", "Person", name="Ivan Exile", is_target=True, roles=["activist"])
    node(
        "hr",
        "SanctionRegime",
        authority="EU",
        code="HR",
        name="EU Global Human Rights Sanctions Regime",
    )
    node(
        "listing",
        "SanctionListing",
        regime="EU/HR",
        reference="EU.123",
        party_name="BASTRYKIN",
        party_type="person",
        year=2021,
        listing_date="2021-03-02",
    )
    edge("DESIGNATES", "listing", "official")
    edge("UNDER_REGIME", "listing", "hr")
    for code, name in [
        ("spyware", "Spyware"),
        ("abduction", "Abduction"),
        ("detention", "Detention"),
        ("unlawful-deportation", "Unlawful deportation"),
        ("rendition", "Rendition"),
        ("threats-to-family", "Threats to family"),
    ]:
        node(code, "Tactic", code=code, name=name)
    incidents = [  # key, title, year, origin, host, tactics, perpetrator, assisted_by, target
        (
            "mx1",
            "Pegasus infection of a journalist",
            2017,
            "MX",
            "MX",
            ["spyware"],
            "cisen",
            None,
            "journalist",
        ),
        (
            "ru1",
            "Abduction of an exile in Tbilisi",
            2015,
            "RU",
            "GE",
            ["abduction"],
            "fsb",
            None,
            "activist",
        ),
        (
            "ru2",
            "Detention in Bishkek at Russia's request",
            2019,
            "RU",
            "KG",
            ["detention"],
            "fsb",
            "kgpolice",
            None,
        ),
        (
            "ru3",
            "Deportation from Georgia",
            2022,
            "RU",
            "GE",
            ["unlawful-deportation"],
            "fsb",
            "gssa",
            "activist",
        ),
        ("ru4", "Detention in Kyrgyzstan 2023", 2023, "RU", "KG", ["detention"], None, None, None),
        (
            "ru5",
            "Threats to the family of an exile",
            2023,
            "RU",
            "GE",
            ["threats-to-family"],
            "fsb",
            None,
            None,
        ),
        ("tr1", "Rendition from Kyrgyzstan", 2018, "TR", "KG", ["rendition"], "mit", "KG", None),
    ]
    for key, title, year, origin, host, tactics, perp, assisted, target in incidents:
        prov = p2 if key == "mx1" else p1
        node(key, "Incident", prov, ref=key, title=title, year=year, date=f"{year}-05")
        edge("ORIGIN_STATE", key, origin, prov)
        edge("HOST_STATE", key, host, prov)
        for t in tactics:
            edge("USED_TACTIC", key, t, prov)
        if perp:
            edge("PERPETRATED_BY", key, perp, prov)
        if assisted:
            edge("ASSISTED_BY", key, assisted, prov, action="detained")
        if target:
            edge("TARGETED", key, target, prov)
    edge("USED_PRODUCT", "mx1", "pegasus", p2)
    node(
        "stat",
        "Statistic",
        ref="stat-ru",
        measure="incidents of TNR by Russia",
        value=40,
        qualifier="at-least",
        period_start="2014",
        period_end="2024",
    )
    edge("ABOUT", "stat", "RU", role="origin")
    node(
        "stat_by",
        "Statistic",
        ref="stat-by",
        measure="incidents of TNR by Belarus",
        value=12,
        period_start="2020",
        period_end="2023",
    )
    edge("ABOUT", "stat_by", "BY", role="origin")
    licences = [  # key, ref, code, year, decision, value, dest
        ("lic_qa", "GB-1", "5A001j", 2016, "granted", 100000.0, "QA"),
        ("lic_mx", "GB-2", "5D001", 2017, "granted", 50000.0, "cisen"),
        ("lic_by", "GB-3", "5A001f", 2021, "refused", 20000.0, "BY"),
        ("lic_fr", "GB-4", "5A001j", 2018, "granted", 999999.0, "FR"),
        ("lic_ru", "GB-5", "ML11", 2013, "granted", 7000.0, "RU"),
    ]
    for key, ref, code, year, decision, value, dest in licences:
        node(
            key,
            "ExportLicence",
            ref=ref,
            control_code=code,
            year=year,
            decision=decision,
            value=value,
            currency="GBP",
        )
        edge("LICENSED_BY", key, "GB")
        edge("DESTINATION", key, dest)
    edge("COVERS", "lic_qa", "finspy")
    return recs, ids


@pytest.fixture
def g(store: Store) -> dict[str, str]:
    """The test graph in the session store (written once, rewritten if a test emptied it)."""
    recs, ids = graph_records()
    expected = sum(1 for r in recs if isinstance(r, Node))
    if store.node_count() != expected:
        store.wipe()
        summary = Writer(store).write(recs)
        assert summary.total("rejected") == 0, [str(r) for r in summary.rejects]
    return ids


# -- vendor chains ----------------------------------------------------------------------------
def test_gamma_finspy_sale_reaches_qatar_ssb_with_sources(g: dict[str, str], store: Store) -> None:
    chains = vendor_chains(store, vendor="FinFisher")  # an alias of Gamma Group
    links = {(c.link, c.customer.id) for c in chains}
    assert links == {("sale", g["ssb"]), ("export-licence", g["QA"]), ("deployment", g["ssb"])}
    sale = next(c for c in chains if c.link == "sale")
    assert sale.vendor.label == "Gamma Group" and sale.product.label == "FinSpy"
    assert sale.state is not None and sale.state.id == g["QA"]
    assert sale.year == 2012 and sale.via is not None and sale.via.type == "Sale"
    assert [h.relation for h in sale.hops] == ["MAKES", "SELLER", "SOLD", "BUYER", "PART_OF"]
    assert all(h.sources and h.sources[0].title for h in sale.hops)
    assert sale.sources[0].publisher == "Example Watch"
    assert sale.incidents == ()  # Qatar has no documented incident here


def test_nso_pegasus_chains_reach_mexican_incident_targets_as_ids(
    g: dict[str, str], store: Store
) -> None:
    chains = vendor_chains(store, product=g["pegasus"])
    assert {c.link for c in chains} == {"deployment", "documented-use"}
    deploy = next(c for c in chains if c.link == "deployment")
    assert deploy.customer.id == g["cisen"] and deploy.state is not None
    assert deploy.state.id == g["MX"]
    assert deploy.incident_count == 1 and deploy.target_count == 1
    inc = deploy.incidents[0]
    assert inc.id == g["mx1"] and inc.used_product and inc.year == 2017
    assert set(inc.links) == {"ORIGIN_STATE", "PERPETRATED_BY"}
    assert inc.target_ids == (g["journalist"],)
    assert {s.title for s in inc.sources} == {"Spyware in Mexico"}
    assert deploy.years == (2017,)
    use = next(c for c in chains if c.link == "documented-use")
    assert use.customer.id == g["MX"] and use.via is not None and use.via.id == g["mx1"]
    assert asdict(use)["customer"]["label"] == "Mexico"


def test_vendor_chains_unknown_vendor_is_empty(g: dict[str, str], store: Store) -> None:
    assert vendor_chains(store, vendor="No Such Vendor") == []
    assert len(vendor_chains(store)) == 5


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


# -- network -----------------------------------------------------------------------------------
def test_neighbourhood_depth_types_and_limits(g: dict[str, str], store: Store) -> None:
    one = neighbourhood(store, g["fsb"], depth=1)
    ids = {n.id for n in one.nodes}
    assert g["RU"] in ids and g["official"] in ids and g["ru1"] in ids and g["GE"] not in ids
    assert all(e.id.startswith("rel_") for e in one.edges)
    part_of = next(e for e in one.edges if e.type == "PART_OF")
    assert (part_of.source, part_of.target) == (g["fsb"], g["RU"])
    two = neighbourhood(store, g["fsb"], depth=2)
    assert g["GE"] in {n.id for n in two.nodes}
    only = neighbourhood(store, g["fsb"], depth=2, types=["Incident", "Tactic"])
    assert {n.type for n in only.nodes} == {"Agency", "Incident", "Tactic"}
    dated = neighbourhood(store, g["fsb"], depth=1, start=2022, end=2024)
    assert {n.id for n in dated.nodes if n.type == "Incident"} == {g["ru3"], g["ru5"]}
    small = neighbourhood(store, g["RU"], depth=2, limit=3)
    assert len(small.nodes) == 3 and small.truncated
    with pytest.raises(ValueError, match="depth must be between 1 and 3"):
        neighbourhood(store, g["fsb"], depth=4)
    cy = one.to_cytoscape()
    assert {"id", "type", "label"} <= set(cy["nodes"][0]["data"])
    assert {"source", "target"} <= set(cy["edges"][0]["data"])


def test_shortest_path_and_subgraph(g: dict[str, str], store: Store) -> None:
    path = shortest_path(store, g["RU"], g["official"])
    assert path.found and path.length == 2
    assert [n.id for n in path.graph.nodes] == [g["RU"], g["fsb"], g["official"]]
    assert [e.type for e in path.graph.edges] == ["PART_OF", "MEMBER_OF"]
    assert not shortest_path(store, g["gamma"], g["official"], max_length=3).found
    with pytest.raises(ValueError, match="max_length"):
        shortest_path(store, g["RU"], g["official"], max_length=7)
    sub = subgraph(store, [g["gamma"], g["finspy"], g["sale"], g["nso"]])
    assert [n.label for n in sub.nodes] == [
        "Gamma Group",
        "FinSpy",
        "sale-gamma-qatar",
        "NSO Group",
    ]
    assert {e.type for e in sub.edges} == {"MAKES", "SOLD", "SELLER"}


# -- search ------------------------------------------------------------------------------------
def test_search_is_fuzzy_and_cross_script(g: dict[str, str], store: Store) -> None:
    index = SearchIndex(store).refresh()
    hits = {h.id: h for h in index.search("Bastrykin")}
    assert hits[g["official"]].matched.startswith("БАСТРЫКИН") and hits[g["official"]].score >= 90
    assert hits[g["listing"]].matched == "BASTRYKIN"  # the sanctions list's own spelling
    assert index.search("Pegasus")[0].id == g["pegasus"]
    assert index.search("Gama Grup")[0].id == g["gamma"]  # misspelt
    fsb = index.search("ФСБ", types=["Agency"])
    assert fsb[0].id == g["fsb"] and fsb[0].matched == "ФСБ"
    assert index.search("Russian Federation")[0].id == g["RU"]
    assert search(store, "Kyrgyzstan", types=["State"], refresh=True)[0].id == g["KG"]
    assert index.search("zzzzqqq") == []


def test_registry_and_empty_store(empty_store: Store) -> None:
    assert set(QUERIES) >= {
        "vendor-chains",
        "coverage",
        "hosts",
        "trends",
        "licences",
        "neighbourhood",
        "shortest-path",
        "subgraph",
        "search",
    }
    assert vendor_chains(empty_store) == []
    assert sanctions_coverage(empty_store).groups == ()
    assert host_collaboration(empty_store) == []
    assert incidents_per_year(empty_store).total == 0
    assert licences_to_tnr_states(empty_store) == []
    assert SearchIndex(empty_store).refresh().search("anything") == []
    with pytest.raises(ValueError):
        neighbourhood(empty_store, "not-an-id")


def test_cli_prints_a_table_and_json(
    g: dict[str, str], store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.query import emit, out

    out.width = 250
    cov = sanctions_coverage(store, "origin")
    emit("coverage", cov, as_json=False)
    table = capsys.readouterr().out
    assert "Russia" in table and "HR" in table
    emit("search", search(store, "Pegasus", refresh=True), as_json=True)
    assert '"type": "Product"' in capsys.readouterr().out


def test_short_codes_match_only_as_whole_words() -> None:
    from graph.vocabulary import fold
    from queries.search import _Data, _Entry

    names = [
        "Dobrokhotov",
        "KH",
        "Gamma",
        "AM",
        "NGA",
        "FSB",
        "FSB of Russia",
        "Bastrykin Aleksandr Ivanovich",
        "RU",
    ]
    data = _Data.build([_Entry(f"n{i}", "Agency", n, n) for i, n in enumerate(names)])

    def score(query: str, name: str) -> float:
        return data.score(fold(query), 0.0).get(names.index(name), 0.0)

    assert score("dobrokhotov", "KH") == 0.0  # Cambodia's code inside a surname
    assert score("kh", "Dobrokhotov") == 0.0
    assert score("gamma", "AM") == 0.0 and score("gamma", "NGA") == 0.0
    assert score("fsb", "FSB") == 100.0 and score("ru", "RU") == 100.0
    assert score("fsb", "FSB of Russia") >= 90.0
    assert score("bastrykin", "Bastrykin Aleksandr Ivanovich") >= 90.0
