"""A small, realistic graph the queries are asked of: its records and the ids of its nodes."""

from __future__ import annotations

from typing import Any

from graph.records import Edge, Node, Provenance, source_node

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
