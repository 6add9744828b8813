"""Briefings an advocacy team can hand out, on the real files: the curated data, the
Pegasus victims, the FinFisher customers, the UK licences to Russia and Mexico (every row of
the CAAT file for them) and the EU human-rights sanctions of Russian citizens.

Bulk rows are counted, not dumped: every figure of the licences table is recounted here from
the raw CSV with `csv`; the row-level data is the CSV appendix; the network figure draws the
story; no table breaks a word; every format says its scope and what it left out."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from starlette.testclient import TestClient

from api.app import create_app
from briefings import Briefing, build_briefing, render
from briefings.to_csv import render_csv
from graph.hidden import changed
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role
from graph.writer import Writer
from loaders import registry
from queries.licences import licences_to_tnr_states
from queries.trends import incidents_per_year
from tests.shared import shared_file

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
UK = "uk_export_licence_values_2008-2015.csv"
#: The UK file's destinations loaded here (every row for them).
UK_COUNTRIES = ("Russia", "Mexico")
SUBJECTS = {
    "russia": ("state", "Russia"),
    "mexico": ("state", "Mexico"),
    "poland": ("host", "Poland"),
    "gamma": ("vendor", "Gamma Group"),
    "nso": ("vendor", "NSO Group"),
    "denial": ("tactic", "Denial of Entry"),
}


def uk_rows(country: str) -> list[dict[str, str]]:
    with shared_file(UK).open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["country"] == country]


def _slices(tmp: Path) -> tuple[Path, Path]:
    """The UK rows for UK_COUNTRIES (and the ratings file beside them); the EU rows of
    human-rights designations of Russian citizens."""
    src = shared_file(UK)
    uk = tmp / "uk_export_licence_values_slice.csv"
    with (
        src.open(encoding="utf-8", newline="") as fh,
        uk.open("w", encoding="utf-8", newline="") as oh,
    ):
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(oh, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        writer.writerows(r for r in reader if r["country"] in UK_COUNTRIES)
    ratings = shared_file("uk_export_control_ratings.csv")
    (tmp / ratings.name).write_bytes(ratings.read_bytes())
    eu_src = shared_file("eu_sanctions_merged_dataset_20220913.csv")
    eu = tmp / "eu_sanctions_ru_slice.csv"
    with (
        eu_src.open(encoding="utf-8", newline="") as fh,
        eu.open("w", encoding="utf-8", newline="") as oh,
    ):
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(oh, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        writer.writerows(
            r for r in reader if r["citizenship.countryDescription"] == "RUSSIAN FEDERATION"
        )
    return uk, eu


@pytest.fixture(scope="module")
def graph(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store.bind_ogm()
    store.wipe()
    changed(store)
    uk, eu = _slices(tmp_path_factory.mktemp("bulk"))
    loaders = registry()
    for name, path in (
        ("curated", CURATED),
        ("spyware-victims", shared_file("data-pegasus-victims.csv")),
        ("finfisher-customers", shared_file("spyfiles_customers_of_finfisher.csv")),
        ("uk-export-licences", uk),
        ("eu-sanctions", eu),
    ):
        Writer(store, origin=str(path)).write(loaders[name].parse(path))
    changed(store)
    yield store
    store.wipe()
    changed(store)


@pytest.fixture(scope="module")
def built(graph: Store) -> dict[tuple[str, Role], Briefing]:
    out: dict[tuple[str, Role], Briefing] = {}
    for key, (kind, subject) in SUBJECTS.items():
        out[(key, Role.PUBLIC)] = build_briefing(graph, kind, subject, Role.PUBLIC, appendix=True)
    out[("russia", Role.ANALYST)] = build_briefing(graph, "state", "Russia", Role.ANALYST)
    return out


@pytest.fixture(scope="module")
def russia_pdf(built: dict[tuple[str, Role], Briefing]) -> bytes:
    data = render(built[("russia", Role.PUBLIC)], "pdf")
    assert isinstance(data, bytes)
    return data


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


# -- the Russia briefing fits in a few pages, its licences counted --------------------------------
def test_russia_state_briefing_fits_in_a_few_pages(russia_pdf: bytes) -> None:
    pages = len(PdfReader(io.BytesIO(russia_pdf)).pages)
    assert pages <= 6, pages
    text = pdf_text(russia_pdf)
    assert "UK-CAAT/" not in text  # no licence is listed row by row
    assert "Licences by control category and year" in text


def _category(rating: str) -> str:
    """The table's row for a rating, decided here from the rating's spelling alone."""
    if re.match(r"ML\d", rating):
        return "Military"
    if re.match(r"\d[A-E]\d{3}", rating):
        return f"Dual-use {rating[0]}"
    return "UK national" if rating.startswith("PL") else "Other"


def test_licence_table_counts_are_those_of_the_raw_csv(built: dict[Any, Briefing]) -> None:
    b = built[("russia", Role.PUBLIC)]
    rows = uk_rows("Russia")
    table = b.table("licences")
    assert table is not None
    cols = table.columns
    years = sorted({r["date"][:4] for r in rows})
    assert [c for c in cols if c.isdigit()] == years
    # the totals row: per year, all, refused, value of the granted licences
    total = next(r for r in table.rows if r.cells[0] == "All categories")
    per_year = Counter(r["date"][:4] for r in rows)
    assert [int(total.cells[cols.index(y)]) for y in years] == [per_year[y] for y in years]
    assert int(total.cells[cols.index("Total")]) == len(rows) == b.figures["licences_to"]
    refused = sum(r["refused"] == "1" for r in rows)
    assert int(total.cells[cols.index("Refused")]) == refused == b.figures["licences_refused_to"]
    granted = sum(float(r["value"] or 0) for r in rows if r["refused"] == "0")
    assert total.cells[cols.index("Value granted")] == f"{granted:,.0f}"
    # each category row, recounted from the ratings
    expected = Counter(_category(r["rating"]) for r in rows)
    by_year = Counter((_category(r["rating"]), r["date"][:4]) for r in rows)
    seen = Counter[str]()
    for row in table.rows[:-1]:
        label = row.cells[0]
        key = (
            "Military"
            if label.startswith("Military")
            else "UK national"
            if label.startswith("UK national")
            else "Other"
            if label.startswith("Other")
            else label.split(":")[0]
        )
        seen[key] += int(row.cells[cols.index("Total")])
        for y in years:
            assert int(row.cells[cols.index(y)] or 0) == by_year[(key, y)], (label, y)
    assert seen == expected
    # the chart says the same as the table
    chart = b.chart("licences_categories")
    assert chart is not None
    assert sorted(chart.values, reverse=True) == sorted(
        (float(n) for n in expected.values()), reverse=True
    )
    # and the text says how many were refused, of how many
    section = b.section("licences")
    assert section is not None and f"{refused:,} refused" in section.paragraphs[0].text


def test_csv_appendix_rows_are_the_raw_rows_of_the_subject(built: dict[Any, Briefing]) -> None:
    b = built[("russia", Role.PUBLIC)]
    blocks: dict[str, list[dict[str, str]]] = {}
    title = ""
    lines: list[str] = []
    for line in [*render_csv(b).splitlines(), ""]:
        if line.startswith("# "):
            title = line[2:]
        elif line:
            lines.append(line)
        elif lines:
            blocks[title] = list(csv.DictReader(lines))
            lines = []
    licences = next(v for k, v in blocks.items() if k.startswith("Export licences to Russia"))

    def key(
        ref: str, date: str, rating: str, count: str, value: str, refused: bool
    ) -> tuple[Any, ...]:
        return (
            ref,
            date,
            rating,
            int(count) if count else None,
            float(value) if value else None,
            refused,
        )

    got = Counter(
        key(
            r["Licence"],
            r["Decision date"],
            r["Control code"],
            r["Items"],
            r["Value"],
            r["Decision"] == "refused",
        )
        for r in licences
    )
    raw = Counter(
        key(
            f"UK-CAAT/{r['licence_group']}",
            r["date"],
            r["rating"],
            r["count"],
            r["value"],
            r["refused"] == "1",
        )
        for r in uk_rows("Russia")
    )
    assert got == raw
    assert {r["Destination"] for r in licences} == {"Russia"}
    incidents = next(v for k, v in blocks.items() if k.startswith("Incidents counted"))
    assert len(incidents) == b.figures["incidents"]
    # without asking, no appendix is built; the briefing says how to ask
    plain = built[("russia", Role.ANALYST)]
    assert plain.appendix == ()
    md = render(plain, "md")
    assert isinstance(md, str) and "--appendix" in md


# -- the network figure tells the story -----------------------------------------------------------
def test_network_figure_draws_incidents_and_agencies_not_licence_rows(
    built: dict[Any, Briefing],
) -> None:
    b = built[("russia", Role.PUBLIC)]
    network = next(s.network for s in b.sections if s.network)
    types = Counter(n.type for n in network.nodes)
    assert "ExportLicence" not in types and "SanctionListing" not in types
    assert types["Incident"] == min(12, int(b.figures["incidents"])) > 0
    assert types["Agency"] > 0
    hosts = b.chart("hosts")
    assert hosts is not None
    shown = {n.label for n in network.nodes if n.type == "State"}
    assert set(hosts.labels) <= shown  # every host state of the incidents is drawn
    left = dict(network.left_out)
    assert left["ExportLicence"] == len(uk_rows("Russia"))
    for fmt in ("md", "html"):
        text = render(b, fmt)
        assert isinstance(text, str) and f"{len(uk_rows('Russia')):,} export licences" in text


def test_a_vendor_network_labels_sales_by_customer_and_product(built: dict[Any, Briefing]) -> None:
    b = built[("gamma", Role.PUBLIC)]
    network = next(s.network for s in b.sections if s.network)
    sales = [n for n in network.nodes if n.type == "Sale"]
    assert sales and all(
        n.label.startswith(("Sale to ", "Sale, customer not named")) for n in sales
    )
    assert not [n.label for n in network.nodes if re.search(r"finfisher:|UK-CAAT/", n.label)]
    with shared_file("spyfiles_customers_of_finfisher.csv").open(encoding="utf-8") as fh:
        customers = {r["Country Attribution"].strip() for r in csv.DictReader(fh)} - {""}
    named = {
        n.label.removeprefix("Sale to ").split(":")[0]
        for n in sales
        if n.label.startswith("Sale to ")
    }
    assert named and named <= customers


# -- tables: no broken word, no repeated column -------------------------------------------------
def test_no_word_of_a_table_is_broken_in_the_pdf(
    built: dict[Any, Briefing], russia_pdf: bytes
) -> None:
    for key, data in (("russia", russia_pdf), ("gamma", None)):
        b = built[(key, Role.PUBLIC)]
        pdf = data if data is not None else render(b, "pdf")
        assert isinstance(pdf, bytes)
        words = set(pdf_text(pdf).split())
        for s in b.sections:
            if s.table is None:
                continue
            cells = [*s.table.columns, *(c for r in s.table.rows for c in r.cells)]
            broken = {w for c in cells for w in c.split() if w not in words}
            assert not broken, (key, s.table.title, sorted(broken)[:10])


def test_tables_drop_columns_that_repeat_one_value(built: dict[Any, Briefing]) -> None:
    for b in built.values():
        for s in b.sections:
            t = s.table
            if t is None or len(t.rows) < 2:
                continue
            for i, name in enumerate(t.columns[1:], 1):
                values = {r.cells[i] for r in t.rows}
                assert values != {""}, (b.title, t.title, name)
                assert len(values) > 1 or i in t.fixed, (b.title, t.title, name, values)


# -- scope and what was left out, in every kind and format ----------------------------------------
@pytest.mark.parametrize("key", list(SUBJECTS))
def test_every_briefing_states_its_scope_and_what_it_left_out(
    built: dict[Any, Briefing], key: str
) -> None:
    b = built[(key, Role.PUBLIC)]
    assert b.left_out and b.left_out[0].text.startswith("Scope:")
    for fmt in ("md", "html", "pdf"):
        out = render(b, fmt)
        text = pdf_text(out) if isinstance(out, bytes) else out
        assert "Scope and what is left out" in text, fmt
        assert " ".join(b.left_out[0].text.split()[:4]) in " ".join(text.split()), fmt
    if b.kind == "vendor":
        assert b.scope == "all"
    else:
        assert b.scope == "transnational"


def test_the_left_out_incidents_are_those_the_query_leaves_out(
    graph: Store, built: dict[Any, Briefing]
) -> None:
    b = built[("mexico", Role.PUBLIC)]
    trend = incidents_per_year(graph, origin="MX")
    assert trend.left_out  # Pegasus victims with no known host: of unknown scope
    text = b.left_out[0].text
    for c in trend.left_out:
        said = (
            f"{c.incidents:,} incident"
            if c.scope == "unknown"
            else f"{c.incidents:,} {c.scope} incident"
        )
        assert said in text and (c.scope != "unknown" or "of unknown scope" in text)
    everything = build_briefing(graph, "state", "Mexico", Role.PUBLIC, scope="all")
    assert everything.figures["incidents"] == b.figures["incidents"] + sum(
        c.incidents for c in trend.left_out
    )


# -- people at risk -------------------------------------------------------------------------------
def test_public_briefing_and_appendix_name_no_target(
    graph: Store, built: dict[Any, Briefing]
) -> None:
    rows = graph.read(
        "MATCH (p:Person) WHERE p.is_target = true OR p.protected = true RETURN p.name AS n"
    )
    names = sorted({str(r["n"]) for r in rows if r["n"] and len(str(r["n"])) > 6})
    assert len(names) > 50
    for key in ("russia", "mexico", "nso"):
        b = built[(key, Role.PUBLIC)]
        for fmt in ("md", "html", "pdf", "csv"):
            out = render_csv(b) if fmt == "csv" else render(b, fmt)
            text = (pdf_text(out) if isinstance(out, bytes) else out).casefold()
            leaked = [n for n in names if n.casefold() in text]
            assert not leaked, (key, fmt, leaked[:5])


# -- the API ---------------------------------------------------------------------------------------
QUERY = """
query ($subject: String!, $kind: BriefingKind!, $scope: IncidentScope) {
  briefing(subject: $subject, kind: $kind, format: MD, appendix: true, scope: $scope) {
    content appendix
  }
}
"""


def test_graphql_briefing_returns_its_csv_appendix_on_request(
    graph: Store, test_settings: Settings
) -> None:
    with TestClient(create_app(test_settings, store=graph)) as client:
        body = client.post(
            "/graphql", json={"query": QUERY, "variables": {"subject": "RU", "kind": "STATE"}}
        ).json()
        every = client.post(
            "/graphql",
            json={"query": QUERY, "variables": {"subject": "MX", "kind": "STATE", "scope": "ALL"}},
        ).json()
    assert "errors" not in body, body
    doc = body["data"]["briefing"]
    lines = doc["appendix"].splitlines()
    assert sum(line.startswith("UK-CAAT/") for line in lines) == len(uk_rows("Russia"))
    assert "Scope: transnational incidents" in doc["content"]
    assert "errors" not in every, every
    assert "of every scope" in every["data"]["briefing"]["content"]


def test_licences_query_keeps_one_destination(graph: Store) -> None:
    """queries.licences: `destination` (ISO code or State id) keeps that state's licences."""
    rows = uk_rows("Russia")
    by_code = licences_to_tnr_states(graph, destination="RU")
    assert sum(g.count for g in by_code) == len(rows)
    assert {g.destination.label for g in by_code} == {"Russia"}
    by_id = licences_to_tnr_states(graph, destination=by_code[0].destination.id)
    assert [g.count for g in by_id] == [g.count for g in by_code]
    first = min((r["date"], r["licence_group"], r["rating"]) for r in rows)
    lic = min(
        by_code[0].licences,
        key=lambda r: (r.decision_date or "", r.ref or "", r.control_code or ""),
    )
    assert (lic.decision_date, lic.ref, lic.control_code) == (
        first[0],
        f"UK-CAAT/{first[1]}",
        first[2],
    )
    everywhere = licences_to_tnr_states(graph)
    assert sum(g.count for g in everywhere) == len(rows) + len(uk_rows("Mexico"))
