"""Shared fixtures: one store per test session, on Neo4j if NEO4J_URI is set, else embedded.

The embedded engine gets a fresh temporary data directory, so the tests never
touch a user's data. On Neo4j the suite refuses to wipe a database that held
data before it started, unless TNR_TEST_ALLOW_WIPE=1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from graph.hidden import changed as visibility_changed
from graph.settings import Settings
from graph.store import Store, StoreError


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    env = dict(os.environ)
    if not env.get("NEO4J_URI"):
        env["TNR_DATA_DIR"] = str(tmp_path_factory.mktemp("tnr-data"))
    env.setdefault("TNR_ENGINE_HEAP", "1g")
    return Settings.from_env(env)


@pytest.fixture(scope="session")
def store(test_settings: Settings) -> Iterator[Store]:
    try:
        s = Store.open(test_settings)
    except StoreError as exc:
        if test_settings.uses_neo4j:
            pytest.skip(f"Neo4j at {test_settings.neo4j_uri} is unreachable: {exc}")
        raise
    if test_settings.uses_neo4j and s.node_count() and os.environ.get("TNR_TEST_ALLOW_WIPE") != "1":
        s.close()
        pytest.exit(
            f"the Neo4j database at {test_settings.neo4j_uri} holds data; the tests wipe it. "
            "Point NEO4J_URI at an empty database or set TNR_TEST_ALLOW_WIPE=1.",
            returncode=3,
        )
    s.ensure_schema()
    yield s
    s.wipe()
    s.close()


@pytest.fixture
def empty_store(store: Store) -> Iterator[Store]:
    """The session store, emptied before the test and after it (and the OGM bound to it).

    neomodel's connection is process-wide: a test that opens another store (the CLI
    does) rebinds it, so each test binds it back to the session store.
    """
    store.bind_ogm()
    store.wipe()
    visibility_changed(store)  # the API's cached redactions belong to the old data
    yield store
    store.wipe()
    visibility_changed(store)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "slow" not in (config.getoption("markexpr") or ""):  # as pyproject says: only with -m slow
        slow = pytest.mark.skip(reason="a long run: run it with -m slow")
        for item in items:
            if item.get_closest_marker("slow"):
                item.add_marker(slow)
    if os.environ.get("NEO4J_URI"):
        own = pytest.mark.skip(reason="tests the embedded engine itself: run without NEO4J_URI")
        for item in items:
            if item.get_closest_marker("embedded"):
                item.add_marker(own)
        return
    skip = pytest.mark.skip(reason="needs Neo4j 5: set NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD)")
    for item in items:
        if item.get_closest_marker("neo4j"):
            item.add_marker(skip)
