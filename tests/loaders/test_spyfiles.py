"""The Spy Files documents loader on the real file and on mangled copies."""

from __future__ import annotations

from pathlib import Path

from graph.records import Node, Rejected
from loaders import registry, spyfiles
from tests.loaders.recordsets import csv_dicts, edges_of, nodes_of
from tests.shared import shared_file

FILE = "spyfiles_leaked_company_documents.csv"
HEADER = (
    "Document Name,Company,Document Type,Year,Country Codes,Tags,Target System,Product,"
    "Document Page,Download Link,Spy FIles Release"
)


def _vendor_names(cell: str) -> list[str]:
    names = [c.strip() for c in cell.split(",") if c.strip()]
    return ["Gamma Group" if n == "Gamma" else n for n in names]  # the vocabulary's one alias here


def test_registered() -> None:
    assert registry()["spyfiles-documents"].parse is spyfiles.parse


def test_counts_match_the_file() -> None:
    path = shared_file(FILE)
    rows = csv_dicts(path)
    records = list(spyfiles.parse(path))
    assert [r for r in records if isinstance(r, Rejected)] == []
    assert len(rows) == 632
    docs = {r["Document Page"] or r["Download Link"] for r in rows}
    sources = nodes_of(records, "Source")
    assert len(sources) == len(docs) + 1
    leaks = [s.props for s in sources.values() if s.props.get("kind") == "leak"]
    assert {p["publisher"] for p in leaks} == {
        f"WikiLeaks ({r['Spy FIles Release']})" for r in rows
    }
    assert sum(1 for p in leaks if "date" in p) == sum(1 for r in rows if r["Year"].isdigit())
    vendors = {n for r in rows for n in _vendor_names(r["Company"])}
    assert {v.props["name"] for v in nodes_of(records, "Vendor").values()} == vendors
    aliases = {"FinUSB": "FinUSB Suite"}  # graph/vocabulary.py; FinSpy Mobile is its own product
    products = {
        aliases.get(p.strip(), p.strip())
        for r in rows
        for p in r["Product"].split(",")
        if p.strip() and p.strip() != "Misc"
    }
    assert {p.props["name"] for p in nodes_of(records, "Product").values()} == products
    assert len(edges_of(records, "MAKES")) == len(products)
    countries = {c.strip() for r in rows for c in r["Country Codes"].split(",") if c.strip()}
    assert len(nodes_of(records, "State")) == len(countries - {"Global"})
    pairs = {
        (v, c.strip())
        for r in rows
        for v in _vendor_names(r["Company"])
        for c in r["Country Codes"].split(",")
        if c.strip() and c.strip() != "Global"
    }
    assert len(edges_of(records, "LINKED_TO")) == len(pairs)


def test_two_vendor_cells_give_two_vendors() -> None:
    path = shared_file(FILE)
    rows = csv_dicts(path)
    i = next(i for i, r in enumerate(rows) if r["Company"] == "Dreamlab, Gamma")
    records = list(spyfiles.parse(path))
    at_line = {
        r.props["name"]
        for r in records
        if isinstance(r, Node) and r.type == "Vendor" and r.provenance.locator == f"line {i + 2}"
    }
    assert at_line == {"Dreamlab", "Gamma Group"}
    assert spyfiles.split_companies("Frost & Sullivan, Utimaco") == ["Frost & Sullivan", "Utimaco"]
    assert spyfiles.split_companies("Foo Systems, Inc., Bar") == ["Foo Systems, Inc.", "Bar"]


def test_tags_go_to_the_product_or_else_the_vendor(tmp_path: Path) -> None:
    path = tmp_path / "docs.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                'Brochure,Acme,Brochure,2011,"France, Atlantis","Deep Packet Inspection, Trojans",GSM,Acme Box,'
                "https://example.org/a,www.example.org/a.pdf,Spy Files 3",
                "Manual,Acme,Manual,unspecified,Global,IMSI Catcher,,,,,Spy Files 1",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    records = list(spyfiles.parse(path))
    rejected = [(r.file, r.location, r.field) for r in records if isinstance(r, Rejected)]
    assert rejected == [
        ("docs.csv", "line 2", "Country Codes"),
        ("docs.csv", "line 3", "Document Page"),
    ]
    (prod,) = nodes_of(records, "Product").values()
    assert prod.props["capabilities"] == ["Deep Packet Inspection", "Trojans"]
    assert prod.props["target_systems"] == ["GSM"] and prod.props["vendor"] == "Acme"
    vendor_caps = [
        r.props.get("capabilities") for r in records if isinstance(r, Node) and r.type == "Vendor"
    ]
    assert ["IMSI Catcher"] in vendor_caps
    doc = next(s for s in nodes_of(records, "Source").values() if s.props.get("kind") == "leak")
    assert doc.props["date"] == "2011" and doc.props["file"] == "a.pdf"
    assert doc.props["publisher"] == "WikiLeaks (Spy Files 3)"
    assert len(edges_of(records, "LINKED_TO")) == 2  # Acme and Acme Box -> France
