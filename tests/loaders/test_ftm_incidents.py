"""The FollowTheMoney loader and the incidents loader, on fixtures written here.

The FtM fixture copies the shape of OpenSanctions `entities.ftm.json` lines (id, schema,
properties as lists, datasets, first_seen ...); Sanction properties entity, authority,
authorityId, program, programId ("EU-HR"), startDate, listingDate, reason, sourceUrl,
provisions. The people are already public EU Global Human Rights designations (2021/371).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph.records import Edge, Node, Provenance, Rejected, source_node
from graph.store import Store
from graph.vocabulary import TACTIC_CODES
from graph.writer import Writer
from loaders import ftm, incidents
from loaders.common import state_node
from loaders.countries import country

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "incidents-example.csv"
HR_URL = (
    "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=uriserv%3AOJ.LI.2021.071.01.0001.01.ENG"
)


def _entity(ftm_id: str, schema: str, **props: list[Any]) -> dict[str, Any]:
    return {
        "id": ftm_id,
        "caption": (props.get("name") or [ftm_id])[0],
        "schema": schema,
        "properties": props,
        "referents": [],
        "datasets": ["eu_fsf"],
        "first_seen": "2021-03-02T00:00:00",
        "last_seen": "2022-09-13T00:00:00",
        "target": schema != "Sanction",
    }


FTM_LINES = [
    _entity(
        "NK-kal",
        "Person",
        name=["Alexandr Petrovich KALASHNIKOV", "Александр Петрович КАЛАШНИКОВ"],
        alias=["Alexander Petrovich KALASHNIKOV"],
        birthDate=["1964"],
        nationality=["ru"],
        position=["Director of the Russian Federal Penitentiary Service (FSIN)"],
        gender=["male"],
    ),
    _entity("NK-fsin", "PublicBody", name=["Federal Penitentiary Service"], country=["ru"]),
    _entity("NK-nocountry", "PublicBody", name=["Some Unplaced Body"]),
    _entity(
        "NK-co", "Company", name=["Beltechexport"], jurisdiction=["by"], alias=["Белтехэкспорт"]
    ),
    _entity("NK-old", "Person", name=["Soviet-era Official"], nationality=["suhh"]),
    _entity(
        "NK-sanc-kal",
        "Sanction",
        entity=["NK-kal"],
        authority=["European Union"],
        authorityId=["EU.6171.96"],
        program=["EU Global Human Rights Sanctions Regime"],
        programId=["EU-HR"],
        startDate=["2021-03-02"],
        listingDate=["2021-03-02"],
        reason=["Responsible for serious human rights violations"],
        sourceUrl=[HR_URL],
        provisions=["Asset freeze", "Travel ban"],
    ),
    _entity(
        "NK-sanc-ghost",
        "Sanction",
        entity=["NK-missing"],
        authority=["European Union"],
        programId=["EU-HR"],
    ),
    _entity("NK-addr", "Address", full=["Moscow"]),
]


@pytest.fixture
def ftm_file(tmp_path: Path) -> Path:
    path = tmp_path / "entities.ftm.json"
    lines = [json.dumps(x, ensure_ascii=False) for x in FTM_LINES]
    lines.insert(3, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _of(records: list[Node | Edge | Rejected], type_name: str) -> list[Node]:
    return [r for r in records if isinstance(r, Node) and r.type == type_name]


def test_ftm_mapping(ftm_file: Path) -> None:
    records = list(ftm.parse(ftm_file))
    person = next(p for p in _of(records, "Person") if p.props["birth_date"] == "1964")
    assert person.props["name"] == "Alexandr Petrovich KALASHNIKOV"
    assert set(person.props["aliases"]) == {
        "Александр Петрович КАЛАШНИКОВ",
        "Alexander Petrovich KALASHNIKOV",
    }
    assert person.props["nationality"] == ["RU"] and person.props["is_target"] is False
    agency = _of(records, "Agency")[0]
    assert agency.props == {
        "name": "Federal Penitentiary Service",
        "state_code": "RU",
        "aliases": [],
    }
    orgs = {o.props["name"]: o.props for o in _of(records, "Organization")}
    assert orgs["Beltechexport"]["kind"] == "company" and orgs["Beltechexport"]["country"] == "BY"
    assert orgs["Some Unplaced Body"]["kind"] == "public-body"
    regime = _of(records, "SanctionRegime")
    assert [(r.props["authority"], r.props["code"]) for r in regime] == [("EU", "HR")]
    listing = _of(records, "SanctionListing")
    assert len(listing) == 1
    assert listing[0].props["reference"] == "EU.6171.96"
    assert listing[0].props["measures"] == ["Asset freeze", "Travel ban"]
    assert listing[0].props["listing_date"] == "2021-03-02"
    edges = {(e.type, e.source, e.target) for e in records if isinstance(e, Edge)}
    ru = state_node(country("RU"), Provenance("x")).id
    assert ("DESIGNATES", listing[0].id, person.id) in edges
    assert ("UNDER_REGIME", listing[0].id, regime[0].id) in edges
    assert ("CITIZEN_OF", person.id, ru) in edges
    assert ("PART_OF", agency.id, ru) in edges
    rejects = {(r.location, r.field) for r in records if isinstance(r, Rejected)}
    assert rejects == {
        ("record 4", ""),  # not JSON
        ("record 6", "nationality"),  # "suhh" is no state
        ("record 8", "entity"),  # the sanction points to an entity not in the file
        ("", "schema"),  # the Address, skipped and counted
    }


def test_ftm_sanction_meets_the_eu_loader_regime(ftm_file: Path) -> None:
    regime = _of(list(ftm.parse(ftm_file)), "SanctionRegime")[0]
    assert (
        regime.id == Node("SanctionRegime", {"authority": "EU", "code": "HR"}, Provenance("x")).id
    )


def test_ftm_load_twice(ftm_file: Path, empty_store: Store) -> None:
    records = list(ftm.parse(ftm_file))
    Writer(empty_store, origin=ftm_file.name).write(records)
    counts = empty_store.counts()
    assert counts["Person"] == 2 and counts["SanctionListing"] == 1 and counts["DESIGNATES"] == 1
    assert Writer(empty_store).write(records).total("created") == 0
    assert empty_store.counts() == counts


# -- incidents ----------------------------------------------------------------------------------

GOOD = {
    "date": "2024",
    "origin_state": "Russia",
    "host_state": "Poland",
    "tactics": "unlawful-deportation",
    "target_profile": "exile",
    "outcome": "deported",
    "source_url": "http://cabt.team",
    "source_title": "CABT report",
    "verification": "reported",
}


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(incidents.FIELDS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_example_file_parses_cleanly() -> None:
    import csv

    with EXAMPLE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    records = list(incidents.parse(EXAMPLE))
    assert not [r for r in records if isinstance(r, Rejected)]
    assert len({n.id for n in _of(records, "Incident")}) == len(rows) == 3
    tactic_edges = [e for e in records if isinstance(e, Edge) and e.type == "USED_TACTIC"]
    assert len(tactic_edges) == sum(len(r["tactics"].split(";")) for r in rows)
    assert _of(records, "Agency")[0].props == {
        "name": "Federal Security Service (FSB)",
        "state_code": "RU",
    }


def test_incident_rejections_are_clear(tmp_path: Path) -> None:
    rows = [
        GOOD,
        {**GOOD, "tactics": "unlawful-deportation;teleportation"},
        {**GOOD, "host_state": "Atlantis"},
        {**GOOD, "date": "2024-13"},
        {**GOOD, "source_url": ""},
        {**GOOD, "verification": "rumoured"},
    ]
    records = list(incidents.parse(_csv(tmp_path / "cases.csv", rows)))
    rejects = [r for r in records if isinstance(r, Rejected)]
    assert [(r.location, r.field) for r in rejects] == [
        ("line 3", "tactics"),
        ("line 4", "host_state"),
        ("line 5", "date"),
        ("line 6", "source_url"),
        ("line 7", "verification"),
    ]
    assert "unknown tactic code 'teleportation'" in rejects[0].message
    assert "unknown country: 'Atlantis'" in rejects[1].message
    assert "source is mandatory" in rejects[3].message
    assert all(r.file == "cases.csv" for r in rejects)
    assert len(_of(records, "Incident")) == 2  # the good row, cited by its URL and by the file


def test_json_list_and_lines_and_target_privacy(tmp_path: Path) -> None:
    row = {
        **GOOD,
        "tactics": ["detention", "rendition"],
        "target_name": "A. Person",
        "perpetrator": "Federal Security Service (FSB)",
    }
    as_list = tmp_path / "cases.json"
    as_list.write_text(json.dumps([row, {**row, "origin_state": "Nowhere"}]), encoding="utf-8")
    as_lines = tmp_path / "cases.jsonl"
    as_lines.write_text(json.dumps(row) + "\n", encoding="utf-8")
    from_list = list(incidents.parse(as_list))
    from_lines = list(incidents.parse(as_lines))
    assert [(r.location, r.field) for r in from_list if isinstance(r, Rejected)] == [
        ("record 2", "origin_state")
    ]
    assert {n.id for n in _of(from_list, "Incident")} == {n.id for n in _of(from_lines, "Incident")}
    incident = _of(from_list, "Incident")[0]
    person = _of(from_list, "Person")[0]
    assert person.props["is_target"] is True
    for node in (r for r in from_list if isinstance(r, Node) and r.type != "Person"):
        assert "A. Person" not in json.dumps(node.props) and "A. Person" not in node.id
    assert "A. Person" not in incident.props["ref"]


def test_incidents_load(tmp_path: Path, empty_store: Store) -> None:
    # The typology's Tactic nodes come from the curated loader; here a minimal stand-in.
    typology = source_node("test:tactics", "Tactic stand-ins for this test")
    cite = Provenance(typology.id)
    tactics = [Node("Tactic", {"code": c, "name": c}, cite) for c in sorted(TACTIC_CODES)]
    Writer(empty_store).write([typology, *tactics])
    records = list(incidents.parse(EXAMPLE))
    summary = Writer(empty_store, origin=EXAMPLE.name).write(records)
    assert not summary.rejects
    counts = empty_store.counts()
    assert counts["Incident"] == 3 and counts["USED_TACTIC"] == 5 and counts["PERPETRATED_BY"] == 1
    ru = state_node(country("RU"), cite).id
    found = empty_store.read(
        "MATCH (:Incident)-[:ORIGIN_STATE]->(s:State) RETURN DISTINCT s.id AS id"
    )
    assert [r["id"] for r in found] == [ru]
    assert Writer(empty_store).write(records).total("created") == 0
    assert empty_store.counts() == counts


def test_incident_scope_comes_from_origin_and_host_columns(tmp_path: Path) -> None:
    rows = [
        GOOD,
        {**GOOD, "host_state": "Russia", "date": "2023"},
        {**GOOD, "host_state": "", "date": "2022"},
    ]
    records = list(incidents.parse(_csv(tmp_path / "cases.csv", rows)))
    got = sorted(
        (n.props["year"], n.props["scope"])
        for n in {n.id: n for n in _of(records, "Incident")}.values()
    )
    assert got == [(2022, "unknown"), (2023, "domestic"), (2024, "transnational")]
