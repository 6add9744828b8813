"""The bundled, cited dataset (data/curated/) and its loader, without and with a database."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from graph.records import Edge, Node, Rejected
from graph.store import Store
from graph.validate import validate_edge, validate_node
from graph.vocabulary import TACTIC_CODES
from graph.writer import Writer
from loaders import registry
from loaders.curated import parse

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"

TEN_ORIGIN_STATES = {"CN", "TR", "TJ", "RU", "EG", "KH", "TM", "UZ", "IR", "BY"}
FIFTEEN_DESTINATIONS = {
    "AM",
    "AT",
    "BG",
    "CY",
    "FR",
    "GE",
    "DE",
    "IT",
    "KZ",
    "KG",
    "MN",
    "PL",
    "RO",
    "RS",
    "ES",
}
POSITION_PAPER_STATES = {"CZ", "CY", "EE", "FI", "IE", "IT", "PL", "SE", "GB"}


class Dataset:
    """The parsed dataset: merged nodes by id, edges, and lookups by natural key."""

    def __init__(self, records: list[Node | Edge | Rejected]) -> None:
        self.records = records
        self.rejects = [r for r in records if isinstance(r, Rejected)]
        self.nodes: dict[str, Node] = {}
        for r in records:
            if isinstance(r, Node):
                self.nodes.setdefault(r.id, r)
        self.edges = [r for r in records if isinstance(r, Edge)]

    def of_type(self, type_name: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.type == type_name]

    def by(self, type_name: str, key: str, value: Any) -> Node:
        found = [n for n in self.of_type(type_name) if n.props.get(key) == value]
        assert len(found) == 1, f"{type_name} with {key}={value!r}: {len(found)} found"
        return found[0]

    def out(self, node: Node, rel: str) -> list[tuple[Node, dict[str, Any]]]:
        seen: dict[str, tuple[Node, dict[str, Any]]] = {}
        for e in self.edges:
            if e.source == node.id and e.type == rel:
                seen[e.target] = (self.nodes[e.target], e.props)
        return list(seen.values())

    def codes(self, node: Node, rel: str, **props: Any) -> set[str]:
        return {
            str(t.props.get("code"))
            for t, p in self.out(node, rel)
            if all(p.get(k) == v for k, v in props.items())
        }


@pytest.fixture(scope="module")
def data() -> Dataset:
    return Dataset(list(parse(CURATED)))


def test_the_loader_is_registered_as_curated() -> None:
    assert registry()["curated"].parse is parse


def test_the_bundled_dataset_parses_without_rejects_and_fits_the_schema(data: Dataset) -> None:
    assert data.rejects == []
    for r in data.records:
        if isinstance(r, Node):
            validate_node(r)
        elif isinstance(r, Edge):
            validate_edge(r)


def test_sources_come_first_then_nodes_then_edges(data: Dataset) -> None:
    kinds = [
        "source"
        if isinstance(r, Node) and r.type == "Source"
        else "node"
        if isinstance(r, Node)
        else "edge"
        for r in data.records
    ]
    assert kinds == sorted(kinds, key=["source", "node", "edge"].index)


def test_every_fact_cites_a_source_the_dataset_defines(data: Dataset) -> None:
    sources = {n.id for n in data.of_type("Source")}
    assert len(sources) >= 5
    refs = {n.props["ref"] for n in data.of_type("Source")}
    for seed in (
        "000_263ef0e587220b4e.txt",
        "001_35c7dbc5f51ec942.txt",
        "002_c33b13ce30022adc.txt",
        "003_f37227072253acbf.txt",
        "004_c6025d259952e3b7.txt",
    ):
        assert f"seed:{seed}" in refs
    for r in data.records:
        if isinstance(r, Node | Edge) and not (isinstance(r, Node) and r.type == "Source"):
            assert r.provenance.source_id in sources, r
            assert r.provenance.locator.strip(), r


def test_the_ten_origin_states_and_the_eighty_percent_figure(data: Dataset) -> None:
    share = data.by("Statistic", "ref", "ep-tnr-ten-origin-states-share")
    assert (share.props["value"], share.props["qualifier"]) == (80, "nearly")
    assert data.codes(share, "ABOUT", role="origin") == TEN_ORIGIN_STATES
    scope = data.by("Statistic", "ref", "ep-tnr-incidents-past-decade")
    assert (scope.props["value"], scope.props["qualifier"]) == (1200, "more-than")
    assert "103 countries" in scope.props["scope"]
    assert data.codes(scope, "ABOUT", role="origin") == TEN_ORIGIN_STATES
    assert data.by("Statistic", "ref", "ep-tnr-host-countries-past-decade").props["value"] == 103


def test_the_fifteen_destination_countries_of_the_russian_study(data: Dataset) -> None:
    stat = data.by("Statistic", "ref", "ru-tnr-destination-countries")
    assert data.codes(stat, "ABOUT", role="host") == FIFTEEN_DESTINATIONS
    assert data.codes(stat, "ABOUT", role="origin") == {"RU"}


@pytest.mark.parametrize(
    ("value", "qualifier", "start", "end", "host", "tactic"),
    [
        (29, "exact", "2014", "2021", None, None),
        (89, "exact", "2022", "2024", None, None),
        (43, "at-least", "2022", None, None, "denial-of-entry"),
        (23, "at-least", "2022", "2022", "GE", "denial-of-entry"),
        (10, "at-least", None, None, "AM", "detention"),
        (5, "at-least", "2022", "2025", "PL", None),
        (118, "exact", "2014", "2024", None, None),
        (521, "exact", "2021", "2021", None, None),
        (846, "exact", "2022", "2022", None, None),
    ],
)
def test_the_russian_study_counts_are_statistics_with_qualifier_and_period(
    data: Dataset,
    value: int,
    qualifier: str,
    start: str | None,
    end: str | None,
    host: str | None,
    tactic: str | None,
) -> None:
    found = [
        s
        for s in data.of_type("Statistic")
        if s.props["value"] == value and s.props.get("period_start") == start
    ]
    assert len(found) == 1, found
    stat = found[0]
    assert stat.props["qualifier"] == qualifier
    assert stat.props.get("period_end") == end
    about = data.out(stat, "ABOUT")
    roles = {(t.props.get("code"), p.get("role")) for t, p in about}
    assert ("RU", "origin") in roles or ("RU", "subject") in roles
    if host:
        assert (host, "host") in roles
    if tactic:
        assert (tactic, "tactic") in roles


@pytest.mark.parametrize(
    ("ref", "host", "tactics", "origin"),
    [
        ("ru-de-journalist-kidnap-plot", "DE", {"abduction"}, "RU"),
        ("ru-pl-2024-deportation", "PL", {"unlawful-deportation"}, "RU"),
        ("ru-es-2024-killing", "ES", {"assassination"}, "RU"),
        ("ru-kg-fsb-handover", "KG", {"rendition"}, "RU"),
        ("ru-am-attempted-deportation", "AM", {"detention", "unlawful-deportation"}, "RU"),
        ("ru-cz-journalist-threats", "CZ", {"digital-threats"}, "RU"),
        ("finspy-tr-civil-society", "TR", {"spyware"}, None),
        ("finspy-id-civil-society", "ID", {"spyware"}, None),
        ("finspy-ua-civil-society", "UA", {"spyware"}, None),
        ("finspy-ve-civil-society", "VE", {"spyware"}, None),
        ("ae-eu-surveillance-hrd", "AE", {"surveillance"}, None),
    ],
)
def test_the_incidents_have_their_host_state_tactics_and_origin(
    data: Dataset, ref: str, host: str, tactics: set[str], origin: str | None
) -> None:
    incident = data.by("Incident", "ref", ref)
    assert data.codes(incident, "HOST_STATE") == {host}
    assert tactics <= data.codes(incident, "USED_TACTIC")
    assert data.codes(incident, "ORIGIN_STATE") == ({origin} if origin else set())
    assert incident.props["verification"] in ("reported", "verified", "alleged")
    assert incident.props["target_profiles"]


def test_the_kyrgyz_handover_names_the_fsb_and_the_assisting_service(data: Dataset) -> None:
    incident = data.by("Incident", "ref", "ru-kg-fsb-handover")
    assisted = data.out(incident, "ASSISTED_BY")
    assert [(a.props["state_code"], p["action"]) for a, p in assisted] == [("KG", "handover")]
    [(fsb, _)] = data.out(incident, "PERPETRATED_BY")
    assert (
        fsb.type == "Agency" and fsb.props["state_code"] == "RU" and "FSB" in fsb.props["aliases"]
    )


def test_named_targets_are_person_nodes_with_country_only(data: Dataset) -> None:
    targets = [p for p in data.of_type("Person") if p.props.get("is_target")]
    assert len(targets) == 5
    for person in targets:
        assert person.props["roles"]
        assert len(person.props.get("residence_country", "XX")) == 2
    finspy = data.by("Incident", "ref", "finspy-tr-civil-society")
    [(product, _)] = data.out(finspy, "USED_PRODUCT")
    assert (product.props["name"], product.props["vendor"]) == ("FinSpy", "Gamma Group")


def test_no_target_name_appears_in_titles_refs_or_citations(data: Dataset) -> None:
    names = [p.props["name"] for p in data.of_type("Person") if p.props.get("is_target")]
    words = {w.casefold() for n in names for w in n.split() if len(w) > 3}
    assert words
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(words))) + r")\b")
    for node in data.nodes.values():
        if node.type == "Person":
            continue
        for key in ("ref", "title", "description", "measure", "scope", "name"):
            text = str(node.props.get(key, "")).casefold()
            assert not pattern.search(text), (node.type, key, text)
    for r in data.records:
        if isinstance(r, Node | Edge):
            locator = r.provenance.locator.casefold()
            assert not pattern.search(locator), locator


def test_the_typology_uses_the_vocabulary_codes_with_parents(data: Dataset) -> None:
    tactics = {t.props["code"]: t for t in data.of_type("Tactic")}
    assert set(tactics) == set(TACTIC_CODES)
    parents = {code: data.codes(t, "SUBTYPE_OF") for code, t in tactics.items()}
    assert parents["transnational-repression"] == set()
    for family in ("physical", "legal", "mobility", "coercion", "digital"):
        assert parents[family] == {"transnational-repression"}
    for code in (
        "assassination",
        "assault",
        "abduction",
        "detention",
        "unlawful-deportation",
        "rendition",
    ):
        assert parents[code] == {"physical"}
    assert parents["interpol-abuse"] == parents["extradition-request"] == {"legal"}
    assert parents["denial-of-entry"] == parents["denial-of-services"] == {"mobility"}
    assert parents["threats-to-family"] == parents["intimidation"] == {"coercion"}
    assert (
        parents["spyware"] == parents["surveillance"] == parents["digital-threats"] == {"digital"}
    )
    assert "border rejections" in tactics["denial-of-entry"].props["definition"]
    assert "banking" in tactics["denial-of-services"].props["definition"]


def test_the_policy_votes_and_the_nine_position_paper_states(data: Dataset) -> None:
    report = data.by("PolicyResponse", "ref", "ep-tnr-hrd-report")
    assert (
        report.props["votes_for"],
        report.props["votes_against"],
        report.props["abstentions"],
    ) == (512, 76, 52)
    assert any("sanctions" in r for r in report.props["recommendations"])
    inta = data.by("PolicyResponse", "ref", "inta-dual-use-vote")
    assert (inta.props["votes_for"], inta.props["votes_against"], inta.props["abstentions"]) == (
        34,
        1,
        2,
    )
    assert any("encryption" in r for r in inta.props["recommendations"])
    paper = data.by("PolicyResponse", "ref", "eu9-position-paper-surveillance-exports")
    assert data.codes(paper, "ADOPTED_BY", position="author") == POSITION_PAPER_STATES
    regime = data.by("SanctionRegime", "code", "HR")
    assert regime.props["authority"] == "EU" and "EU Magnitsky Act" in regime.props["aliases"]
    assert data.by("PolicyResponse", "ref", "eu-dual-use-regulation").props["year"] == 2009
    finland = data.by("Statistic", "ref", "fi-interception-export-licences")
    assert data.codes(finland, "ABOUT", role="exporter") == {"FI"}
    assert data.codes(finland, "ABOUT", role="destination") == {"AE", "MX"}


MANGLED = """
Source:
  - ref: "doc:test"
    title: A test document
Incident:
  - ref: no-citation
    title: An incident without a citation
  - ref: unknown-source
    title: An incident citing nothing known
    cite: {source: "doc:missing", passage: "p. 1"}
  - ref: unknown-state
    title: An incident in nowhere
    cite: {source: "doc:test", passage: "p. 2"}
    links: {HOST_STATE: Atlantis}
  - ref: unknown-tactic
    title: An incident with an invented tactic
    cite: {source: "doc:test", passage: "p. 3"}
    links: {USED_TACTIC: mind-control}
  - ref: bad-year
    title: An incident with a bad year
    year: last spring
    cite: {source: "doc:test", passage: "p. 4"}
  - ref: good
    title: A good incident
    cite: {source: "doc:test", passage: "p. 5"}
    links: {HOST_STATE: Türkiye}
Tactic:
  - code: telepathy
    name: Telepathy
    cite: {source: "doc:test", passage: "p. 6"}
"""


def test_mangled_entries_are_rejected_naming_file_entry_and_field(tmp_path: Path) -> None:
    path = tmp_path / "mangled.yaml"
    path.write_text(MANGLED, encoding="utf-8")
    records = list(parse(path))
    rejects = {(r.location, r.field) for r in records if isinstance(r, Rejected)}
    assert all(r.file == "mangled.yaml" for r in records if isinstance(r, Rejected))
    assert rejects == {
        ("Incident[0] (ref=no-citation)", "cite"),
        ("Incident[1] (ref=unknown-source)", "cite.source"),
        ("Incident[2] (ref=unknown-state)", "links.HOST_STATE"),
        ("Incident[3] (ref=unknown-tactic)", "links.USED_TACTIC"),
        ("Incident[4] (ref=bad-year)", "year"),
        ("Tactic[0] (code=telepathy)", "code"),
    }
    messages = " ".join(str(r) for r in records if isinstance(r, Rejected))
    assert "unknown tactic code 'mind-control'" in messages
    edges = [r for r in records if isinstance(r, Edge)]
    assert [(e.type, e.target.split("_")[0]) for e in edges] == [("HOST_STATE", "state")]
    loaded = {r.props.get("ref") for r in records if isinstance(r, Node) and r.type == "Incident"}
    # A bad link rejects the link, not the entry.
    assert loaded == {"unknown-state", "unknown-tactic", "good"}


def test_broken_yaml_is_one_reject_not_an_exception(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("Incident: [\n  - ref: x\n", encoding="utf-8")
    [reject] = list(parse(path))
    assert isinstance(reject, Rejected) and reject.file == "broken.yaml"


def test_loading_twice_changes_nothing_and_russia_is_one_state(empty_store: Store) -> None:
    first = Writer(empty_store, origin="data/curated").write(parse(CURATED))
    assert first.rejects == []
    assert first.total("created") > 0
    second = Writer(empty_store, origin="data/curated").write(parse(CURATED))
    assert second.rejects == []
    assert second.total("created") == 0
    assert second.total("updated") == 0
    assert second.total("unchanged") > 0
    rows = empty_store.read("MATCH (s:State) WHERE s.code = 'RU' RETURN count(s) AS n")
    assert rows[0]["n"] == 1
    counts: dict[str, int] = defaultdict(int)
    for row in empty_store.read("MATCH (s:Source) RETURN s.ref AS ref"):
        counts[row["ref"]] += 1
    assert all(n == 1 for n in counts.values()) and len(counts) >= 5


def test_every_incident_has_the_scope_its_own_links_give(data: Dataset) -> None:
    """Computed from the YAML itself: the host state (else the targets' residence) against the
    origin state. The seed cases of Russian TNR (seed 001) happened abroad; the FinSpy cases
    (seed 004) name no operator, so their scope is unknown, never assumed."""
    import yaml

    from loaders.countries import resolve_country

    def codes(value: Any) -> set[str]:
        items = value if isinstance(value, list) else [value] if value is not None else []
        keys = [i["to"] if isinstance(i, dict) else i for i in items]
        return {c.code for k in keys if (c := resolve_country(str(k)))}

    people: dict[str, str] = {}
    entries: list[dict[str, Any]] = []
    for path in sorted(CURATED.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries += doc.get("Incident") or []
        for p in doc.get("Person") or []:
            if p.get("residence_country"):
                people[p["name"]] = resolve_country(p["residence_country"]).code  # type: ignore[union-attr]
    expected: dict[str, str] = {}
    for e in entries:
        links = e.get("links") or {}
        origins, hosts = codes(links.get("ORIGIN_STATE")), codes(links.get("HOST_STATE"))
        targeted = links.get("TARGETED")
        names = [
            t["to"] if isinstance(t, dict) else t
            for t in (targeted if isinstance(targeted, list) else [targeted] if targeted else [])
        ]
        places = hosts or {people[n] for n in names if n in people}
        expected[e["ref"]] = (
            "unknown"
            if not origins or not places
            else "transnational"
            if places - origins
            else "domestic"
        )
    got = {n.props["ref"]: n.props.get("scope") for n in data.of_type("Incident")}
    assert got == expected
    assert sum(1 for s in got.values() if s == "transnational") == 6
    no_origin = {e["ref"] for e in entries if not (e.get("links") or {}).get("ORIGIN_STATE")}
    assert {r for r, s in got.items() if s == "unknown"} == no_origin
    assert {r for r in no_origin if r.startswith("finspy-")} == {
        "finspy-tr-civil-society",
        "finspy-id-civil-society",
        "finspy-ua-civil-society",
        "finspy-ve-civil-society",
    }
