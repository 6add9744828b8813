"""The store contract: one body, run against every engine the session can reach.

The embedded engine always; Neo4j as well when NEO4J_URI is set (`make test`'s Neo4j pass),
so in that pass each test runs twice, `[embedded]` and `[neo4j]`, in the same session. The
session's own store serves its engine; the other engine gets a store of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import ManagedTransaction
from neo4j.exceptions import ClientError

from graph.models import MODELS
from graph.records import Edge, Node, Provenance, Rejected, source_node
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer

ENGINES = ["embedded", *(["neo4j"] if os.environ.get("NEO4J_URI") else [])]


@pytest.fixture(scope="module", params=ENGINES)
def engine_store(
    request: pytest.FixtureRequest,
    store: Store,
    test_settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Store]:
    if request.param == ("neo4j" if test_settings.uses_neo4j else "embedded"):
        yield store
        return
    data = tmp_path_factory.mktemp(f"contract-{request.param}")
    own = Store.open(
        Settings.from_env({"TNR_DATA_DIR": str(data), "TNR_ENGINE_HEAP": "512m"}), bind_ogm=False
    )
    try:
        own.ensure_schema()
        yield own
    finally:
        own.close()
        store.bind_ogm()  # neomodel's connection is process-wide: give it back


@pytest.fixture
def empty_store(engine_store: Store) -> Iterator[Store]:
    """This engine's store, emptied before and after the test, with the OGM bound to it."""
    engine_store.bind_ogm()
    engine_store.wipe()
    yield engine_store
    engine_store.wipe()


SRC = source_node(
    "seed:001_35c7dbc5f51ec942.txt", "Transnational Repression by the Russian Federation"
)
P = Provenance(SRC.id, "Finding 4")


def _facts() -> list[Node | Edge | Rejected]:
    ru = Node("State", {"code": "RU", "name": "Russia", "aliases": ["Russian Federation"]}, P)
    kg = Node("State", {"code": "KG", "name": "Kyrgyzstan"}, P)
    fsb = Node("Agency", {"name": "FSB", "state_code": "RU", "kind": "security"}, P)
    return [SRC, ru, kg, fsb, Edge("PART_OF", fsb.id, ru.id, P, {"start": "1995"})]


def test_create_and_read_back(empty_store: Store) -> None:
    summary = Writer(empty_store).write(_facts())
    assert summary.total("created") == 5 and summary.total("rejected") == 0
    rows = empty_store.read(
        "MATCH (a:Agency)-[r:PART_OF]->(s:State) RETURN a.name AS a, s.code AS s, r.start AS start, "
        "r.source_ids AS sids, r.citations AS cites, r.confidence AS conf"
    )
    assert rows == [
        {
            "a": "FSB",
            "s": "RU",
            "start": "1995",
            "sids": [SRC.id],
            "cites": [f"{SRC.id}|Finding 4"],
            "conf": 1.0,
        }
    ]


def test_merge_is_idempotent_and_unions_lists_and_sources(empty_store: Store) -> None:
    writer = Writer(empty_store)
    writer.write(_facts())
    again = writer.write(_facts())
    assert again.total("created") == 0 and again.total("updated") == 0
    assert again.total("unchanged") == 5
    other = source_node("https://example.org/report", "Another report")
    ru2 = Node(
        "State", {"code": "ru", "name": "Russia", "aliases": ["RF"]}, Provenance(other.id, "p1")
    )
    third = writer.write([other, ru2])
    assert third.counts["State"].updated == 1
    rows = empty_store.read("MATCH (s:State {code: $c}) RETURN s", c="RU") + empty_store.read(
        "MATCH (s:State {code: $c}) RETURN s", c="ru"
    )
    assert len(rows) == 1, "one State whatever the case of its code"
    state = rows[0]["s"]
    assert state["aliases"] == ["Russian Federation", "RF"]
    assert set(state["source_ids"]) == {SRC.id, other.id}


def test_relation_properties_through_the_ogm(empty_store: Store) -> None:
    Writer(empty_store).write(_facts())
    fsb = MODELS["Agency"].nodes.get(name="FSB")
    (state,) = fsb.part_of_state.all()
    assert state.code == "RU"
    assert fsb.part_of_state.relationship(state).start == "1995"


def test_facts_without_a_known_source_are_refused(empty_store: Store) -> None:
    unknown = Provenance("source_0000000000", "x")
    summary = Writer(empty_store).write(
        [
            Node("State", {"code": "AM", "name": "Armenia"}, unknown),
            Node("State", {"code": "GE", "name": "Georgia"}, Provenance("", "line 3")),
        ]
    )
    assert summary.total("rejected") == 2 and summary.total("created") == 0
    fields = sorted(r.field for r in summary.rejects)
    assert fields == ["source", "source"]
    assert empty_store.node_count() == 0


def test_bad_records_are_reported_with_place_and_field_and_lose_nothing(
    empty_store: Store, tmp_path: Path
) -> None:
    Writer(empty_store).write(_facts())
    before = empty_store.counts()
    bad = [
        SRC,
        Node("State", {"name": "no code"}, Provenance(SRC.id, "line 7")),
        Node(
            "Incident", {"ref": "x", "title": "t", "year": "twenty"}, Provenance(SRC.id, "line 8")
        ),
        Edge(
            "PART_OF", MODELS and _facts()[3].id, "state_missing0000", Provenance(SRC.id, "line 9")
        ),
        Rejected("cases.csv", "line 10", "date", "not a date"),
    ]
    summary = Writer(empty_store, origin="cases.csv", report_dir=tmp_path).write(bad)
    assert summary.total("rejected") == 4
    where = {(r.location, r.field) for r in summary.rejects}
    assert ("line 7", "code") in where and ("line 8", "year") in where
    assert ("line 10", "date") in where
    assert any(r.location == "line 9" for r in summary.rejects)
    assert summary.report_path is not None
    assert len(summary.report_path.read_text(encoding="utf-8").splitlines()) == 4
    assert empty_store.counts() == before


def test_a_failed_transaction_leaves_nothing(empty_store: Store) -> None:
    def work(tx: ManagedTransaction) -> None:
        tx.run("CREATE (:State {id: 'state_tx', code: 'TX', name: 'Tx'})")
        raise RuntimeError("fail in the middle")

    with pytest.raises(RuntimeError):
        empty_store.in_transaction(work)
    assert empty_store.read("MATCH (n {id: 'state_tx'}) RETURN count(n) AS c")[0]["c"] == 0


def test_counts_cover_every_declared_type(empty_store: Store) -> None:
    Writer(empty_store).write(_facts())
    counts = empty_store.counts()
    assert set(counts) == {*empty_store.schema.nodes, *empty_store.schema.relations}
    assert counts["State"] == 2 and counts["Agency"] == 1 and counts["PART_OF"] == 1


def test_a_write_sent_as_a_read(empty_store: Store) -> None:
    """Neo4j refuses it (as a cluster's follower would); ArcadeDB runs it (graph/engines.py)."""
    write = "CREATE (:State {id: 'state_rw', code: 'RW', name: 'Readwrite'})"
    if empty_store.profile.refuses_writes_in_reads:
        with pytest.raises(ClientError, match=r"(?i)read"):
            empty_store.read(write)
        expected = 0
    else:
        empty_store.read(write)
        expected = 1
    assert empty_store.read("MATCH (n:State {id: 'state_rw'}) RETURN count(n) AS c") == [
        {"c": expected}
    ]


@pytest.mark.embedded
def test_embedded_engine_keeps_its_data_across_a_restart(tmp_path: Path) -> None:
    settings = Settings.from_env({"TNR_DATA_DIR": str(tmp_path), "TNR_ENGINE_HEAP": "512m"})
    first = Store.open(settings, bind_ogm=False)
    try:
        first.ensure_schema()
        Writer(first).write(_facts())
    finally:
        first.close()
    assert first.engine is not None and first.engine.process is None
    second = Store.open(settings, bind_ogm=False)
    try:
        assert second.engine is not None and second.engine.owned
        assert second.counts()["State"] == 2
        assert second.read("MATCH (a:Agency) RETURN a.name AS n") == [{"n": "FSB"}]
    finally:
        second.close()


def test_every_filterable_property_is_indexed(store: Store) -> None:
    """ensure_schema (run by the session fixture, as by `tnr`) indexes each property the API
    filters or orders on; a second run creates nothing new (IF NOT EXISTS)."""

    def indexed() -> set[tuple[str, str]]:
        rows = store.read("SHOW INDEXES YIELD labelsOrTypes, properties")
        return {
            (r["labelsOrTypes"][0], r["properties"][0])
            for r in rows
            if r["labelsOrTypes"] and len(r["properties"] or []) == 1
        }

    plan = set(store.index_plan())
    assert ("ExportLicence", "control_code") in plan and ("Person", "is_target") in plan
    assert not any(
        store.schema.node(t).properties[p].type == "text"
        for t, p in plan
        if p in store.schema.node(t).properties
    )
    before = indexed()
    assert plan <= before, sorted(plan - before)
    store.ensure_schema()
    assert indexed() == before
