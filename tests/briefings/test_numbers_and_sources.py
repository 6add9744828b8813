"""Briefings on the bundled, cited data and the Pegasus victims file: the numbers
agree with queries/, every format has its sections and sources, public names no target."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from starlette.testclient import TestClient

from api.app import create_app
from briefings import Briefing, SubjectNotFound, build_briefing, render
from graph.names import Names
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer
from loaders import registry
from queries.coverage import sanctions_coverage
from queries.hosts import host_collaboration
from queries.trends import incidents_per_year
from queries.vendor_chains import vendor_chains
from tests.shared import SHARED_DATA

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
PEGASUS = SHARED_DATA / "data-pegasus-victims.csv"
#: Targets of the curated data, by surname too (a URL may carry the surname alone).
CURATED_TARGETS = (
    "Roman Dobrokhotov",
    "Alvi Akiev",
    "Maksim Kuzminov",
    "Irina Dolinina",
    "Ahmed Mansoor",
    "Dobrokhotov",
    "Akiev",
    "Kuzminov",
    "Dolinina",
    "Mansoor",
)
ANALYST_KEY = "briefing-analyst-key-0123456789"
SUBJECTS = {
    "russia": ("state", "Russia"),
    "nso": ("vendor", "NSO Group"),
    "denial": ("tactic", "Denial of Entry"),
}


@pytest.fixture(scope="module")
def graph(store: Store) -> Iterator[Store]:
    store.bind_ogm()
    store.wipe()
    writer = Writer(store, origin="data/curated")
    summary = writer.write(registry()["curated"].parse(CURATED))
    assert summary.total("rejected") == 0, summary.rejects
    if PEGASUS.exists():
        Writer(store, origin=str(PEGASUS)).write(registry()["spyware-victims"].parse(PEGASUS))
    yield store
    store.wipe()


@pytest.fixture(scope="module")
def built(graph: Store) -> dict[tuple[str, Role], Briefing]:
    """Each subject's briefing for each role, built once (a build asks queries/ many times)."""
    out: dict[tuple[str, Role], Briefing] = {}
    for key, (kind, subject) in SUBJECTS.items():
        if key == "nso" and not PEGASUS.exists():
            continue
        for role in (Role.PUBLIC, Role.ANALYST):
            out[(key, role)] = build_briefing(graph, kind, subject, role)
    return out


def get(built: dict[tuple[str, Role], Briefing], key: str, role: Role = Role.PUBLIC) -> Briefing:
    if (key, role) not in built:
        pytest.skip(f"{PEGASUS} is not here (the shared data folder sits beside the project)")
    return built[(key, role)]


def target_names(store: Store) -> list[str]:
    rows = store.read("MATCH (p:Person) WHERE p.is_target = true RETURN p.name AS n")
    return sorted({str(r["n"]) for r in rows} | set(CURATED_TARGETS))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def all_text(b: Briefing) -> dict[str, str]:
    md, html, pdf = render(b, "md"), render(b, "html"), render(b, "pdf")
    assert isinstance(md, str) and isinstance(html, str) and isinstance(pdf, bytes)
    return {"md": md, "html": html, "pdf": pdf_text(pdf)}


# -- the numbers agree with queries/ ------------------------------------------------------------
def test_russia_numbers_are_those_of_the_queries(graph: Store, built: dict[Any, Briefing]) -> None:
    b = get(built, "russia", Role.ANALYST)
    trend = incidents_per_year(graph, origin="RU")
    group = next(g for g in sanctions_coverage(graph, "origin").groups if g.key == "RU")
    assert b.figures["incidents"] == group.incidents == trend.total + trend.undated == 6
    years = b.chart("years")
    assert years is not None
    assert years.labels == tuple(str(y.year) for y in trend.years)
    assert years.values == tuple(float(y.count) for y in trend.years)
    ids = set(group.incident_ids)
    tactics = {
        g.label: len(set(g.incident_ids) & ids)
        for g in sanctions_coverage(graph, "tactic").groups
        if set(g.incident_ids) & ids
    }
    chart = b.chart("tactics")
    assert chart is not None and dict(zip(chart.labels, chart.values, strict=True)) == tactics
    hosts = host_collaboration(graph, origin="RU")
    assert b.figures["host_collaboration"] == sum(h.incidents for h in hosts) == 3
    stated = b.table("stated")
    assert stated is not None and len(stated.rows) == len(trend.statistics)
    # The source's own number beside the counted one: 89 cases 2022-2024, 3 documented here.
    row = next(r for r in stated.rows if r.cells[0].startswith("89 cases"))
    assert row.cells[1:] == ("2022-2024", "3")
    source = b.sources[row.cites[0] - 1]
    assert (source.title or "").startswith("Transnational Repression by the Russian Federation")


def test_nso_numbers_are_those_of_vendor_chains(graph: Store, built: dict[Any, Briefing]) -> None:
    b = get(built, "nso")
    chains = vendor_chains(graph, vendor="NSO Group")
    used = {i.id: i for c in chains for i in c.incidents if i.used_product}
    assert b.figures["chains"] == len(chains) > 0
    assert b.figures["documented_uses"] == len(used) > 0
    years = b.chart("years")
    assert years is not None
    undated = sum(1 for i in used.values() if i.year is None)
    assert sum(years.values) + undated == len(used)
    customers = b.chart("customers")
    assert customers is not None and "Mexico" in customers.labels
    table = b.table("chains")
    assert table is not None
    if "Products" in table.columns:
        assert {r.cells[table.columns.index("Products")] for r in table.rows} == {"Pegasus"}
    else:  # the same on every row: said once, in the note
        assert "Products: Pegasus" in (table.note or "")


def test_denial_of_entry_shows_the_stated_figures_beside_none_documented(
    built: dict[Any, Briefing],
) -> None:
    b = get(built, "denial")
    assert b.figures["incidents"] == 0
    stated = b.table("stated")
    assert stated is not None
    figures = {r.cells[0].split(":")[0]: r.cells[1:] for r in stated.rows}
    assert figures["at least 43 cases"] == ("since 2022", "0")
    assert figures["at least 23 cases"] == ("2022", "0")
    assert any("Denial of entry" in t.text or "denial of entry" in t.text for t in b.summary)


# -- the formats ----------------------------------------------------------------------------------
@pytest.mark.parametrize("key", list(SUBJECTS))
def test_three_formats_with_sections_charts_and_sources(
    built: dict[Any, Briefing], key: str
) -> None:
    b = get(built, key)
    texts = all_text(b)
    titles = ["Summary", *(s.title for s in b.sections), "Sources"]
    assert b.sources, "a briefing cites its sources"
    for fmt, text in texts.items():
        text = unescape(text) if fmt == "html" else text
        for title in titles:
            assert title in text, (fmt, title)
    md, html = texts["md"], texts["html"]
    assert "[^1]:" in md and f"[^{len(b.sources)}]:" in md
    assert html.count('<li id="src-') == len(b.sources)
    assert "<svg" in html and "<script" not in html and "<link" not in html
    assert 'src="http' not in html and "@import" not in html  # self-contained
    pdf = render(b, "pdf")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    assert b"/Subtype /Image" in pdf  # the charts are embedded


def test_every_footnote_points_to_a_source_and_every_source_is_cited(
    built: dict[Any, Briefing],
) -> None:
    for b in built.values():
        cited: set[int] = set()
        for t in b.summary:
            cited |= set(t.cites)
        for s in b.sections:
            for p in s.paragraphs:
                cited |= set(p.cites)
            for item in (s.chart, s.network):
                if item is not None:
                    cited |= set(item.cites)
            if s.table:
                cited |= {n for r in s.table.rows for n in r.cites}
            cited |= {n for e in s.events for n in e.cites}
        assert cited == set(range(1, len(b.sources) + 1)), b.title
        assert all(ref.title for ref in b.sources)


def test_rendering_is_deterministic(built: dict[Any, Briefing]) -> None:
    b = get(built, "russia")
    assert render(b, "html") == render(b, "html")
    assert render(b, "pdf") == render(b, "pdf")
    html = render(b, "html")
    assert isinstance(html, str) and "<dc:date>" not in html


# -- roles --------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["russia", "nso"])
def test_public_briefing_names_no_target(
    graph: Store, built: dict[Any, Briefing], key: str
) -> None:
    b = get(built, key)
    names = target_names(graph)
    for fmt, text in all_text(b).items():
        folded = unescape(text).casefold()
        leaked = [n for n in names if n.casefold() in folded]
        assert not leaked, (fmt, leaked)


def test_analyst_briefing_may_name_a_target(built: dict[Any, Briefing]) -> None:
    public, analyst = get(built, "russia"), get(built, "russia", Role.ANALYST)
    text = render(analyst, "md")
    assert isinstance(text, str) and "Dobrokhotov" in text
    network = next(s.network for s in public.sections if s.network)
    assert any(n.label.startswith("target") for n in network.nodes)
    # Meduza's article is cited for the targets (its URL carries two journalists' names):
    # the public sees it only as a withheld source, the analyst in full.
    assert not [s for s in public.sources if s.publisher == "Meduza"]
    assert any(s.title == "withheld source" and s.url is None for s in public.sources)
    assert [s for s in analyst.sources if s.publisher == "Meduza" and s.url]


def test_a_source_text_names_someone_by_name_slug_or_surname_but_not_by_code_name_words() -> None:
    names = Names.build(
        ["Roman Dobrokhotov", "Amnesty International #1"],
        ["Roman Dobrokhotov", "Amnesty International #1", "Roman Abramovich"],
    )
    assert names.mentions("https://m.io/a-roman-dobrokhotov-b")
    assert names.mentions("Dobrokhotov interview")
    assert not names.mentions("Amnesty International EU office page")  # a code name's words
    assert names.mentions("case of Amnesty International #1")


def test_an_unknown_subject_says_so(graph: Store) -> None:
    with pytest.raises(SubjectNotFound, match="no Vendor named"):
        build_briefing(graph, "vendor", "No Such Vendor Ltd")


# -- the API ------------------------------------------------------------------------------------
QUERY = """
query ($subject: String!, $kind: BriefingKind!, $format: BriefingFormat!) {
  briefing(subject: $subject, kind: $kind, format: $format) { mediaType encoding content }
}
"""


def test_graphql_briefing_follows_the_callers_role(graph: Store, test_settings: Settings) -> None:
    settings = dataclasses.replace(test_settings, api_keys=f"analyst:{ANALYST_KEY}")
    variables = {"subject": "RU", "kind": "STATE", "format": "MD"}
    with TestClient(create_app(settings, store=graph)) as client:
        public = client.post("/graphql", json={"query": QUERY, "variables": variables}).json()
        analyst = client.post(
            "/graphql",
            json={"query": QUERY, "variables": variables},
            headers={"Authorization": f"Bearer {ANALYST_KEY}"},
        ).json()
        pdf = client.post(
            "/graphql",
            json={
                "query": QUERY,
                "variables": {
                    **variables,
                    "subject": "Denial of Entry",
                    "kind": "TACTIC",
                    "format": "PDF",
                },
            },
        ).json()
    assert "errors" not in public, public
    doc = public["data"]["briefing"]
    assert doc["encoding"] == "utf-8" and doc["mediaType"].startswith("text/markdown")
    assert "Russia" in doc["content"] and "Dobrokhotov" not in doc["content"]
    assert "Dobrokhotov" in analyst["data"]["briefing"]["content"]
    import base64

    assert base64.b64decode(pdf["data"]["briefing"]["content"]).startswith(b"%PDF")
