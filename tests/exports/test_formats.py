"""Standard exports: STIX 2.1, FollowTheMoney, GraphML and CSV, for each role.

The graph is the bundled curated dataset, the Pegasus victims file (targets at risk) and a
few trade records the curated data lacks (a licence, a sale, a sanctions listing, an
indicator), all written through the shared writer.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from followthemoney import model
from stix2validator import ValidationOptions, validate_string
from typer.testing import CliRunner

from cli.main import app
from exports import ftm as ftm_export
from exports import stix as stix_export
from exports.tabular import write_csv, write_graphml
from exports.view import ExportView, export_view, whole_graph
from graph.hidden import Hidden
from graph.records import Edge, Node, Provenance, Record, source_node
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role, View
from graph.writer import Writer
from loaders import ftm as ftm_loader
from loaders import registry
from loaders import stix as stix_loader
from queries.network import subgraph
from tests.shared import shared_file

CREATED = "2024-01-01T00:00:00.000Z"


def trade_records() -> list[Record]:
    """What the curated data lacks: a licence, a sale, a listing, an indicator, a DPI product."""
    src = source_node(
        "seed:exports-test",
        "Export test records",
        publisher="tnr-graph tests",
        url="https://example.org/exports-test",
    )
    p = Provenance(src.id, "test row 1")
    gb = Node("State", {"code": "GB", "name": "United Kingdom"}, p)
    bh = Node("State", {"code": "BH", "name": "Bahrain"}, p)
    agency = Node(
        "Agency",
        {
            "name": "National Security Agency of Bahrain",
            "state_code": "BH",
            "kind": "intelligence",
            "aliases": ["NSA Bahrain"],
        },
        p,
    )
    vendor = Node(
        "Vendor",
        {"name": "Test Interception Ltd", "country": "GB", "url": "https://interception.example"},
        p,
    )
    lonely = Node("Vendor", {"name": "Lonely Vendor GmbH", "country": "DE"}, p)
    de = Node("State", {"code": "DE", "name": "Germany"}, p)
    dpi = Node(
        "Product",
        {
            "name": "TestDPI",
            "vendor": "Test Interception Ltd",
            "category": "dpi",
            "is_spyware": False,
        },
        p,
    )
    licence = Node(
        "ExportLicence",
        {
            "ref": "GB-2015-001",
            "control_code": "5A001",
            "decision": "granted",
            "value": 125000.0,
            "currency": "GBP",
            "year": 2015,
        },
        p,
    )
    sale = Node("Sale", {"ref": "sale-test-1", "customer_label": "Bahrain NSA", "year": 2016}, p)
    regime = Node(
        "SanctionRegime",
        {"authority": "EU", "code": "HR", "name": "EU Global Human Rights Sanctions Regime"},
        p,
    )
    listing = Node(
        "SanctionListing",
        {
            "regime": "EU/HR",
            "reference": "EU.TEST.1",
            "listing_date": "2021-03-22",
            "year": 2021,
            "measures": ["asset freeze"],
            "reason": "test reason",
        },
        p,
    )
    official = Node(
        "Person",
        {
            "name": "Test Official",
            "birth_date": "1960-05-01",
            "nationality": ["BH"],
            "position": "director",
        },
        p,
    )
    indicator = Node(
        "Indicator",
        {
            "pattern": "[domain-name:value = 'test-c2.example']",
            "pattern_type": "stix",
            "kind": "domain-name",
            "value": "test-c2.example",
            "valid_from": "2021-07-18",
            "stix_id": "indicator--2a5a5b2e-9c8e-4e5f-8d7c-0b1a2c3d4e5f",
        },
        p,
    )
    pegasus = Node("Product", {"name": "Pegasus", "vendor": "NSO Group"}, p)
    nodes = [
        gb,
        bh,
        de,
        agency,
        vendor,
        lonely,
        dpi,
        licence,
        sale,
        regime,
        listing,
        official,
        indicator,
        pegasus,
    ]
    edges = [
        Edge("PART_OF", agency.id, bh.id, p),
        Edge("BASED_IN", vendor.id, gb.id, p),
        Edge("BASED_IN", lonely.id, de.id, p),
        Edge("MAKES", vendor.id, dpi.id, p),
        Edge("LICENSED_BY", licence.id, gb.id, p),
        Edge("EXPORTER", licence.id, vendor.id, p),
        Edge("DESTINATION", licence.id, bh.id, p),
        Edge("COVERS", licence.id, dpi.id, p),
        Edge("SELLER", sale.id, vendor.id, p),
        Edge("BUYER", sale.id, agency.id, p),
        Edge("SOLD", sale.id, dpi.id, p),
        Edge("UNDER_REGIME", listing.id, regime.id, p),
        Edge("DESIGNATES", listing.id, agency.id, p),
        Edge("DESIGNATES", listing.id, official.id, p),
        Edge("CITIZEN_OF", official.id, bh.id, p),
        Edge("MEMBER_OF", official.id, agency.id, p),
        Edge("INDICATES", indicator.id, pegasus.id, p),
    ]
    return [src, *nodes, *edges]


@pytest.fixture(scope="module")
def loaded(store: Store) -> Iterator[Store]:
    """The session store holding curated + Pegasus + trade records (for this module only)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TNR_REDACTION_KEY", "exports-test-key")
        store.bind_ogm()
        store.wipe()
        writer = Writer(store)
        writer.write(registry()["curated"].parse(Path("data/curated")))
        writer.write(registry()["spyware-victims"].parse(shared_file("data-pegasus-victims.csv")))
        summary = writer.write(trade_records())
        assert summary.total("rejected") == 0, summary.rejects
        yield store
        store.wipe()


@pytest.fixture(scope="module")
def views(loaded: Store) -> dict[Role, ExportView]:
    return {role: export_view(loaded, None, role) for role in (Role.PUBLIC, Role.ANALYST)}


@pytest.fixture(scope="module")
def redacted_people(loaded: Store) -> list[dict[str, Any]]:
    redacted = Hidden.load(loaded).redacted
    return [n.properties for n in whole_graph(loaded, View(Role.ADMIN)).nodes if n.id in redacted]


def stix_errors(bundle: dict[str, Any]) -> list[str]:
    results = validate_string(json.dumps(bundle), ValidationOptions(version="2.1"))
    errors = [str(e) for e in results.errors]
    assert results.is_valid or errors
    return errors


def incident_ids(store: Store, n: int) -> list[str]:
    rows = store.read(
        "MATCH (i:Incident)-[:TARGETED]->(p:Person) MATCH (i)-[r]->(m) "
        "RETURN DISTINCT i.id AS i, m.id AS m ORDER BY i, m LIMIT $n",
        n=n,
    )
    return list(dict.fromkeys([r["i"] for r in rows] + [r["m"] for r in rows]))


# -- STIX ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.PUBLIC, Role.ANALYST])
def test_whole_graph_bundle_passes_the_oasis_validator(
    views: dict[Role, ExportView], role: Role
) -> None:
    bundle = stix_export.bundle(views[role], CREATED)
    assert stix_errors(bundle) == []
    types = {o["type"] for o in bundle["objects"]}
    assert {
        "location",
        "identity",
        "threat-actor",
        "malware",
        "tool",
        "attack-pattern",
        "report",
        "indicator",
        "relationship",
        "x-tnr-export-licence",
        "x-tnr-sale",
        "x-tnr-sanction-listing",
    } <= types
    malware = [o for o in bundle["objects"] if o["type"] == "malware"]
    assert all(o["malware_types"] == ["spyware"] and o["is_family"] for o in malware)
    custom = [o for o in bundle["objects"] if o["type"].startswith("x-tnr-")]
    assert all(
        k.startswith("x_")
        for o in custom
        for k in o
        if k
        not in (
            "type",
            "id",
            "spec_version",
            "created",
            "modified",
            "external_references",
            "confidence",
        )
    )


def test_a_subgraph_bundle_passes_too_and_ids_are_stable(loaded: Store) -> None:
    ids = incident_ids(loaded, 30)
    view = export_view(loaded, ids, Role.PUBLIC)
    first, again = stix_export.bundle(view, CREATED), stix_export.bundle(view, CREATED)
    assert stix_errors(first) == []
    assert first == again  # deterministic: uuid5 ids, sorted objects
    reports = [o for o in first["objects"] if o["type"] == "report"]
    assert reports and all(o["object_refs"] for o in reports)
    ids_in_bundle = {o["id"] for o in first["objects"]}
    assert all(ref in ids_in_bundle for o in reports for ref in o["object_refs"])


def _by_type(records: list[Record]) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in records:
        if isinstance(r, Node):
            out[r.type][r.id] = r.props
    return out


def _keys(props: dict[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(sorted(v) if isinstance(v := props.get(n), list) else v for n in names)


def test_stix_round_trip(views: dict[Role, ExportView], tmp_path: Path) -> None:
    view = views[Role.ANALYST]
    path = stix_export.write(view, tmp_path / "bundle.json", CREATED)
    back = _by_type(list(stix_loader.parse(path)))
    exported = defaultdict(dict)
    for n in view.nodes:
        exported[n.type][n.id] = n.properties
    checks = {
        "Product": ("name", "vendor", "category"),
        "Vendor": ("name",),
        "Organization": ("name", "description"),
        "Indicator": ("pattern", "pattern_type", "kind", "value", "stix_id", "valid_from"),
    }
    for type_name, names in checks.items():
        assert set(back[type_name]) == set(exported[type_name]), type_name
        for node_id, props in exported[type_name].items():
            assert _keys(back[type_name][node_id], names) == _keys(props, names), (type_name, props)
    for node_id, props in exported["Product"].items():  # aliases: the importer adds none
        assert set(back["Product"][node_id].get("aliases") or []) >= set(props.get("aliases") or [])
    # nothing of another type (a State's or an agency's identity) is read as an Organization
    assert set(back) <= {*checks, "Source"}


# -- FollowTheMoney -----------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.PUBLIC, Role.ANALYST])
def test_ftm_entities_are_valid(views: dict[Role, ExportView], role: Role) -> None:
    lines = list(ftm_export.lines(views[role]))
    schemata = {json.loads(line)["schema"] for line in lines}
    assert {
        "Person",
        "Organization",
        "Company",
        "PublicBody",
        "Sanction",
        "Event",
        "Document",
    } <= schemata
    for line in lines:
        data = json.loads(line)
        proxy = model.get_proxy(data, cleaned=False)  # FtM cleans every value again
        assert proxy.to_dict()["properties"] == data["properties"], line
        assert all(proxy.get(p) for p in proxy.schema.required), line
        for values in data["properties"].values():
            assert values


def test_ftm_round_trip(views: dict[Role, ExportView], tmp_path: Path) -> None:
    view = views[Role.ANALYST]
    path = ftm_export.write(view, tmp_path / "entities.ftm.json")
    records = list(ftm_loader.parse(path))
    back = _by_type(records)
    exported = defaultdict(dict)
    for n in view.nodes:
        exported[n.type][n.id] = n.properties
    checks = {
        "Person": ("name", "birth_date", "nationality", "aliases", "position"),
        "Organization": ("name", "country", "url", "aliases"),
        "Vendor": ("name", "country", "url"),
        "Agency": ("name", "state_code", "aliases"),
        "SanctionListing": ("regime", "reference", "listing_date", "year", "measures", "reason"),
        "SanctionRegime": ("authority", "code", "name"),
    }
    for type_name, names in checks.items():
        assert set(back[type_name]) == set(exported[type_name]), type_name
        for node_id, props in exported[type_name].items():
            # FtM cleans URLs ("http://x.team" -> "http://x.team/")
            got = {
                k: (v.rstrip("/") if k == "url" else v) or None
                for k, v in back[type_name][node_id].items()
            }
            want = {k: (v.rstrip("/") if k == "url" else v) or None for k, v in props.items()}
            assert _keys(got, names) == _keys(want, names), (type_name, props)
    states = {n.properties["code"] for n in view.nodes if n.type == "State"}
    assert {p["code"] for p in back["State"].values()} <= states
    edges = {(r.type, r.source, r.target) for r in records if isinstance(r, Edge)}
    covered = set(checks) | {"State"}
    ids = view.by_id()
    for e in view.edges:
        if (
            e.type in ("CITIZEN_OF", "BASED_IN", "PART_OF", "UNDER_REGIME", "DESIGNATES")
            and ids[e.source].type in covered
            and ids[e.target].type in covered
        ):
            assert (e.type, e.source, e.target) in edges, e


# -- GraphML and CSV ----------------------------------------------------------------------
def test_graphml_and_csv_have_the_subgraphs_nodes_and_edges(loaded: Store, tmp_path: Path) -> None:
    ids = incident_ids(loaded, 40)
    graph = subgraph(loaded, ids)
    view = export_view(loaded, ids, Role.ANALYST)
    read = nx.read_graphml(write_graphml(view, tmp_path / "g.graphml"))
    assert read.number_of_nodes() == len(graph.nodes) == len(view.nodes)
    assert read.number_of_edges() == len(graph.edges) == len(view.edges)
    some = view.nodes[0]
    assert read.nodes[some.id]["type"] == some.type and read.nodes[some.id]["label"] == some.label
    nodes_csv, edges_csv = write_csv(view, tmp_path / "csv")
    with nodes_csv.open(encoding="utf-8") as fh:
        node_rows = list(csv.DictReader(fh))
    with edges_csv.open(encoding="utf-8") as fh:
        edge_rows = list(csv.DictReader(fh))
    assert {r["id"] for r in node_rows} == {n.id for n in graph.nodes}
    assert {(r["type"], r["source"], r["target"]) for r in edge_rows} == {
        (e.type, e.source, e.target) for e in graph.edges
    }


# -- redaction ----------------------------------------------------------------------------
def _all_formats(view: ExportView, tmp_path: Path) -> str:
    out = tmp_path / view.role.name
    out.mkdir()
    stix_export.write(view, out / "b.json", CREATED)
    ftm_export.write(view, out / "e.json")
    write_graphml(view, out / "g.graphml")
    write_csv(view, out)
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()))


def test_public_exports_never_identify_a_target(
    views: dict[Role, ExportView], redacted_people: list[dict[str, Any]], tmp_path: Path
) -> None:
    assert len(redacted_people) > 100  # the Pegasus file's targets
    public = _all_formats(views[Role.PUBLIC], tmp_path)
    analyst = _all_formats(views[Role.ANALYST], tmp_path)
    names = {
        v
        for p in redacted_people
        for v in [p.get("name"), *(p.get("aliases") or [])]
        if isinstance(v, str) and len(v) >= 5
    }
    assert names
    assert [n for n in names if n in public] == []
    assert all(n in analyst for n in names)
    for p in redacted_people:
        assert p["id"] not in public  # hashes of names: only anonymous ids go out
        assert p["id"] in analyst
        if p.get("birth_date"):
            assert p["birth_date"] not in public
    withheld = views[Role.PUBLIC].withheld_sources
    assert withheld and not any(s in public for s in withheld)
    people = [n for n in views[Role.PUBLIC].nodes if n.type == "Person"]
    anonymous = [n for n in people if n.id.startswith("anon_")]
    assert len(anonymous) == len(redacted_people)
    for n in anonymous:
        assert not {"aliases", "birth_date", "affiliation", "description"} & set(n.properties)
        assert n.properties["name"].startswith("target")
        assert not n.properties["source_ids"] and not n.properties.get("citations")
    bundle = stix_export.bundle(views[Role.PUBLIC], CREATED)
    for o in bundle["objects"]:
        if o.get("x_tnr_type") == "Person" and str(o.get("x_tnr_id")).startswith("anon_"):
            assert o["identity_class"] == "individual" and o["name"].startswith("target")
            assert "external_references" not in o and "x_tnr_affiliation" not in o
    # the trade records' official is not at risk: named for everyone
    assert "Test Official" in public


def test_cli_exports_each_format(loaded: Store, test_settings: Settings, tmp_path: Path) -> None:
    env = {
        "TNR_DATA_DIR": str(test_settings.data_dir),
        "TNR_ENGINE_HEAP": test_settings.engine_heap,
        "TNR_REDACTION_KEY": "exports-test-key",
    }
    if test_settings.neo4j_uri:
        env.update(
            NEO4J_URI=test_settings.neo4j_uri,
            NEO4J_USER=test_settings.neo4j_user,
            NEO4J_PASSWORD=test_settings.neo4j_password,
        )
    ids = incident_ids(loaded, 10)
    runner = CliRunner()
    id_args = [a for i in ids for a in ("--ids", i)]
    for fmt, out in (
        ("stix", "b.json"),
        ("ftm", "e.json"),
        ("graphml", "g.graphml"),
        ("csv", "csv"),
    ):
        result = runner.invoke(app, ["export", fmt, *id_args, str(tmp_path / out)], env=env)
        assert result.exit_code == 0, result.output
    bundle = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert stix_errors(bundle) == []
    assert any(o["type"] == "report" for o in bundle["objects"])
    assert (tmp_path / "csv" / "nodes.csv").exists()
    result = runner.invoke(
        app, ["export", "csv", "--ids", "nonsense", str(tmp_path / "x")], env=env
    )
    assert result.exit_code == 1 and "not a node id" in result.output
    loaded.bind_ogm()
