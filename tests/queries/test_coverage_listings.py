"""EU entity listings linked to the states their rows state, and what the public sees of them.

The EU loader links an entity listing to the states its rows state (none in the real file,
so fixtures state some); the coverage fields show a hidden designated person to the public
only as an anonymous ref."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from graph.hidden import changed as visibility_changed
from graph.ids import make_id
from graph.records import Edge, Node, Provenance, source_node
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer
from loaders import curated, eu_sanctions
from tests.gql import gql
from tests.queries.coverage_data import (
    BY_ORIGIN,
    COVERAGE_DESIGNATIONS,
    CURATED,
    EU,
    eu_id,
    eu_rows,
    na,
)
from tests.shared import shared_file


# -- 3. entity listings linked to the states their rows state ------------------------------
def test_the_real_file_states_no_country_for_an_entity_and_none_is_linked() -> None:
    rows = eu_rows()
    stated = {
        (eu_id(r), na(v))
        for r in rows
        if r["Subject_type"] == "E"
        for v in (r["Addr_country"], r["citizenship.countryDescription"])
        if na(v)
    }
    records = list(eu_sanctions.parse(shared_file(EU)))
    based = [e for e in records if isinstance(e, Edge) and e.type == "BASED_IN"]
    assert len(based) == len(stated) == 0


def _with_country(
    rows: list[dict[str, str]], ref: str, column: str, value: str
) -> list[dict[str, str]]:
    return [{**r, column: value} if eu_id(r) == ref else r for r in rows]


def test_a_merged_file_stating_an_entitys_country_links_it(
    tmp_path: Path, empty_store: Store
) -> None:
    """A file of the merged layout, not in shared/: the real HR rows, with the Wagner Group's
    address country filled in (this fixture's statement, not the EU's)."""
    rows = [r for r in eu_rows() if r["Programme"] == "HR"]
    wagner = next(eu_id(r) for r in rows if "Vagner" in r["Naal_wholename"])
    rows = _with_country(rows, wagner, "Addr_country", "RUSSIAN FEDERATION")
    path = tmp_path / "merged_with_addresses.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    records = list(eu_sanctions.parse(path))
    with path.open(encoding="utf-8", newline="") as fh:  # the physical line the row starts on
        reader = csv.reader(fh)
        next(reader)
        start, line = reader.line_num + 1, 0
        for row in reader:
            if any("Vagner" in cell for cell in row):
                line = start
            start = reader.line_num + 1
    based = [e for e in records if isinstance(e, Edge) and e.type == "BASED_IN"]
    assert [(e.target, e.provenance.locator) for e in based] == [
        (make_id("State", "RU"), f"line {line} (Addr_country)")
    ]
    # Loaded with the curated data, the Wagner Group is one of Russia's HR designations.
    for parsed in (curated.parse(CURATED), records):
        Writer(empty_store).write(list(parsed))
    (ru,) = gql(empty_store, BY_ORIGIN, Role.ANALYST, regime="EU/HR")["designationsByOrigin"][
        "states"
    ]
    ties = {d["reference"]: d["ties"] for d in ru["designations"]}
    assert ties[wagner] == ["based-in"]


def test_an_fsf_file_links_entities_to_their_address_and_citizenship_states(tmp_path: Path) -> None:
    """A file of the FSF 1.1 layout (the EU's own CSV, `;`), with address columns."""
    header = [
        "Entity_LogicalId",
        "Entity_SubjectType",
        "Entity_Regulation_Programme",
        "Entity_Regulation_PublicationDate",
        "NameAlias_WholeName",
        "NameAlias_LogicalId",
        "Address_CountryIso2Code",
        "Address_CountryDescription",
        "Citizenship_CountryIso2Code",
        "Citizenship_CountryDescription",
    ]
    rows = [
        ["126873", "E", "BLR", "2021-06-24", "Beltechexport", "126876", "", "", "", ""],
        ["126873", "E", "BLR", "2021-06-24", "", "", "BY", "BELARUS", "", ""],
        [
            "200001",
            "E",
            "SYR",
            "2011-12-01",
            "Syrian Company for Oil Transport",
            "200002",
            "",
            "SYRIAN ARAB REPUBLIC",
            "",
            "",
        ],
        ["200003", "E", "SYR", "2011-12-01", "Cham Security Holding", "200004", "", "", "", ""],
        ["200003", "E", "SYR", "2011-12-01", "", "", "00", "UNKNOWN", "", ""],
        ["200005", "E", "LBY", "2021-03-22", "Kaniyat militia", "200006", "", "", "LY", "LIBYA"],
        ["127726", "P", "HR", "2021-03-02", "Alexander KALASHNIKOV", "127731", "RU", "", "", ""],
    ]
    path = tmp_path / "20220913-FULL-1_1.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    records = list(eu_sanctions.parse(path))
    names = {n.id: n.props.get("name") for n in records if isinstance(n, Node)}
    types = {n.id: n.type for n in records if isinstance(n, Node)}
    based = {
        (names[e.source], e.target, e.provenance.locator)
        for e in records
        if isinstance(e, Edge) and e.type == "BASED_IN"
    }
    assert based == {
        ("Beltechexport", make_id("State", "BY"), "line 3 (Address_CountryIso2Code)"),
        (
            "Syrian Company for Oil Transport",
            make_id("State", "SY"),
            "line 4 (Address_CountryDescription)",
        ),
        ("Kaniyat militia", make_id("State", "LY"), "line 7 (Citizenship_CountryIso2Code)"),
    }
    # "Security" in a company's name makes no state organ, and no country is read into it.
    assert types[make_id("Organization", "Cham Security Holding")] == "Organization"
    # A person's address is not where a person is "based": no edge from it.
    assert not any(
        isinstance(e, Edge)
        and types.get(e.source) == "Person"
        and e.type != "CITIZEN_OF"
        and e.type != "DESIGNATES"
        for e in records
    )


# -- 4. the public learns no hidden person through the new fields ---------------------------
@pytest.fixture
def hidden(empty_store: Store) -> Store:
    """The curated data and the real HR rows, plus a person at risk who is also a designated
    party and the perpetrator of a Russian incident (an editor marked her protected)."""
    for parsed in (curated.parse(CURATED), eu_sanctions.parse(shared_file(EU))):
        Writer(empty_store).write(list(parsed))
    src = source_node(
        "https://ngo.example.org/report-7", "Report 7", url="https://ngo.example.org/report-7"
    )
    prov = Provenance(src.id, "p. 3")
    person = Node(
        "Person",
        {
            "name": "Varvara Zhemchuzhnikova",
            "aliases": ["Варвара Жемчужникова"],
            "nationality": ["RU"],
            "protected": True,
        },
        prov,
    )
    regime = make_id("SanctionRegime", "EU", "HR")
    listing = Node(
        "SanctionListing",
        {"regime": "EU/HR", "reference": "fixture-991", "party_name": "Varvara Zhemchuzhnikova"},
        prov,
    )
    incident = make_id("Incident", "ru-kg-fsb-handover")
    Writer(empty_store).write(
        [
            src,
            person,
            listing,
            Edge("UNDER_REGIME", listing.id, regime, prov),
            Edge("DESIGNATES", listing.id, person.id, prov),
            Edge("CITIZEN_OF", person.id, make_id("State", "RU"), prov),
            Edge("PERPETRATED_BY", incident, person.id, prov),
        ]
    )
    visibility_changed(empty_store)
    return empty_store


def test_public_sees_a_hidden_designated_perpetrator_only_as_an_anonymous_ref(
    hidden: Store,
) -> None:
    person = make_id("Person", "Varvara Zhemchuzhnikova", None)
    analyst = gql(hidden, BY_ORIGIN, Role.ANALYST, regime="EU/HR")["designationsByOrigin"]
    public = gql(hidden, BY_ORIGIN, regime="EU/HR")["designationsByOrigin"]
    coverage = [
        gql(hidden, COVERAGE_DESIGNATIONS, by=by)["sanctionsCoverage"]
        for by in ("TACTIC", "ORIGIN", "PERPETRATOR")
    ]
    listing = make_id("SanctionListing", "EU/HR", "fixture-991")
    (a_ru,) = analyst["states"]
    mine = [d for d in a_ru["designations"] if d["party"]["id"] == person]
    assert len(mine) == 1 and mine[0]["linked"] and mine[0]["ties"] == ["citizen"]
    blob = json.dumps([public, coverage], ensure_ascii=False)
    for secret in (
        "Zhemchuzhnikova",
        "Varvara",
        "Жемчужникова",
        "ZHEMCHUZHNIKOVA",
        "fixture-991",
        person,
        listing,
    ):
        assert secret.casefold() not in blob.casefold()
    # The same counts and statuses as the analyst's (no more, no fewer), the party anonymous.
    (p_ru,) = public["states"]
    for key in (
        "status",
        "incidents",
        "designated",
        "linked",
        "notLinked",
        "incidentsLinked",
        "incidentsNoPerpetrator",
    ):
        assert p_ru[key] == a_ru[key]
    anon = [d for d in p_ru["designations"] if d["party"]["id"].startswith("anon_")]
    assert len(anon) == 1 and anon[0]["reference"] is None and anon[0]["linked"]
    assert anon[0]["partyName"] is None and anon[0]["listingId"].startswith("anon_")
    # Last, whatever her name: the order of the published names does not place her.
    assert p_ru["designations"][-1] == anon[0]
    assert [d["party"]["id"] for d in p_ru["designations"][:-1]] == [
        d["party"]["id"] for d in a_ru["designations"] if d["party"]["id"] != person
    ]
    # sanctionsCoverage: her undesignated-or-not status shows only through anonymous refs.
    for cov in coverage:
        for g in cov["groups"]:
            assert all(u["id"] != person for u in g["undesignated"])


EVERY_ROUTE = """query($listing: ID!, $ru: ID!, $regime: ID!) {
  sanctionListings(last: 5) {
    totalCount edges { node { id label reference partyName listingDate } } }
  node(id: $listing) { id ... on SanctionListing { label reference } }
  ru: neighbourhood(id: $ru, depth: 2, limit: 2000) { nodes { id label properties } }
  regime: neighbourhood(id: $regime, depth: 1, limit: 2000) { nodes { id label properties } }
  search(text: "fixture-991") { id label }
}"""


def test_a_hidden_persons_listing_is_shown_to_the_public_only_anonymously(hidden: Store) -> None:
    """The listing that designates a person at risk carries the authority's reference, which
    names her in the published list: the public sees it on no route (the list of listings,
    the node, networks around her state and the regime, search), the analyst does."""
    listing = make_id("SanctionListing", "EU/HR", "fixture-991")
    ids = {
        "listing": listing,
        "ru": make_id("State", "RU"),
        "regime": make_id("SanctionRegime", "EU", "HR"),
    }
    public = gql(hidden, EVERY_ROUTE, **ids)
    blob = json.dumps(public, ensure_ascii=False)
    for secret in ("fixture-991", listing, "Zhemchuzhnikova"):
        assert secret not in blob, secret
    assert public["node"] is None
    anonymous = [
        e["node"]
        for e in public["sanctionListings"]["edges"]
        if e["node"]["id"].startswith("anon_")
    ]
    assert len(anonymous) == 1  # last in the order, as anonymous rows are
    assert anonymous[0]["reference"] == anonymous[0]["label"]  # the label made for the public
    assert not anonymous[0]["partyName"]
    analyst = gql(hidden, EVERY_ROUTE, Role.ANALYST, **ids)
    assert analyst["node"]["reference"] == "fixture-991"
    assert public["sanctionListings"]["totalCount"] == analyst["sanctionListings"]["totalCount"]
