"""Per-type knowledge lives in graph/schema.yaml: no table around the code repeats it.

Two proofs: no Python module of the API, the exporters, the briefings or the graph layer
names a node type in a string literal (but for a short allow-list, each with its reason),
and a type added to a copy of the schema (`Campaign`, tied to incidents and to the people
it targeted) reaches the GraphQL schema, both exporters, the explorer's colours, the
briefings' words and the visibility rule without a line of code changed.
"""

from __future__ import annotations

import ast
import copy
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from followthemoney import model
from starlette.applications import Starlette
from starlette.testclient import TestClient
from stix2validator import ValidationOptions, validate_string

from api.explore import explore_routes
from api.graphql import build_schema
from api.graphql.types import lower_camel, plural, relation_field
from briefings.model import left_out_text
from exports import ftm as ftm_export
from exports import stix as stix_export
from exports.view import ExportView
from graph.hidden import Hidden, stamp_cypher
from graph.schema import SCHEMA_PATH, Schema, SchemaError, load_schema, parse_schema
from graph.store import Store
from graph.visibility import Role, View
from queries.network import Graph, GraphEdge, GraphNode

ROOT = Path(__file__).resolve().parents[2]
#: What is scanned: not loaders/ and queries/ (they read and write the types by name); cli/
#: is the command line when it is a package of its own (api/*_cli.py here).
SCANNED = ("api", "cli", "exports", "briefings", "graph")

#: Modules that may name node types, and why. Everything else asks the schema.
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "graph/schema.py": (
        frozenset(
            {
                "Source",
                "MergeDecision",
                "AuditRecord",
                "DeletedNode",
                "Load",
                "Watch",
                "Notification",
            }
        ),
        "the constants naming the types the machinery is built on",
    ),
    "graph/compare.py": (
        frozenset({"Person", "Vendor"}),
        "comparators for personal names (particles, one-token names, birth "
        "dates) and the vendor alias vocabulary, as nomenklatura's test "
        "schema.is_a('Person')",
    ),
    "graph/matching.py": (
        frozenset({"Person", "Vendor"}),
        "the resolver's tuning for personal names (a stricter threshold, "
        "patronymics) and for vendors (alias vocabulary, no quick score)",
    ),
    "briefings/subject.py": (
        frozenset({"State", "Vendor", "Tactic"}),
        "the briefings' editorial story: the kinds of briefing (state, host, "
        "vendor, tactic) and the type each is about",
    ),
    "briefings/network.py": (
        frozenset(load_schema().nodes),
        "the briefings' editorial story: what the network figure draws first "
        "and at most, and how a sale reads",
    ),
    "briefings/sections.py": (
        frozenset({"PolicyResponse"}),
        "the briefings' editorial story: how a policy response reads in the timeline",
    ),
    "briefings/vendor.py": (
        frozenset({"Person"}),
        "the briefings' editorial story: a vendor's figure draws no people",
    ),
    "briefings/chains.py": (
        frozenset({"Vendor", "Product"}),
        "the column headings of the table of supply chains",
    ),
}


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, nodes) and node.body and isinstance(node.body[0], ast.Expr):
            value = node.body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out.add(id(value))
    return out


def type_literals(path: Path, names: frozenset[str]) -> list[tuple[int, str]]:
    """(line, name) of every string constant of `path` equal to a node-type name (docstrings
    are not constants of interest)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = _docstrings(tree)
    return sorted(
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.value in names
        and id(n) not in skip
    )


def test_no_module_names_a_node_type_outside_the_schema() -> None:
    names = frozenset(load_schema().nodes)
    found: list[str] = []
    used: set[str] = set()
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            allowed = ALLOWED.get(rel, (frozenset(), ""))[0]
            for line, name in type_literals(path, names):
                if name in allowed:
                    used.add(rel)
                else:
                    found.append(f"{rel}:{line}: {name!r}")
    assert not found, (
        "node-type names as string literals: read the schema's keys instead (matchable, "
        "editable, colour, caption, network, stix, ftm, visibility), or a graph.schema "
        "constant for a machinery type:\n" + "\n".join(found)
    )
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"allow-list entries no longer needed: {stale}"


def test_the_scan_sees_literals_and_skips_docstrings(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        '"""About Person."""\n\ndef f(t):\n    """Vendor."""\n'
        '    return t == "Person" or t in ("Vendor", "person")\n'
    )
    assert type_literals(module, frozenset({"Person", "Vendor"})) == [(5, "Person"), (5, "Vendor")]


# -- the keys are checked -----------------------------------------------------------------------
def _raw() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("where", "change", "message"),
    [
        ("Person", {"colour": "red"}, r"Person\.colour: expected \"#rrggbb\", got 'red'"),
        ("Person", {"colour": "#12345"}, r"Person\.colour"),
        ("Vendor", {"matchabel": True}, r"Vendor: unknown key 'matchabel'"),
        ("Vendor", {"editable": "yes"}, r"Vendor\.editable: expected true or false"),
        (
            "Tactic",
            {"stix": {"type": "attack-pattern", "standrd": ["name"]}},
            r"Tactic\.stix: unknown key 'standrd'",
        ),
        (
            "Tactic",
            {"stix": {"type": "attack-pattern", "standard": ["nom"]}},
            r"Tactic\.stix: \['nom'\] are not declared properties",
        ),
        (
            "Agency",
            {"ftm": {"schema": "PublicBody", "properties": {"name": "title"}}},
            r"Agency\.ftm\.properties: \['title'\] are not declared properties",
        ),
        ("Agency", {"ftm": {"properties": {"name": "@label"}}}, r"Agency\.ftm: give either"),
        ("Agency", {"caption": ["agency", "agencies", "more"]}, r"Agency\.caption"),
    ],
)
def test_a_bad_key_is_an_error_naming_the_type_and_the_key(
    where: str, change: dict[str, Any], message: str
) -> None:
    raw = _raw()
    raw["node_types"][where].update(change)
    with pytest.raises(SchemaError, match=message):
        parse_schema(raw)


def test_a_bad_relation_key_is_an_error_naming_the_relation() -> None:
    raw = _raw()
    raw["relation_types"]["MAKES"]["stix"] = {"type": "authored-by", "reverse": True}
    with pytest.raises(SchemaError, match=r"relation MAKES\.stix: unknown key 'reverse'"):
        parse_schema(raw)
    raw = _raw()
    raw["relation_types"]["MAKES"]["colour"] = "#000000"
    with pytest.raises(SchemaError, match=r"relation MAKES: unknown key 'colour'"):
        parse_schema(raw)


def test_every_ftm_mapping_names_real_ftm_schemata_and_properties() -> None:
    schema = load_schema()
    for nt in schema.nodes.values():
        if nt.ftm is None or not nt.ftm.schema:
            continue
        ftm_schema = model.get(nt.ftm.schema)
        assert ftm_schema is not None, nt.name
        assert not [p for p in nt.ftm.properties if ftm_schema.get(p) is None], nt.name
    for rt in schema.relations.values():
        if rt.ftm is not None and rt.ftm.edge:
            edge = model.get(rt.ftm.edge)
            assert edge is not None, rt.name
            assert edge.get(rt.ftm.source) and edge.get(rt.ftm.target), rt.name


# -- a new type is one schema entry ---------------------------------------------------------------
CAMPAIGN_COLOUR = "#12a4b6"


def campaign_schema(tmp_path: Path) -> Schema:
    """graph/schema.yaml plus `Campaign`: its incidents, the people it targeted, a colour,
    STIX and FtM mappings and a visibility rule (tied to the people at risk it targeted)."""
    raw = copy.deepcopy(_raw())
    raw["node_types"]["Campaign"] = {
        "description": "A coordinated series of incidents by one origin state.",
        "keys": ["ref"],
        "label_property": "name",
        "matchable": True,
        "editable": True,
        "colour": CAMPAIGN_COLOUR,
        "caption": ["campaign", "campaigns"],
        "stix": {"type": "campaign", "standard": ["name", "description"]},
        "ftm": {
            "schema": "Event",
            "properties": {"name": "@label", "date": ["year"], "description": "description"},
        },
        "visibility": {"tied_by": ["CAMPAIGN_TARGETED"], "public": ["year"]},
        "properties": {
            "ref": {"type": "string", "required": True},
            "name": {"type": "string", "required": True},
            "year": {"type": "int"},
            "description": {"type": "text"},
        },
    }
    raw["relation_types"]["IN_CAMPAIGN"] = {
        "description": "An incident is one of a campaign's.",
        "source": ["Incident"],
        "target": ["Campaign"],
        "stix": {"type": "related-to"},
    }
    raw["relation_types"]["CAMPAIGN_TARGETED"] = {
        "source": ["Campaign"],
        "target": ["Person"],
        "stix": {"type": "targets"},
        "ftm": {"property": "involved"},
    }
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return load_schema(path)


@pytest.fixture
def campaign(tmp_path: Path) -> Schema:
    return campaign_schema(tmp_path)


INTROSPECT = """
{ __schema { queryType { fields { name } } mutationType { fields { name } }
  types { name fields { name } } } }
"""


def test_a_new_type_is_in_the_graphql_schema(campaign: Schema) -> None:
    result = build_schema(campaign).execute_sync(INTROSPECT)
    assert result.errors is None and result.data is not None
    data = result.data["__schema"]
    types = {t["name"]: {f["name"] for f in t["fields"] or ()} for t in data["types"]}
    assert {"ref", "name", "year", "description", "id", "label"} <= types["Campaign"]
    assert relation_field("CAMPAIGN_TARGETED", "out") in types["Campaign"]
    assert relation_field("IN_CAMPAIGN", "in") in types["Campaign"]
    assert relation_field("IN_CAMPAIGN", "out") in types["Incident"]
    assert {lower_camel("Campaign"), plural("Campaign")} <= {
        f["name"] for f in data["queryType"]["fields"]
    }
    # editable: true, so the mutations create and update it
    assert {"createCampaign", "updateCampaign"} <= {
        f["name"] for f in data["mutationType"]["fields"]
    }
    assert "Campaign" in campaign.editable and "Campaign" in campaign.matchable


def _campaign_graph() -> Graph:
    campaign = GraphNode(
        "campaign_1",
        "Campaign",
        "Operation Test",
        {
            "id": "campaign_1",
            "ref": "c-1",
            "name": "Operation Test",
            "year": 2021,
            "description": "A test campaign.",
            "source_ids": [],
            "citations": [],
        },
    )
    incident = GraphNode(
        "incident_1",
        "Incident",
        "A test incident",
        {"id": "incident_1", "ref": "i-1", "title": "A test incident"},
    )
    person = GraphNode(
        "person_1", "Person", "Test Official", {"id": "person_1", "name": "Test Official"}
    )
    edges = (
        GraphEdge("e1", "IN_CAMPAIGN", "incident_1", "campaign_1", {}),
        GraphEdge("e2", "CAMPAIGN_TARGETED", "campaign_1", "person_1", {}),
    )
    return Graph((campaign, incident, person), edges)


def test_a_new_type_is_exported_by_its_mappings(campaign: Schema) -> None:
    view = ExportView(_campaign_graph(), Role.ANALYST, schema=campaign)
    bundle = stix_export.bundle(view, "2024-01-01T00:00:00.000Z")
    [obj] = [o for o in bundle["objects"] if o.get("x_tnr_type") == "Campaign"]
    assert obj["type"] == "campaign" and obj["name"] == "Operation Test"
    assert obj["description"] == "A test campaign." and obj["x_tnr_year"] == 2021
    rels = {
        (o["relationship_type"], o["source_ref"].split("--")[0], o["target_ref"].split("--")[0])
        for o in bundle["objects"]
        if o["type"] == "relationship"
    }
    assert {("related-to", "report", "campaign"), ("targets", "campaign", "identity")} <= rels
    result = validate_string(json.dumps(bundle), ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]

    entities = {e.id: e for e in ftm_export.entities(view)}
    event = entities[ftm_export.ftm_id("campaign_1")]
    assert event.schema.name == "Event"
    assert event.get("name") == ["Operation Test"] and event.get("date") == ["2021"]
    assert event.get("involved") == [ftm_export.ftm_id("person_1")]


def test_a_new_type_has_its_colour_in_the_explorer_and_its_words_in_briefings(
    campaign: Schema,
) -> None:
    with TestClient(Starlette(routes=explore_routes(campaign))) as client:
        page = client.get("/explore")
    assert page.status_code == 200
    [attr] = re.findall(r'<body [^>]*data-colours="([^"]*)"', page.text)
    colours = json.loads(html.unescape(attr))
    assert colours["Campaign"] == CAMPAIGN_COLOUR
    assert colours == load_schema().colours() | {"Campaign": CAMPAIGN_COLOUR}
    assert left_out_text([("Campaign", 2), ("Person", 1)], campaign) == "2 campaigns and 1 person"


def test_a_new_type_follows_its_visibility_rule(campaign: Schema, empty_store: Store) -> None:
    empty_store.write(
        "CREATE (p:Person {id: 'person_t1', name: 'Jane Target', is_target: true, "
        "roles: ['journalist'], source_ids: []}) "
        "CREATE (c:Campaign {id: 'campaign_t1', ref: 'c-1', name: 'Operation Jane', "
        "year: 2021, description: 'Against Jane Target.', source_ids: []}) "
        "CREATE (c)-[:CAMPAIGN_TARGETED]->(p)"
    )
    hidden = Hidden.load(empty_store, campaign)
    assert "person_t1" in hidden.redacted and "campaign_t1" in hidden.tied
    public = View(Role.PUBLIC, hidden, campaign)
    props = empty_store.read("MATCH (c:Campaign) RETURN properties(c) AS p")[0]["p"]
    shown = public.node("Campaign", props)
    assert shown["id"].startswith("anon_") and shown["year"] == 2021
    assert "description" not in shown and "Jane" not in json.dumps(shown)
    assert View(Role.ANALYST, hidden, campaign).node("Campaign", props)["name"] == "Operation Jane"
    assert "`Campaign`" in stamp_cypher(campaign)  # a new tied campaign refreshes the cache
