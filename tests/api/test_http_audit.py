"""The /graphql endpoint passes the GraphQL-over-HTTP audit of the npm package graphql-http.

The audit runs with node against the app served by uvicorn on a free local port.
The package is looked for in $GRAPHQL_HTTP_PREFIX, then in the repository's
node_modules (package.json; `npm install` at the root), else installed with
`npm install --prefix <tmp> graphql-http graphql`; without node (or npm and the
registry) the test is skipped and says why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from graph.settings import Settings
from graph.store import Store
from tests.servers import running

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "graphql_http_audit.mjs"


def _package_dir(tmp: Path) -> Path:
    given = os.environ.get("GRAPHQL_HTTP_PREFIX")
    if given and (Path(given) / "node_modules" / "graphql-http").is_dir():
        return Path(given)
    if (REPO / "node_modules" / "graphql-http").is_dir():  # `npm install` at the root did it
        return REPO
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install the graphql-http audit")
    done = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(tmp),
            "--no-audit",
            "--no-fund",
            "graphql-http",
            "graphql",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"npm could not install graphql-http: {done.stderr.strip()[-300:]}")
    return tmp


@pytest.fixture
def served(store: Store, test_settings: Settings) -> Iterator[str]:
    with running(create_app(test_settings, store=store)) as url:
        yield f"{url}/graphql"


def test_graphql_over_http_audit_has_no_failures(
    served: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the graphql-http audit needs it")
    prefix = _package_dir(tmp_path_factory.mktemp("graphql-http"))
    done = subprocess.run(
        [node, str(SCRIPT), served, str(prefix)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout, done.stderr
    summary = json.loads(done.stdout)
    failures = [r for r in summary["results"] if r["status"] == "error"]
    warnings = [
        f"{r['id']} {r['name']}: {r['reason']}" for r in summary["results"] if r["status"] == "warn"
    ]
    print(
        f"graphql-http audit: {summary['ok']} ok, {summary['warn']} warnings, "
        f"{summary['error']} failures",
        *warnings,
        sep="\n",
    )
    assert failures == [], failures
    assert done.returncode == 0
