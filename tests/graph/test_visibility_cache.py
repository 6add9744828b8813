"""The public's hidden set is cached per store; a set read while the graph moved is never kept.

The bundled dataset is loaded through its loader and the writer. The race these tests
pin down was seen in CI: a background refresh of the cache ran while a test wiped the
graph and loaded the same data again, read the hidden set of the half-empty graph, and
kept it under the counts of the full one (the same counts after the reload), so the
public was shown targets' names and the incidents that targeted them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.hidden import Hidden, HiddenCache
from graph.store import Store
from graph.writer import Writer
from loaders import registry

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"


def _reload(store: Store) -> None:
    store.wipe()
    Writer(store).write(registry()["curated"].parse(CURATED))


@pytest.fixture()
def graph(store: Store) -> Iterator[Store]:
    store.bind_ogm()
    _reload(store)
    yield store
    store.wipe()


def _truth(store: Store) -> set[str]:
    """The persons the public may not see, read straight from the store."""
    rows = store.read(
        "MATCH (p:Person) WHERE p.is_target = true OR p.protected = true RETURN p.id AS id"
    )
    assert rows, "the bundled dataset has people at risk"
    return {r["id"] for r in rows}


def test_a_set_read_during_a_wipe_and_reload_is_not_kept(
    graph: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_load = Hidden.load
    calls: list[int] = []

    def load_while_reloading(store: Any, schema: Any = None) -> Hidden:
        calls.append(1)
        if len(calls) == 1:  # the graph is wiped just as the read starts ...
            store.wipe()
            try:
                return real_load(store, schema)
            finally:  # ... and the same data is back before anyone asks again
                Writer(store).write(registry()["curated"].parse(CURATED))
        return real_load(store, schema)

    monkeypatch.setattr(Hidden, "load", staticmethod(load_while_reloading))
    cache = HiddenCache(check_every=3600.0, max_age=3600.0)
    hidden = cache.get(graph)
    assert len(calls) >= 2, "the read of the half-empty graph was kept"
    assert _truth(graph) <= hidden.redacted
    again = cache.get(graph)  # and what the cache serves next hides them too
    assert _truth(graph) <= again.redacted


def test_a_background_refresh_overlapping_an_edit_is_not_kept(
    graph: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = HiddenCache(check_every=0.0, max_age=0.0)
    first = cache.get(graph)
    assert _truth(graph) <= first.redacted
    started, release = threading.Event(), threading.Event()
    real_load = Hidden.load

    def slow_empty(store: Any, schema: Any = None) -> Hidden:
        if threading.current_thread() is threading.main_thread() or started.is_set():
            return real_load(store, schema)
        started.set()  # the refresh read the graph as it was before the edit ...
        release.wait(10)
        return Hidden()

    monkeypatch.setattr(Hidden, "load", staticmethod(slow_empty))
    assert cache.get(graph) is first  # serves the last set and starts a refresh
    assert started.wait(10)
    cache.changed()  # ... an edit lands while it runs
    release.set()
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.daemon:
            thread.join(5)
    monkeypatch.setattr(cache, "check_every", 3600.0)
    assert _truth(graph) <= cache.get(graph).redacted
