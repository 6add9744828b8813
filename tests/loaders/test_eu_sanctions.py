"""The EU sanctions loader on the real merged file, on an FSF 1.1 fixture, and into a store.

The FSF 1.1 header below is the EU "Consolidated Financial Sanctions File 1.1" header as listed
(in this order) by a public Rails model `SanctionList.fieldnames` found with the code search
(query "Entity_Regulation_Programme"); other public parsers of the file agree on the names and
on the `;` separator. The rows are this project's, with values taken from the merged file.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from graph.records import Edge, Node, Provenance, Rejected
from graph.store import Store
from graph.writer import Writer
from loaders import eu_sanctions
from loaders.common import state_node
from loaders.countries import country
from loaders.eu_layouts import is_latin
from tests.shared import shared_file

MERGED = "eu_sanctions_merged_dataset_20220913.csv"

FSF_HEADER = (
    "fileGenerationDate Entity_LogicalId Entity_EU_ReferenceNumber Entity_UnitedNationId "
    "Entity_DesignationDate Entity_DesignationDetails Entity_Remark Entity_SubjectType "
    "Entity_SubjectType_ClassificationCode Entity_Regulation_Type "
    "Entity_Regulation_OrganisationType Entity_Regulation_PublicationDate "
    "Entity_Regulation_EntryIntoForceDate Entity_Regulation_NumberTitle "
    "Entity_Regulation_Programme Entity_Regulation_PublicationUrl NameAlias_LastName "
    "NameAlias_FirstName NameAlias_MiddleName NameAlias_WholeName NameAlias_NameLanguage "
    "NameAlias_Gender NameAlias_Title NameAlias_Function NameAlias_LogicalId "
    "NameAlias_RegulationLanguage NameAlias_Remark BirthDate_BirthDate BirthDate_Day "
    "BirthDate_Month BirthDate_Year BirthDate_LogicalId Citizenship_Region "
    "Citizenship_CountryIso2Code Citizenship_CountryDescription Citizenship_LogicalId"
).split()

HR_ACT = "2021/371 (OJ L71I)"
HR_URL = (
    "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=uriserv%3AOJ.LI.2021.071.01.0001.01.ENG"
)


def _fsf_row(**cells: str) -> list[str]:
    base = {
        "fileGenerationDate": "13/09/2022",
        "Entity_LogicalId": "127726",
        "Entity_EU_ReferenceNumber": "EU.6171.96",
        "Entity_Remark": "(Date of UN designation: 2021-03-02)",
        "Entity_SubjectType": "P",
        "Entity_SubjectType_ClassificationCode": "person",
        "Entity_Regulation_PublicationDate": "2021-03-02",
        "Entity_Regulation_NumberTitle": HR_ACT,
        "Entity_Regulation_Programme": "HR",
        "Entity_Regulation_PublicationUrl": HR_URL,
    }
    base.update(cells)
    return [base.get(h, "") for h in FSF_HEADER]


@pytest.fixture
def fsf_file(tmp_path: Path) -> Path:
    path = tmp_path / "20220913-FULL-1_1.csv"
    rows = [
        _fsf_row(NameAlias_WholeName="Александр Петрович КАЛАШНИКОВ", NameAlias_LogicalId="127729"),
        _fsf_row(
            NameAlias_WholeName="Alexandr Petrovich KALASHNIKOV", NameAlias_LogicalId="127730"
        ),
        _fsf_row(
            NameAlias_WholeName="Alexander Petrovich KALASHNIKOV",
            NameAlias_LogicalId="127731",
            NameAlias_Function="Director of the Russian Federal Penitentiary Service (FSIN)",
        ),
        _fsf_row(BirthDate_Year="1964", BirthDate_LogicalId="1"),
        _fsf_row(
            Citizenship_CountryIso2Code="RU", Citizenship_CountryDescription="RUSSIAN FEDERATION"
        ),
        _fsf_row(
            Entity_LogicalId="126873",
            Entity_EU_ReferenceNumber="EU.6290.63",
            Entity_SubjectType="E",
            Entity_SubjectType_ClassificationCode="enterprise",
            Entity_Regulation_Programme="BLR",
            NameAlias_WholeName="Белтехэкспорт",
            NameAlias_LogicalId="126875",
        ),
        _fsf_row(
            Entity_LogicalId="126873",
            Entity_SubjectType="E",
            Entity_Regulation_Programme="BLR",
            NameAlias_WholeName="Beltechexport",
            NameAlias_LogicalId="126876",
        ),
        _fsf_row(Entity_LogicalId="999", Entity_SubjectType="X", NameAlias_WholeName="Broken"),
        _fsf_row(Entity_LogicalId="127726", BirthDate_BirthDate="sometime"),
    ]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(FSF_HEADER)
        writer.writerows(rows)
    return path


def _merged_rows() -> list[dict[str, str]]:
    with shared_file(MERGED).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _nodes(records: list[Node | Edge | Rejected], type_name: str) -> list[Node]:
    return [r for r in records if isinstance(r, Node) and r.type == type_name]


@pytest.fixture(scope="module")
def merged_records() -> list[Node | Edge | Rejected]:
    return list(eu_sanctions.parse(shared_file(MERGED)))


def test_listings_match_independent_counts(merged_records: list[Node | Edge | Rejected]) -> None:
    rows = _merged_rows()
    entity_ids = {r["Entity_logical_id...2"] for r in rows} - {"NA"}
    # Travel-ban-only rows: a travel-ban id and a Council Decision that names the programme.
    travel_only = [
        r
        for r in rows
        if r["Entity_logical_id...2"] == "NA"
        and r["logicalId"] != "NA"
        and r["regulation.publicationUrl"] != "NA"
    ]
    assert len(entity_ids) == 3531
    listings = _nodes(merged_records, "SanctionListing")
    assert len({n.id for n in listings}) == len(listings) == len(entity_ids) + len(travel_only)
    hr_ids = {r["Entity_logical_id...2"] for r in rows if r["Programme"] == "HR"}
    hr = [n for n in listings if n.props["regime"] == "EU/HR"]
    assert len(hr) == len(hr_ids) == 22
    codes = {r["Programme"] for r in rows} - {"NA"}
    regimes = _nodes(merged_records, "SanctionRegime")
    assert {n.props["code"] for n in regimes} == codes
    names = {n.props["code"]: n.props["name"] for n in regimes}
    assert names["HR"] == "EU Global Human Rights Sanctions Regime"
    assert names["UNLI"] == "UNLI"  # an unknown code is still a regime, named by its code
    edges = [r for r in merged_records if isinstance(r, Edge)]
    assert sum(e.type == "DESIGNATES" for e in edges) == len(listings)
    assert sum(e.type == "UNDER_REGIME" for e in edges) == len(listings)


def test_measures_and_acts(merged_records: list[Node | Edge | Rejected]) -> None:
    rows = _merged_rows()
    both = sum(r["type"] == "both travel and financial sanction" for r in rows)
    listings = _nodes(merged_records, "SanctionListing")
    assert sum(n.props["measures"] == ["asset freeze", "travel ban"] for n in listings) == both
    kal = next(n for n in listings if n.props["reference"] == "127726")
    assert kal.props["legal_act"] == HR_ACT
    assert kal.props["listing_date"] == "2021-03-02"
    assert kal.props["legal_act_url"].startswith("https://eur-lex.europa.eu/")


def test_cross_script_aliases_on_one_person(merged_records: list[Node | Edge | Rejected]) -> None:
    people = _nodes(merged_records, "Person")
    kal = next(p for p in people if p.props["name"] == "Alexandr Petrovich KALASHNIKOV")
    assert "Александр Петрович КАЛАШНИКОВ" in kal.props["aliases"]
    assert kal.props["birth_date"] == "1964"
    assert kal.props["is_target"] is False
    assert kal.props["nationality"] == ["RU"]
    # Every person whose names mix scripts has a Latin primary name when one exists.
    mixed = [p for p in people if any(not is_latin(a) for a in p.props["aliases"])]
    assert len(mixed) > 100
    assert all(
        is_latin(p.props["name"]) for p in mixed if any(is_latin(a) for a in p.props["aliases"])
    )


def test_russian_federation_is_ru(merged_records: list[Node | Edge | Rejected]) -> None:
    rows = _merged_rows()
    ru_rows = sum(r["citizenship.countryDescription"] == "RUSSIAN FEDERATION" for r in rows)
    ru = state_node(country("RU"), Provenance("x")).id
    citizen = [r for r in merged_records if isinstance(r, Edge) and r.type == "CITIZEN_OF"]
    assert sum(e.target == ru for e in citizen) == ru_rows == 120
    assert {n.id for n in _nodes(merged_records, "State") if n.props["code"] == "RU"} == {ru}


def test_bad_rows_are_rejected_with_line_and_field(
    merged_records: list[Node | Edge | Rejected],
) -> None:
    rejects = [r for r in merged_records if isinstance(r, Rejected)]
    assert {(r.field, r.file) for r in rejects} == {
        ("Programme", MERGED),
        ("Entity_logical_id...2", MERGED),
    }
    assert all(r.location.startswith("line ") for r in rejects)


def test_mangled_merged_rows(tmp_path: Path) -> None:
    rows = _merged_rows()[:3]
    rows[1]["birthdate.year"] = "19x4"
    rows[2]["Subject_type"] = "Q"
    path = tmp_path / "merged.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    records = list(eu_sanctions.parse(path))
    rejects = {(r.location, r.field) for r in records if isinstance(r, Rejected)}
    assert rejects == {("line 3", "birthdate.year"), ("line 4", "Subject_type")}
    assert len(_nodes(records, "SanctionListing")) == 2


def test_unknown_header_is_one_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    records = list(eu_sanctions.parse(path))
    assert len(records) == 1 and isinstance(records[0], Rejected)


def test_fsf_layout_groups_rows_and_meets_the_merged_file(
    fsf_file: Path, merged_records: list[Node | Edge | Rejected]
) -> None:
    records = list(eu_sanctions.parse(fsf_file))
    people = _nodes(records, "Person")
    assert len(people) == 1
    person = people[0]
    assert person.props["name"] == "Alexandr Petrovich KALASHNIKOV"
    assert person.props["aliases"] == [
        "Александр Петрович КАЛАШНИКОВ",
        "Alexander Petrovich KALASHNIKOV",
    ]
    assert person.props["position"].startswith("Director of the Russian Federal Penitentiary")
    # Same list, other layout: the same Person, listing and regime ids.
    merged_ids = {n.id for n in merged_records if isinstance(n, Node)}
    assert person.id in merged_ids
    listing = next(n for n in _nodes(records, "SanctionListing") if n.props["regime"] == "EU/HR")
    assert listing.id in merged_ids
    assert listing.props["measures"] == ["asset freeze"]
    org = _nodes(records, "Organization")[0]
    assert org.props["name"] == "Beltechexport" and org.props["aliases"] == ["Белтехэкспорт"]
    rejects = {(r.field, r.location) for r in records if isinstance(r, Rejected)}
    assert rejects == {("Entity_SubjectType", "line 9"), ("BirthDate_BirthDate", "line 10")}


def test_load_counts_idempotence_and_russia(
    empty_store: Store, merged_records: list[Node | Edge | Rejected]
) -> None:
    started = time.perf_counter()
    summary = Writer(empty_store, origin=MERGED).write(merged_records)
    elapsed = time.perf_counter() - started
    print(f"EU merged file: {len(merged_records)} records written in {elapsed:.1f}s")
    listings = len(_nodes(merged_records, "SanctionListing"))
    people = len({n.id for n in _nodes(merged_records, "Person")})
    counts = empty_store.counts()
    assert counts["SanctionListing"] == listings
    assert counts["Person"] == people
    assert summary.counts["SanctionListing"].created == listings
    again = Writer(empty_store, origin=MERGED).write(merged_records)
    assert again.total("created") == 0
    after = empty_store.counts()
    assert after.pop("Load") - counts.pop("Load") <= 1  # a load that updated is recorded
    assert after == counts
    ru = state_node(country("RU"), Provenance("x")).id
    found = empty_store.read(
        "MATCH (p:Person)-[:CITIZEN_OF]->(s:State {code: 'RU'}) RETURN DISTINCT s.id AS id"
    )
    assert [r["id"] for r in found] == [ru]


def test_listed_state_organs_are_agencies_of_the_state_their_name_gives(
    merged_records: list[Node | Edge | Rejected],
) -> None:
    with shared_file(MERGED).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    hr_entities = {
        r["Entity_logical_id...2"].split(".")[0]: r["Naal_wholename"]
        for r in rows
        if r["Programme"] == "HR" and r["Subject_type"] == "E"
    }
    assert len(hr_entities) == 5
    agencies = {a.props["name"]: a for a in _nodes(merged_records, "Agency")}
    eritrea = agencies["National Security Agency of the Government of Eritrea"]
    assert eritrea.props["state_code"] == "ER"
    part_of = [e for e in merged_records if isinstance(e, Edge) and e.type == "PART_OF"]
    er = state_node(country("ER"), Provenance("x")).id
    assert any(e.source == eritrea.id and e.target == er for e in part_of)
    assert all(e.provenance.confidence == eu_sanctions.ORGAN_CONFIDENCE for e in part_of)
    designated = {
        e.target for e in merged_records if isinstance(e, Edge) and e.type == "DESIGNATES"
    }
    assert eritrea.id in designated
    # The other HR entities name no state in the file (Xinjiang PCC police, DPRK prosecutors,
    # Kaniyat militia, Wagner Group): they stay organisations, linked to no state.
    others = {k for k, n in hr_entities.items() if "Eritrea" not in n}
    assert len(others) == 4
    listings = {
        n.id
        for n in _nodes(merged_records, "SanctionListing")
        if n.props["regime"] == "EU/HR" and n.props["reference"] in others
    }
    types = {n.id: n.type for n in merged_records if isinstance(n, Node)}
    named = [
        types[e.target]
        for e in merged_records
        if isinstance(e, Edge) and e.type == "DESIGNATES" and e.source in listings
    ]
    assert sorted(named) == ["Organization"] * 4
    # Units of the Russian GRU listed under the cyber regime are agencies of Russia.
    ru = {a.props["name"] for a in agencies.values() if a.props["state_code"] == "RU"}
    assert ru and all("Russian Federation" in n for n in ru)
