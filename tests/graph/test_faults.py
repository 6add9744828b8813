"""Faults: the embedded engine killed mid-load, gone for good, or unable to start.

Each test runs its own engine in a temporary data directory (never the session
store's), kills it with SIGKILL through `EmbeddedEngine.kill()`, and checks what
a user would see: the store restarts the engine by itself, a reload stores every
record exactly once, and an engine that cannot come back gives a plain StoreError.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.synthetic import Tally, generate
from graph.records import Node, Provenance, source_node
from graph.settings import Settings
from graph.store import Store, StoreError
from graph.writer import Summary, Writer

pytestmark = pytest.mark.embedded  # they kill the embedded engine: run in the embedded pass


def _settings(data_dir: Path) -> Settings:
    return Settings.from_env({"TNR_DATA_DIR": str(data_dir), "TNR_ENGINE_HEAP": "1g"})


def _duplicate_ids(store: Store) -> int:
    rows = store.read("MATCH (n) WITH n.id AS id, count(*) AS c WHERE c > 1 RETURN count(*) AS d")
    return int(rows[0]["d"]) if rows else 0


@pytest.fixture(scope="module")
def own_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store on an engine of its own, for tests that kill it."""
    store = Store.open(_settings(tmp_path_factory.mktemp("tnr-faults")), bind_ogm=False)
    store.ensure_schema()
    yield store
    store.close()


@pytest.mark.slow  # three engine starts and two loads: 45 s on a quiet machine, minutes on a busy one
def test_sigkill_mid_load_then_reload_stores_every_record_once(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data")
    tally = Tally()
    records = list(generate(3000, seed=31, tally=tally))
    batch = 100
    landed: list[int] = []
    enough = threading.Event()

    def progress(n: int) -> None:
        landed.append(n)
        if len(landed) >= 3:
            enough.set()

    first = Store.open(settings, bind_ogm=False)
    first.ensure_schema()
    assert first.engine is not None
    outcome: dict[str, Summary | BaseException] = {}

    def load() -> None:
        try:
            outcome["summary"] = Writer(first, batch_size=batch, progress=progress).write(records)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=load, name="fault-load")
    thread.start()
    try:
        assert enough.wait(180), "no batch landed within 3 minutes"
        first.engine.kill()
        at_kill = len(landed)
        thread.join(timeout=300)
        assert not thread.is_alive()
    finally:
        first.close()
    # The load either failed with a StoreError or went on after the store restarted the
    # engine by itself; any other exception is a bug.
    if "error" in outcome:
        assert isinstance(outcome["error"], StoreError), repr(outcome["error"])
    print(
        f"\nfault: {at_kill} batches of {batch} landed before SIGKILL; "
        f"load thread: {'error' if 'error' in outcome else 'completed'}; "
        f"restart by the store: {first.last_restart_s}"
    )

    t0 = time.monotonic()
    again = Store.open(settings, bind_ogm=False)  # the same data directory, a new engine
    reopen_s = time.monotonic() - t0
    try:
        assert _duplicate_ids(again) == 0
        assert again.node_count() <= sum(tally.nodes.values())
        summary = Writer(again, batch_size=batch).write(records)
        assert summary.total("rejected") == 0, summary.rejects[:3]
        assert {k: v for k, v in again.counts().items() if v} == tally.counts()
        assert _duplicate_ids(again) == 0
        assert again.node_count() == sum(tally.nodes.values())
    finally:
        again.close()
    print(f"fault: reopening the crashed data directory took {reopen_s:.1f}s")


def test_store_restarts_a_killed_engine_by_itself(own_store: Store) -> None:
    src = source_node("seed:faults", "A test source")
    Writer(own_store).write(
        [src, Node("State", {"code": "KZ", "name": "Kazakhstan"}, Provenance(src.id))]
    )
    assert own_store.engine is not None
    old_port = own_store.engine.address.bolt_port if own_store.engine.address else None
    own_store.engine.kill()

    counts = own_store.counts()  # restarts the engine, then answers

    assert counts["State"] == 1 and counts["Source"] == 1
    assert own_store.last_restart_s is not None
    assert own_store.engine.address is not None
    print(
        f"\nfault: restart after SIGKILL took {own_store.last_restart_s:.1f}s "
        f"(bolt port {old_port} -> {own_store.engine.address.bolt_port})"
    )
    own_store.write("MATCH (s:State {code: 'KZ'}) SET s.name = 'Kazakhstan'")  # writes work too


def test_an_engine_that_cannot_come_back_is_a_plain_store_error(
    own_store: Store, tmp_path: Path
) -> None:
    engine = own_store.engine
    assert engine is not None
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a regular file", encoding="utf-8")
    root = engine.root
    engine.kill()
    engine.root = blocker / "engine"  # the data directory is now unusable
    try:
        with pytest.raises(StoreError) as caught:
            own_store.counts()
    finally:
        engine.root = root
    message = str(caught.value)
    assert "could not be restarted" in message and "not-a-directory" in message
    assert "Traceback" not in message


def test_tnr_serve_explains_an_unusable_data_dir_without_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    env = {**os.environ, "TNR_DATA_DIR": str(blocker / "data"), "TNR_PORT": "0"}
    env.pop("NEO4J_URI", None)
    tnr = Path(sys.executable).with_name("tnr")
    result = subprocess.run(
        [str(tnr), "serve"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert "cannot use" in output and "a-file" in output


@pytest.fixture
def api_store(tmp_path: Path) -> Iterator[Store]:
    """A store on an engine of its own, for the API outage test."""
    store = Store.open(_settings(tmp_path), bind_ogm=False)
    store.ensure_schema()
    yield store
    store.close()


def test_the_api_says_the_store_is_unreachable_with_503_and_recovers_by_itself(
    api_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    own_store = api_store
    from starlette.testclient import TestClient

    from api.app import create_app
    from api.graphql.errors import UNAVAILABLE_MESSAGE

    src = source_node("seed:faults-api", "A test source")
    Writer(own_store).write(
        [src, Node("State", {"code": "UZ", "name": "Uzbekistan"}, Provenance(src.id))]
    )
    query = {"query": "{ states(first: 5) { totalCount } }"}
    headers = {"accept": "application/graphql-response+json"}
    app = create_app(Settings(), store=own_store)
    with TestClient(app) as client:
        real_read = own_store.read

        def down(query: str, **params: object) -> list[dict[str, object]]:
            raise StoreError("cannot reach the embedded engine")

        monkeypatch.setattr(own_store, "read", down)
        r = client.post("/graphql", json=query, headers=headers)
        assert r.status_code == 503
        text = r.text
        assert UNAVAILABLE_MESSAGE in text and "Traceback" not in text and "StoreError" not in text
        assert client.get("/health").status_code == 503

        monkeypatch.setattr(own_store, "read", real_read)
        assert own_store.engine is not None
        own_store.engine.kill()  # a real outage: the store restarts the engine on the next read
        r = client.post("/graphql", json=query, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["data"]["states"]["totalCount"] >= 1
        assert client.get("/health").status_code == 200


def test_a_read_while_another_thread_restarts_the_engine_waits_for_it(
    api_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen in CI: one thread restarted the killed engine and, before it had swapped in the
    new driver, another thread's read failed on the old driver, found the engine alive and
    the driver unchanged, and said the engine was unreachable. That read now waits for the
    restart under way and reads through the new driver."""
    engine = api_store.engine
    assert engine is not None
    restarted, go = threading.Event(), threading.Event()
    real_restart = engine.restart

    def slow_restart() -> object:
        address = real_restart()
        restarted.set()  # the engine is up, the store's driver is still the old one ...
        go.wait(10)
        return address

    monkeypatch.setattr(engine, "restart", slow_restart)
    engine.kill()
    reviver = threading.Thread(target=lambda: api_store.read("RETURN 1 AS one"))
    reviver.start()
    assert restarted.wait(120)
    threading.Timer(1.0, go.set).start()  # ... until a moment after this read has failed
    assert api_store.read("RETURN 1 AS one") == [{"one": 1}]
    reviver.join(60)
