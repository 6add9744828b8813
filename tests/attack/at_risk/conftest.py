"""The attacker's fixture: a graph where people at risk exist, served by a real server.

Everything here goes through the project's external interfaces, as a hostile client
would: the graph is loaded through the loaders and the writer (with provenance), the
editor's changes (an edit, a soft delete) are GraphQL mutations over HTTP, and the
server is a real uvicorn on 127.0.0.1. The test side reads the store directly only to
know what must never come out (the secrets, tests/attack/checker.py), never to decide
what the API answers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from graph.ids import make_id
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer
from loaders import curated, pegasus
from tests.servers import running
from tests.shared import shared_file

from .checker import build_secrets
from .client import SOFT_DELETE, UPDATE_INCIDENT, UPDATE_PERSON, Attack, Client
from .people import (
    DELETE_REASON,
    DELETED_VENDOR,
    EDITED_DESCRIPTION,
    KEYS,
    LIDIA,
    PUBLIC_INCIDENT,
    _curated_dir,
    fixture_records,
)


@pytest.fixture(scope="package")
def attack(store: Store, test_settings: Settings) -> Iterator[Attack]:
    store.bind_ogm()
    store.wipe()
    writer = Writer(store)
    for records in (
        curated.parse(_curated_dir()),
        pegasus.parse(shared_file("data-pegasus-victims.csv")),
        fixture_records(),
    ):
        summary = writer.write(records)
        assert summary.total("rejected") == 0, summary.rejects
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    settings = dataclasses.replace(test_settings, api_keys=keys)
    app = create_app(settings, store=store)
    with running(app) as base, httpx.Client(timeout=300) as http:
        client = Client(base, http)
        report = make_id("Source", "https://ngo.example.org/2024/annual-report")
        cite = {"id": report, "locator": "p. 9", "confidence": 0.8}
        person = client.ok(
            UPDATE_PERSON,
            "editor",
            id=LIDIA.id,
            patch={"description": EDITED_DESCRIPTION},
            source=cite,
        )
        incident = client.ok(
            UPDATE_INCIDENT,
            "editor",
            id=make_id("Incident", PUBLIC_INCIDENT),
            patch={"outcome": "plotted, not carried out (edited)"},
            source=cite,
        )
        audit_ids = [person["updatePerson"]["auditId"], incident["updateIncident"]["auditId"]]
        deleted_ids = [
            make_id("Vendor", DELETED_VENDOR),
            make_id("Incident", "fixture-2022-quillwort"),
        ]
        for node_id in deleted_ids:
            audit_ids.append(
                client.ok(SOFT_DELETE, "editor", id=node_id, reason=DELETE_REASON)["softDelete"][
                    "auditId"
                ]
            )
        secrets = build_secrets(store, audit_ids, deleted_ids, public=True)
        analyst = build_secrets(store, audit_ids, deleted_ids, public=False)
        yield Attack(client, store, settings, secrets, analyst, audit_ids, deleted_ids)
    store.bind_ogm()
    store.wipe()


@pytest.fixture(scope="package")
def client(attack: Attack) -> Client:
    return attack.client
