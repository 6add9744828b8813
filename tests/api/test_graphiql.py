"""GraphiQL renders in headless Chromium from the app's own files, with no CDN.

The app runs under uvicorn on a free local port; Chromium (Debian's `chromium`,
`apt-get install chromium`) opens /graphql with background networking off and
dumps the DOM after a virtual time budget. Every request the page made is
recorded by the app: all must be answered from here, and the page must have
asked for the schema (introspection). Skipped when Chromium or the npm packages
(`npm install` in the repository root) are missing.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.graphql.ide import ASSET_PREFIX, ASSETS, missing_assets
from graph.settings import Settings
from graph.store import Store
from tests.servers import running

CHROMIUM = "/usr/bin/chromium"


class Recorder:
    """ASGI wrapper that notes (method, path, status) of every HTTP request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, str, int]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def note(message: Any) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, note)
        self.seen.append((scope["method"], scope["path"], status[0] if status else 0))


@pytest.fixture
def served(store: Store, test_settings: Settings) -> Iterator[tuple[str, Recorder]]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    missing = missing_assets(test_settings.node_modules)
    if missing:
        pytest.skip(f"GraphiQL's npm packages are missing ({missing}): run npm install")
    recorder = Recorder(create_app(test_settings, store=store))
    with running(recorder) as url:
        yield url, recorder


def _dump_dom(url: str, profile: Path) -> str:
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_graphiql_renders_from_local_files(served: tuple[str, Recorder], tmp_path: Path) -> None:
    base, recorder = served
    dom = _dump_dom(f"{base}/graphql", tmp_path / "profile")
    for element in (
        "graphiql-container",
        "graphiql-query-editor",
        "graphiql-execute-button",
        "CodeMirror",
    ):
        assert element in dom, f"{element} not rendered"
    assert "Loading GraphiQL..." not in dom
    assert "search(text:" in dom  # the default query is in the editor
    assets = {(m, p) for m, p, s in recorder.seen if p.startswith(ASSET_PREFIX) and s == 200}
    assert assets == {("GET", f"{ASSET_PREFIX}/{name}") for name in ASSETS}
    # The page asked the schema for itself (introspection), from this server.
    assert ("POST", "/graphql", 200) in recorder.seen
    assert [r for r in recorder.seen if r[2] >= 400] == []
    assert "unpkg.com" not in dom and "jsdelivr" not in dom


def test_without_the_npm_packages_the_page_says_how_to_install_them(
    tmp_path: Path, test_settings: Settings, store: Store
) -> None:
    from starlette.testclient import TestClient

    settings = dataclasses.replace(test_settings, node_modules=tmp_path / "nowhere")
    with TestClient(create_app(settings, store=store)) as client:
        page = client.get("/graphql", headers={"accept": "text/html"})
        asset = client.get(f"{ASSET_PREFIX}/graphiql.min.js")
    assert page.status_code == 200 and "npm install" in page.text
    assert asset.status_code == 404 and "npm install" in asset.text
