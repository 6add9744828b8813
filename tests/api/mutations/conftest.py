"""A small graph written before each edit test, and an app client with real API keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from graph.records import Node, Provenance, source_node
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer
from tests.api.mutations.edits import KEYS


@pytest.fixture
def ids(empty_store: Store) -> dict[str, str]:
    s1 = source_node("https://example.org/report", "A report", url="https://example.org/report")
    p = Provenance(s1.id, "p. 1")
    state = Node("State", {"code": "AA", "name": "Alphaland"}, p)
    incident = Node("Incident", {"ref": "INC-1", "title": "A case", "outcome": "detained"}, p)
    person = Node("Person", {"name": "Jane Exile", "roles": ["journalist"]}, p)
    person2 = Node("Person", {"name": "J. Exile"}, p)
    vendor = Node("Vendor", {"name": "SpyCo"}, p)
    summary = Writer(empty_store).write([s1, state, incident, person, person2, vendor])
    assert summary.total("rejected") == 0, summary.rejects
    return {
        "s1": s1.id,
        "state": state.id,
        "incident": incident.id,
        "person": person.id,
        "person2": person2.id,
        "vendor": vendor.id,
    }


@pytest.fixture
def client(empty_store: Store, test_settings: Settings) -> Iterator[TestClient]:
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    settings = dataclasses.replace(test_settings, api_keys=keys)
    with TestClient(create_app(settings, store=empty_store)) as c:
        yield c
