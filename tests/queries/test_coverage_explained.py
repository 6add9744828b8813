"""Coverage that explains itself, on the curated data and the real EU file.

`sanctionsCoverage` says per group why it is or is not covered, with the incidents counted
three ways; `designationsByOrigin(regime:)` says per origin state who is designated under a
regime of the data and whether it is for the state's documented incidents; the EU loader
links an entity listing to the states its rows state. Every expected figure is computed
here from the YAML and the CSV with yaml/csv, by rules written out in this file.
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.graphql import build_schema
from api.graphql.context import Context
from graph.hidden import changed as visibility_changed
from graph.ids import make_id
from graph.records import Edge, Node, Provenance, source_node
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer
from loaders import curated, eu_sanctions
from tests.shared import shared_file

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
EU = "eu_sanctions_merged_dataset_20220913.csv"
SCHEMA = build_schema()

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


def gql(store: Store, query: str, role: Role = Role.PUBLIC, **variables: Any) -> dict[str, Any]:
    ctx = Context.create(store, store.schema)
    ctx.role = role
    result = asyncio.run(SCHEMA.execute(query, variable_values=variables, context_value=ctx))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def gql_error(store: Store, query: str, **variables: Any) -> str:
    ctx = Context.create(store, store.schema)
    result = asyncio.run(SCHEMA.execute(query, variable_values=variables, context_value=ctx))
    assert result.errors, result.data
    return result.errors[0].message


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
