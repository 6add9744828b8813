"""The declared schema is consistent, and the OGM classes derive from it exactly."""

from __future__ import annotations

import pytest
from neomodel import ArrayProperty, BooleanProperty, FloatProperty, IntegerProperty, StringProperty

from graph.ids import make_id
from graph.models import MODELS, RELATION_MODELS, manager_name
from graph.schema import SchemaError, load_schema, parse_schema

REQUIRED_TYPES = {
    "State",
    "Agency",
    "Person",
    "Organization",
    "Vendor",
    "Product",
    "Incident",
    "Tactic",
    "ExportLicence",
    "SanctionRegime",
    "SanctionListing",
    "PolicyResponse",
    "Source",
}

OGM_CLASS = {
    "string": StringProperty,
    "text": StringProperty,
    "url": StringProperty,
    "date": StringProperty,
    "int": IntegerProperty,
    "float": FloatProperty,
    "bool": BooleanProperty,
    "list[string]": ArrayProperty,
}


def test_schema_declares_the_types_clients_depend_on() -> None:
    assert set(load_schema().nodes) >= REQUIRED_TYPES


def test_every_declared_node_type_has_an_ogm_class_that_agrees_on_properties() -> None:
    schema = load_schema()
    assert set(MODELS) == set(schema.nodes)
    for name, nt in schema.nodes.items():
        model = MODELS[name]
        defined = model.defined_properties(aliases=False, rels=False)
        declared = {**schema.provenance, **nt.properties}
        assert set(defined) == {"uid", *declared, *schema.record_time, *schema.lifecycle}, name
        assert defined["uid"].db_property == "id" and defined["uid"].unique_index
        for pname, prop in declared.items():
            assert isinstance(defined[pname], OGM_CLASS[prop.type]), f"{name}.{pname}"
            assert bool(defined[pname].required) == prop.required, f"{name}.{pname}"


def test_every_declared_relation_is_a_manager_on_each_source_type() -> None:
    schema = load_schema()
    assert set(RELATION_MODELS) == set(schema.relations)
    for rt in schema.relations.values():
        rel_props = RELATION_MODELS[rt.name].defined_properties(aliases=False, rels=False)
        assert {*schema.provenance, *rt.properties} <= set(rel_props), rt.name
        for source in rt.sources:
            rels = MODELS[source].defined_properties(aliases=False, properties=False)
            for target in rt.targets:
                manager = rels[manager_name(rt.name, target, rt.targets)]
                assert manager.definition["relation_type"] == rt.name
                assert manager._raw_class == target


def test_ids_are_deterministic_typed_and_reveal_no_keys() -> None:
    a = make_id("Person", "Irina  Dolinina", None)
    assert a == make_id("Person", "irina dolinina", "")
    assert a.startswith("person_") and "irina" not in a.lower()
    assert make_id("State", "RU") != make_id("Agency", "RU", "RU")
    assert load_schema().type_of_id(make_id("Tactic", "spyware")) == "Tactic"
    with pytest.raises(ValueError, match="natural keys"):
        make_id("State", "RU", "extra")


def test_an_inconsistent_schema_is_refused_with_the_place_named() -> None:
    bad = {
        "node_types": {"A": {"keys": ["missing"], "properties": {"x": {"type": "string"}}}},
        "relation_types": {},
    }
    with pytest.raises(SchemaError, match="A: keys"):
        parse_schema(bad)
    bad2 = {
        "node_types": {"A": {"keys": ["x"], "properties": {"x": {"type": "str"}}}},
        "relation_types": {},
    }
    with pytest.raises(SchemaError, match=r"A\.x: unknown type"):
        parse_schema(bad2)
    bad3 = {
        "node_types": {"A": {"keys": ["x"], "properties": {"x": {"type": "string"}}}},
        "relation_types": {"R": {"source": ["A"], "target": ["B"]}},
    }
    with pytest.raises(SchemaError, match="relation R: unknown node type 'B'"):
        parse_schema(bad3)


def test_incident_scope_takes_only_its_declared_values() -> None:
    from graph.records import Node, Provenance
    from graph.validate import RecordError, validate_node

    schema = load_schema()
    assert schema.node("Incident").properties["scope"].values == (
        "transnational",
        "domestic",
        "unknown",
    )
    ok = Node("Incident", {"ref": "x", "title": "x", "scope": "domestic"}, Provenance("s"))
    assert validate_node(ok, schema)["scope"] == "domestic"
    bad = Node("Incident", {"ref": "x", "title": "x", "scope": "abroad"}, Provenance("s"))
    with pytest.raises(RecordError) as err:
        validate_node(bad, schema)
    assert err.value.field == "scope" and "transnational" in err.value.message
