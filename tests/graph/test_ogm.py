"""The OGM (graph/models.py, graph/ogm.py) on every engine the session reaches.

One body per test, run `[embedded]` and, in the Neo4j pass, `[neo4j]` too (the fixture
pattern of tests/graph/test_store_contract.py), over the bundled curated data: a type's nodes,
their outgoing and incoming relations, relation properties, provenance and sources, record
time, and the write rule (the OGM refuses to write facts). The manager test is derived from
the schema, so a new type or relation is covered without editing it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from neomodel import StructuredNode

from graph.models import (
    MODELS,
    RELATION_MODELS,
    BookkeepingNode,
    FactNode,
    OgmWriteRefused,
    incoming_name,
    manager_name,
)
from graph.ogm import connect
from graph.record_time import parse_sighting
from graph.schema import LOAD, SOURCE, load_schema
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer
from loaders import registry

ENGINES = ["embedded", *(["neo4j"] if os.environ.get("NEO4J_URI") else [])]
CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
SCHEMA = load_schema()


@pytest.fixture(scope="module", params=ENGINES)
def engine(
    request: pytest.FixtureRequest,
    store: Store,
    test_settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Store, Settings]]:
    """This engine's store and the settings that open it, with the curated data loaded."""
    if request.param == ("neo4j" if test_settings.uses_neo4j else "embedded"):
        own, settings, opened = store, test_settings, False
    else:
        data = tmp_path_factory.mktemp(f"ogm-{request.param}")
        settings = Settings.from_env({"TNR_DATA_DIR": str(data), "TNR_ENGINE_HEAP": "512m"})
        own, opened = Store.open(settings, bind_ogm=False), True
        own.ensure_schema()
    try:
        own.bind_ogm()
        own.wipe()
        summary = Writer(own, dataset="curated:data/curated", origin="curated").write(
            registry()["curated"].parse(CURATED)
        )
        assert summary.total("created") > 100 and summary.total("rejected") == 0
        yield own, settings
        own.wipe()
    finally:
        if opened:
            own.close()
        store.bind_ogm()  # neomodel's connection is process-wide: give it back


@pytest.fixture
def curated(engine: tuple[Store, Settings]) -> Store:
    """The engine's store with the curated data, the OGM bound to it."""
    engine[0].bind_ogm()
    return engine[0]


def _russia() -> StructuredNode:
    return MODELS["State"].nodes.get(code="RU")


def test_every_relation_has_its_managers_on_both_ends() -> None:
    for rt in SCHEMA.relations.values():
        for source in rt.sources:
            for target in rt.targets:
                out = getattr(MODELS[source], manager_name(rt.name, target, rt.targets))
                back = getattr(MODELS[target], incoming_name(rt.name, source, rt.sources))
                for manager, other in ((out, target), (back, source)):
                    assert manager.definition["relation_type"] == rt.name
                    assert manager._raw_class == other
                    assert manager.definition["model"] is RELATION_MODELS[rt.name]
                assert out.definition["direction"] == -back.definition["direction"]


def test_every_type_carries_provenance_and_record_time_and_its_kind() -> None:
    common = {*SCHEMA.provenance, *SCHEMA.record_time}
    for nt in SCHEMA.nodes.values():
        model = MODELS[nt.name]
        props = model.defined_properties(aliases=False, rels=False)
        assert {*common, *SCHEMA.lifecycle, *nt.properties, "uid"} <= set(props), nt.name
        assert props["uid"].unique_index and props["uid"].db_property == "id"
        for prop in nt.properties.values():
            assert bool(props[prop.name].index) == prop.filterable, (nt.name, prop.name)
        bookkeeping = nt.internal or nt.admin_only
        assert issubclass(model, BookkeepingNode if bookkeeping else FactNode), nt.name
    for rt in SCHEMA.relations.values():
        props = RELATION_MODELS[rt.name].defined_properties(aliases=False, rels=False)
        assert {*common, *rt.properties, "uid"} <= set(props), rt.name
        assert props["first_seen"].index


def test_a_types_nodes_and_their_outgoing_relations(curated: Store) -> None:
    states = MODELS["State"].nodes.all()
    expected = curated.read("MATCH (s:State) RETURN count(s) AS c")[0]["c"]
    assert len(states) == expected > 10
    incidents = MODELS["Incident"].nodes.filter(verification="reported").all()
    assert incidents and all(i.verification == "reported" for i in incidents)
    for incident in _russia().origin_state_from.all():
        assert [s.code for s in incident.origin_state.all()] == ["RU"]


def test_incoming_relations_match_the_cypher(curated: Store) -> None:
    rows = curated.read(
        "MATCH (i:Incident)-[:ORIGIN_STATE]->(:State {code: 'RU'}) RETURN i.id AS id"
    )
    got = {i.uid for i in _russia().origin_state_from.all()}
    assert got == {r["id"] for r in rows} and len(got) >= 5
    fsb = MODELS["Agency"].nodes.filter(state_code="RU").all()
    assert any(a in _russia().part_of_from.all() for a in fsb)


def test_relation_properties_provenance_and_sources(curated: Store) -> None:
    russia = _russia()
    incident = russia.origin_state_from.all()[0]
    rel = russia.origin_state_from.relationship(incident)
    assert rel.source_ids and rel.citations and 0 < rel.confidence <= 1
    assert rel.uid.startswith("rel_")
    cited = rel.sources()
    assert [s.uid for s in cited] == list(rel.source_ids)
    assert all(isinstance(s, MODELS[SOURCE]) and s.title for s in cited)
    assert [s.uid for s in incident.sources()] == list(incident.source_ids)
    assert all(c.split("|")[0] in incident.source_ids for c in incident.citations)
    about = {
        (stat.uid, state.uid, stat.about_state.relationship(state).role)
        for stat in MODELS["Statistic"].nodes.all()
        for state in stat.about_state.all()
    }
    rows = curated.read("MATCH (s:Statistic)-[r:ABOUT]->(t:State) RETURN s.id, t.id, r.role")
    assert about == {(r["s.id"], r["t.id"], r["r.role"]) for r in rows} and about


def test_record_time_through_the_ogm(curated: Store) -> None:
    (load,) = MODELS[LOAD].nodes.filter(dataset="curated:data/curated").all()
    incident = _russia().origin_state_from.all()[0]
    assert incident.first_seen == incident.last_seen == load.started
    assert incident.lost_at is None
    for sighting in incident.sightings:
        source_id, dataset, first, last, lost = parse_sighting(sighting)
        assert source_id in incident.source_ids and dataset == "curated:data/curated"
        assert first == last == load.started and lost == ""
    rel = _russia().origin_state_from.relationship(incident)
    assert rel.first_seen == load.started and rel.sightings


def test_facts_are_not_written_through_the_ogm(curated: Store) -> None:
    before = curated.counts()
    russia, state = _russia(), MODELS["State"]
    incident = russia.origin_state_from.all()[0]
    rel = russia.origin_state_from.relationship(incident)
    russia.name = "Renamed"
    attempts = [
        lambda: state(uid="state_xx", code="XX", name="Nowhere").save(),
        russia.save,
        russia.delete,
        lambda: state.nodes.bulk_create({"uid": "state_xy", "code": "XY", "name": "X"}),
        lambda: state.nodes.bulk_get_or_create({"uid": "state_xy", "code": "XY", "name": "X"}),
        lambda: incident.host_state.connect(russia),
        lambda: russia.origin_state_from.disconnect(incident),
        lambda: russia.origin_state_from.disconnect_all(),
        lambda: incident.origin_state.replace(russia),
        rel.save,
    ]
    for attempt in attempts:
        with pytest.raises(OgmWriteRefused, match=r"graph/writer\.py"):
            attempt()
    assert curated.counts() == before
    assert _russia().name != "Renamed"


def test_bookkeeping_types_may_be_written(curated: Store) -> None:
    decision = MODELS["MergeDecision"](
        uid="mergedecision_ogm", node_type="Person", left="a", right="b", judgement="unsure"
    ).save()
    try:
        assert MODELS["MergeDecision"].nodes.get(uid="mergedecision_ogm").judgement == "unsure"
    finally:
        decision.delete()


def test_connect_opens_the_apps_store_with_the_models(engine: tuple[Store, Settings]) -> None:
    store, settings = engine
    try:
        with connect(settings) as graph:
            assert graph["State"] is graph.State is MODELS["State"]
            assert graph.relation("PART_OF") is RELATION_MODELS["PART_OF"]
            assert graph.types == tuple(SCHEMA.nodes)
            with pytest.raises(KeyError, match="declared"):
                graph["Country"]
            assert graph.State.nodes.get(code="RU").name == _russia().name
            assert graph.store.counts()["State"] == store.counts()["State"]
    finally:
        store.bind_ogm()
