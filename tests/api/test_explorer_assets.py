"""The explorer's static files: its scripts and style sheet only, with the page's headers."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from api.explore import CONTENT_SECURITY_POLICY, WEB_DIR, explore_routes


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(Starlette(routes=explore_routes()))


@pytest.mark.parametrize(
    "name", sorted(p.name for p in WEB_DIR.iterdir() if p.suffix in (".js", ".css"))
)
def test_every_script_and_style_sheet_is_served_with_the_pages_headers(
    client: TestClient, name: str
) -> None:
    response = client.get(f"/explore/static/{name}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    ["explore.html", "../explore.py", "%2e%2e/explore.py", "..%2fexplore.py", "nothing.js"],
)
def test_nothing_else_is_served(client: TestClient, path: str) -> None:
    assert client.get(f"/explore/static/{path}").status_code == 404
