"""A watch acts with its owner's key as the key is now: a key removed, or lowered below the
watch's role, since it saved the watch takes the watch's reach down with it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from api.auth import key_hash
from api.graphql import watching
from graph.records import Node, Provenance, source_node
from graph.store import Store
from graph.visibility import Role
from graph.watches import list_notifications, list_watches
from graph.writer import Writer
from tests.gql import SCHEMA, run

EDITOR_KEY = "editor-key-0123456789"
SAVE = """mutation($role: String) {
  saveWatch(name: "states", query: "{ states(first: 20) { edges { node { id name } } } }", role: $role) {
    watch { name role } } }"""


def _keys(store: Store, monkeypatch: pytest.MonkeyPatch, keys: str) -> None:
    monkeypatch.setattr(store, "settings", dataclasses.replace(store.settings, api_keys=keys))


def _save_as_editor(store: Store) -> Any:
    return run(store, SAVE, Role.EDITOR, key_hash(EDITOR_KEY)[:12], role="editor")


def _load_states(store: Store, *codes: str) -> None:
    src = source_node("test:owner", "a test source")
    states = [
        Node("State", {"code": c, "name": f"State {c}"}, Provenance(src.id, c)) for c in codes
    ]
    Writer(store).write([src, *states])


@pytest.mark.parametrize(
    ("keys_now", "reason"),
    [
        (f"analyst:{EDITOR_KEY}", "is now analyst, below the watch's role editor"),
        ("analyst:another-key-0123456789", "is not configured here"),
        ("", "is not configured here"),
    ],
)
def test_a_watch_is_not_asked_when_its_key_was_lowered_or_removed(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch, keys_now: str, reason: str
) -> None:
    _load_states(empty_store, "BY")
    _keys(empty_store, monkeypatch, f"editor:{EDITOR_KEY}")
    saved = _save_as_editor(empty_store)
    assert not saved.errors, saved.errors
    _load_states(empty_store, "LT")
    [checked] = watching.check_watches(empty_store, lambda: SCHEMA)
    assert checked.error is None and checked.notification is not None  # the key as it was

    _keys(empty_store, monkeypatch, keys_now)
    _load_states(empty_store, "PL")
    [checked] = watching.check_watches(empty_store, lambda: SCHEMA)
    assert checked.notification is None and checked.error and reason in checked.error
    [watch] = list_watches(empty_store)
    assert watch.last_error and reason in watch.last_error
    assert len(list_notifications(empty_store)) == 1, "nothing recorded as the old role"

    _keys(empty_store, monkeypatch, f"editor:{EDITOR_KEY}")  # the key given back its role
    [checked] = watching.check_watches(empty_store, lambda: SCHEMA)
    assert checked.error is None and checked.notification is not None
