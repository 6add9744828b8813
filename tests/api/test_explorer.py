"""The explorer at /explore, driven end to end in headless Chromium against a served app.

The app runs under uvicorn on a free local port over the real FinFisher customers file
and the bundled curated dataset. Debian's `chromium` is driven by Python `playwright`
(no browser download): without /usr/bin/chromium the browser test is skipped and says how
to install it. Every request the page makes must go to the local server.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.explore import CYTOSCAPE, MISSING_LIBRARY, NODE_MODULES, library_response
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer
from loaders import registry
from queries.search import index_for
from tests.servers import running
from tests.shared import shared_file

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
FINFISHER = "spyfiles_customers_of_finfisher.csv"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
IDLE = "() => !document.body.dataset.busy"
DATE_PROPERTIES = (
    "year",
    "date",
    "end_date",
    "period_start",
    "period_end",
    "decision_date",
    "listing_date",
)


def attributed_customers(path: Path) -> set[str]:
    """The 'Country Attribution' of every account row that bought something (read with csv)."""
    out: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            bought = any(
                (row.get(c) or "").strip() not in ("", "0")
                for c in ("Number of Licenses", "Total Costs", "Software Purchased")
            )
            if row["ID"].strip().isdigit() and bought and row["Country Attribution"].strip():
                out.add(" ".join(row["Country Attribution"].split()))
    return out


def names_state(attribution: str, state: dict[str, Any]) -> bool:
    """True if the attribution is the state's name or an alias, optionally followed by a unit."""
    names = [state["label"], *(state["props"].get("aliases") or [])]
    return any(attribution == n or attribution.startswith(f"{n} ") for n in names if n)


# -- the served app ---------------------------------------------------------------------------
@pytest.fixture
def loaded(empty_store: Store, tmp_path: Path) -> Store:
    finfisher = registry()["finfisher-customers"].parse(shared_file(FINFISHER))
    curated = registry()["curated"].parse(CURATED)
    writer = Writer(empty_store, origin="explorer test", report_dir=tmp_path / "reports")
    writer.write(curated)
    writer.write(finfisher)
    index_for(empty_store, refresh=True)
    return empty_store


@pytest.fixture
def served(loaded: Store, test_settings: Settings) -> Iterator[str]:
    with running(create_app(test_settings, store=loaded)) as url:
        yield url


@pytest.fixture
def browser_page(served: str) -> Iterator[tuple[Any, list[str], list[str]]]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if not (NODE_MODULES / CYTOSCAPE).is_file():
        pytest.skip("Cytoscape.js is not installed: run `npm install` at the repository root")
    sync_api = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1400, "height": 900}
        )
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.set_default_timeout(30_000)
        try:
            yield page, requests, errors
        finally:
            context.close()
            browser.close()


def view(page: Any) -> list[dict[str, Any]]:
    """The visible nodes of the view: id, type, label and properties."""
    return page.evaluate(  # type: ignore[no-any-return]
        "() => window.tnrExplorer.cy.nodes().not('.filtered').map(n => ({id: n.id(), "
        "type: n.data('type'), label: n.data('label'), props: n.data('props') || {}}))"
    )


def tap(page: Any, node_id: str) -> None:
    """Click a node of the view (as a tap on it), and wait for its panel."""
    page.evaluate("(id) => { window.tnrExplorer.cy.getElementById(id).emit('tap'); }", node_id)
    wait_idle(page)


def wait_idle(page: Any) -> None:
    page.wait_for_function(IDLE)
    assert "failed" not in page.text_content("#status"), page.text_content("#status")


# -- the tests --------------------------------------------------------------------------------
def test_explore_page_and_library_are_served_from_this_app(
    store: Store, test_settings: Settings
) -> None:
    with TestClient(create_app(test_settings, store=store)) as client:
        page = client.get("/explore")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "connect-src 'self'" in csp
        assert "http" not in page.text.replace('href="data:,"', "")  # no absolute URL at all
        assert client.get("/explore/static/explore.js").status_code == 200
        assert client.get("/explore/", follow_redirects=False).status_code == 308
        lib = client.get("/explore/lib/cytoscape.min.js")
        if (NODE_MODULES / CYTOSCAPE).is_file():
            assert lib.status_code == 200 and "cytoscape" in lib.text[:2000].lower()
        else:
            assert lib.status_code == 503


def test_a_missing_library_gets_a_plain_message(tmp_path: Path) -> None:
    response = library_response(tmp_path / "node_modules", CYTOSCAPE)
    assert response.status_code == 503
    assert bytes(response.body).decode() == MISSING_LIBRARY
    assert "npm install" in MISSING_LIBRARY


def test_gamma_expands_to_its_products_and_customer_states(
    browser_page: tuple[Any, list[str], list[str]], served: str, loaded: Store, tmp_path: Path
) -> None:
    page, requests, errors = browser_page
    page.goto(f"{served}/explore")
    wait_idle(page)

    # search, open the vendor's neighbourhood
    page.fill("#search-text", "Gamma")
    page.press("#search-text", "Enter")
    hit = page.locator("#results button.hit", has_text="Gamma Group").first
    hit.wait_for()
    hit.click()
    wait_idle(page)
    nodes = view(page)
    [gamma] = [n for n in nodes if n["label"] == "Gamma Group"]
    assert gamma["type"] == "Vendor"
    # drawn in its type's colour, the schema's (served in <body data-colours>)
    drawn = page.evaluate(
        "(id) => window.tnrExplorer.cy.getElementById(id).style('background-color')", gamma["id"]
    )
    red, green, blue = (int(loaded.schema.node("Vendor").colour[i : i + 2], 16) for i in (1, 3, 5))
    assert drawn.replace(" ", "") == f"rgb({red},{green},{blue})"
    products = {n["label"] for n in nodes if n["type"] == "Product"}
    assert {"FinSpy", "FinFly USB"} <= products
    # the side panel: properties and the sources, with their titles
    page.locator("#details .sources li", has_text="Customers of FinFisher").wait_for()
    assert page.text_content("#details h3") == "Gamma Group"

    # expand two relations deep: the sales' buyers come in
    page.select_option("#depth", "2")
    page.click("#details #expand")
    wait_idle(page)
    nodes = view(page)
    assert {"FinSpy", "FinFly Web"} <= {n["label"] for n in nodes if n["type"] == "Product"}
    states = [n for n in nodes if n["type"] == "State"]
    expected = attributed_customers(shared_file(FINFISHER))
    assert len(expected) >= 10
    missing = [a for a in sorted(expected) if not any(names_state(a, s) for s in states)]
    assert not missing, f"customers not in the view: {missing}"
    page.screenshot(path=str(tmp_path / "explorer-gamma.png"))

    # filter by type: sales go, and come back
    page.uncheck("#type-filter input[data-type=Sale]")
    assert not [n for n in view(page) if n["type"] == "Sale"]
    page.check("#type-filter input[data-type=Sale]")
    assert [n for n in view(page) if n["type"] == "Sale"]
    # filter by year: from 2100 on, every dated node goes (undated ones stay), and comes back
    before = {n["id"] for n in view(page)}
    dated = {n["id"] for n in view(page) if any(n["props"].get(k) for k in DATE_PROPERTIES)}
    assert dated
    page.fill("#year-from", "2100")
    assert "hidden by filters" in page.text_content("#status")
    assert {n["id"] for n in view(page)} == before - dated
    page.fill("#year-from", "")
    assert {n["id"] for n in view(page)} == before
    # filter by tactic: of the incidents in the view, only those that used it stay
    incidents = {n["id"] for n in view(page) if n["type"] == "Incident"}
    used: dict[str, set[str]] = {}
    for row in loaded.read(
        "MATCH (i:Incident)-[:USED_TACTIC]->(t:Tactic) RETURN i.id AS i, t.id AS t"
    ):
        if row["i"] in incidents:
            used.setdefault(row["t"], set()).add(row["i"])
    tactic = max(sorted(used), key=lambda t: len(used[t]))
    page.select_option("#tactic", tactic)
    wait_idle(page)
    assert {n["id"] for n in view(page) if n["type"] == "Incident"} == used[tactic]
    page.select_option("#tactic", "")
    assert {n["id"] for n in view(page) if n["type"] == "Incident"} == incidents

    # shortest path from the vendor to a customer state, highlighted
    bahrain = next(s for s in states if names_state("Bahrain", s))
    tap(page, gamma["id"])
    page.get_by_role("button", name="Path from here").click()
    tap(page, bahrain["id"])
    page.get_by_role("button", name="Path to here").click()
    assert page.text_content("#path-from") == "Gamma Group"
    assert page.text_content("#path-to") == bahrain["label"]
    page.click("#path-find")
    wait_idle(page)
    on_path = page.evaluate(
        "() => window.tnrExplorer.cy.$('.path').map(e => e.isNode() ? e.data('type') : 'edge')"
    )
    assert on_path.count("edge") >= 2 and {"Vendor", "State"} <= set(on_path)
    assert "Shortest path" in page.text_content("#status")
    page.screenshot(path=str(tmp_path / "explorer-path.png"))
    # a relation's panel: its sources too
    tap(page, page.evaluate("() => window.tnrExplorer.cy.$('edge.path')[0].id()"))
    page.locator("#details .sources li", has_text="Customers of FinFisher").wait_for()

    # export: GraphML of the visible view, and a PNG
    with page.expect_download() as graphml_download:
        page.click("#export-graphml")
    graphml_path = tmp_path / "view.graphml"
    graphml_download.value.save_as(graphml_path)
    root = ET.parse(graphml_path).getroot()
    exported = {n.get("id") for n in root.iter(f"{GRAPHML}node")}
    assert {gamma["id"], bahrain["id"]} <= exported
    assert len(exported) == len(view(page))
    assert len(list(root.iter(f"{GRAPHML}edge"))) > 0
    with page.expect_download() as png_download:
        page.click("#export-png")
    png_path = tmp_path / "view.png"
    png_download.value.save_as(png_path)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # nothing but this server was asked for anything
    assert requests
    external = [
        u
        for u in requests
        if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname != "127.0.0.1"
    ]
    assert not external, external
    assert not errors, errors
