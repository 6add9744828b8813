"""The `tnr` command line as a user runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app
from graph.embedded import free_port
from graph.records import Node, Provenance, source_node
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer

runner = CliRunner()


def _env(settings: Settings) -> dict[str, str]:
    env = {"TNR_DATA_DIR": str(settings.data_dir), "TNR_ENGINE_HEAP": settings.engine_heap}
    if settings.neo4j_uri:
        env.update(
            NEO4J_URI=settings.neo4j_uri,
            NEO4J_USER=settings.neo4j_user,
            NEO4J_PASSWORD=settings.neo4j_password,
        )
    return env


def test_status_shows_engine_and_counts(empty_store: Store, test_settings: Settings) -> None:
    src = source_node("seed:test", "A test source")
    Writer(empty_store).write(
        [src, Node("State", {"code": "GE", "name": "Georgia"}, Provenance(src.id))]
    )
    result = runner.invoke(app, ["status"], env=_env(test_settings))
    assert result.exit_code == 0, result.output
    # the State, its Source and the Load that wrote them (graph/writer.py records each load)
    assert "State" in result.output and "Load" in result.output and "3 nodes" in result.output


def test_load_lists_loaders_and_explains_a_wrong_name(test_settings: Settings) -> None:
    listed = runner.invoke(app, ["load", "--list"], env=_env(test_settings))
    assert listed.exit_code == 0 and "curated" in listed.output
    wrong = runner.invoke(app, ["load", "no-such-format", "x.csv"], env=_env(test_settings))
    assert wrong.exit_code == 1
    assert "no loader named 'no-such-format'" in wrong.output


def test_reset_refuses_without_confirmation_then_wipes(
    empty_store: Store, test_settings: Settings
) -> None:
    src = source_node("seed:test", "A test source")
    Writer(empty_store).write([src])
    refused = runner.invoke(app, ["reset"], env=_env(test_settings), input="n\n")
    assert refused.exit_code != 0
    assert empty_store.node_count() == 2  # the Source and the Load that wrote it
    done = runner.invoke(app, ["reset", "--yes"], env=_env(test_settings))
    assert done.exit_code == 0 and "Deleted 2 nodes" in done.output
    assert empty_store.node_count() == 0


def _wait_health(
    url: str, proc: subprocess.Popen[bytes], timeout: float = 240
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"tnr serve exited with {proc.returncode}")
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code == 200:
                body: dict[str, object] = r.json()
                return body
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("tnr serve did not answer /health in time")


def _serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TNR_DATA_DIR": str(data_dir), "TNR_ENGINE_HEAP": "1g"}
    env.pop("NEO4J_URI", None)
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop(proc: subprocess.Popen[bytes]) -> bytes:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError("tnr serve did not stop on Ctrl-C") from None
    return err


def test_serve_loads_bundled_data_answers_health_and_keeps_data_across_restarts(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/health"
    proc = _serve(tmp_path, port)
    try:
        first = _wait_health(url, proc)
    finally:
        err = _stop(proc)
    assert first["status"] == "ok" and first["engine"] == "arcadedb"
    counts = first["counts"]
    assert (
        isinstance(counts, dict) and counts.get("State", 0) >= 25 and counts.get("Source", 0) >= 5
    )
    assert b"Traceback" not in err
    assert not (tmp_path / "engine" / "engine.json").exists(), "the engine was stopped"

    proc = _serve(tmp_path, port)
    try:
        second = _wait_health(url, proc)
    finally:
        err = _stop(proc)
    assert second["counts"] == counts, "the same data after a restart, not loaded twice"
    assert b"loading the bundled dataset" not in err


def test_serve_explains_an_unreachable_neo4j(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TNR_DATA_DIR": str(tmp_path),
        "NEO4J_URI": f"bolt://127.0.0.1:{free_port()}",
        "NEO4J_PASSWORD": "x",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "serve"], env=env, capture_output=True, timeout=120
    )
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "cannot reach Neo4j at bolt://127.0.0.1" in err and "NEO4J_URI" in err
    assert "Traceback" not in err


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
