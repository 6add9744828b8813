"""WikiLeaks Spy Files: leaked company documents (Alice Corona's compilation of releases 1-4).

Columns: Document Name, Company, Document Type, Year, Country Codes, Tags,
Target System, Product, Document Page, Download Link, Spy FIles Release (sic;
column names are matched without regard to case). Per row:

- the document is a Source (kind "leak", ref and url = Document Page, else the
  Download Link, with "https://" added to a bare "www." address; title = Document
  Name; date = Year when it is a year; publisher "WikiLeaks (Spy Files N)"; file =
  the name of the downloadable file);
- a Vendor per company. A cell may name several companies separated by commas
  ("Dreamlab, Gamma"); a comma before a legal suffix ("Foo, Inc.") does not split;
- a Product per name in Product (comma-separated; placeholders such as "Misc" are
  not products), made (MAKES) by the row's company when there is one company, or
  by the vendor graph.vocabulary knows for it. Tags become the product's
  `capabilities` and Target System its `target_systems`; when the row names no
  product they describe what the company offers and go to the Vendor instead;
- each country of `Country Codes` (country names, despite the header) is linked
  to the row's vendors and products by LINKED_TO. "Global" and the like name no
  country and are skipped; a name that is no known country is Rejected (line,
  field), and the rest of the row is kept.

Every fact cites the file (locator "line N") and the document.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from graph.records import Edge, Node, Provenance, Record, Rejected, source_node
from loaders.common import csv_rows, file_source, state_for
from loaders.trade import product_node, split_cell, variant_edges, vendor_node

NAME = "spyfiles-documents"
DESCRIPTION = "WikiLeaks Spy Files leaked company documents: vendors, products, countries"

NOT_PRODUCTS = frozenset(
    {
        "misc",
        "miscellaneous",
        "various",
        "n/a",
        "na",
        "none",
        "unknown",
        "unspecified",
        "-",
        "general",
    }
)
NOT_COUNTRIES = frozenset({"global", "worldwide", "international", "various", "unspecified"})
_LEGAL_SUFFIX = re.compile(
    r"^(inc|ltd|llc|llp|lp|plc|gmbh|ag|sa|s\.a|sas|srl|s\.r\.l|spa|s\.p\.a|bv|nv|co|corp|limited|"
    r"pty|pte|oy|ab|as|a/s|kg|ug)\.?$",
    re.IGNORECASE,
)
COLUMNS = (
    "document name",
    "company",
    "year",
    "country codes",
    "tags",
    "target system",
    "product",
    "document page",
    "download link",
    "spy files release",
)


def split_companies(text: str) -> list[str]:
    """ "Dreamlab, Gamma" -> ["Dreamlab", "Gamma"]; "Foo, Inc." stays one company."""
    out: list[str] = []
    for part in split_cell(text, ","):
        if out and _LEGAL_SUFFIX.match(part):
            out[-1] = f"{out[-1]}, {part}"
        elif part not in out:
            out.append(part)
    return out


def _url(text: str) -> str:
    text = text.strip()
    return f"https://{text}" if text.lower().startswith("www.") else text


def _cite(record: Node | Edge, prov: Provenance) -> Node | Edge:
    if isinstance(record, Node):
        return Node(record.type, dict(record.props), prov, id=record.id)
    return Edge(record.type, record.source, record.target, prov, dict(record.props))


def parse(path: Path) -> Iterator[Record]:
    """Records of a Spy Files documents CSV; see the module docstring."""
    path = Path(path)
    fname = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = [h.strip().lower() for h in next(csv.reader(fh), [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        yield Rejected(fname, "", "", f"cannot read the file: {exc}")
        return
    if "company" not in header:
        yield Rejected(
            fname, "line 1", "Company", "not a Spy Files documents CSV: no Company column"
        )
        return
    src = file_source(path, f"WikiLeaks Spy Files documents ({fname})")
    yield src
    try:
        for line, row in csv_rows(path):
            cell = {k.lower(): " ".join(v.split()) for k, v in row.items()}
            yield from _row(fname, Provenance(src.id, f"line {line}"), cell)
    except (csv.Error, UnicodeDecodeError) as exc:
        yield Rejected(fname, "", "", f"the CSV cannot be read past this point: {exc}")


def _document(fname: str, loc: str, cell: dict[str, str]) -> Node | Rejected:
    page, link = _url(cell.get("document page", "")), _url(cell.get("download link", ""))
    ref = page or link
    if not ref or any(c.isspace() for c in ref):
        return Rejected(fname, loc, "Document Page", f"no usable address for the document: {ref!r}")
    props: dict[str, Any] = {"kind": "leak", "url": ref}
    release = cell.get("spy files release", "")
    props["publisher"] = f"WikiLeaks ({release})" if release else "WikiLeaks"
    year = cell.get("year", "")
    if year.isdigit() and len(year) == 4:
        props["date"] = year
    if link:
        name = PurePosixPath(unquote(urlsplit(link).path)).name
        props["file"] = name or None
    title = cell.get("document name") or props.get("file") or ref
    return source_node(ref, title, **props)


def _row(fname: str, prov: Provenance, cell: dict[str, str]) -> Iterator[Record]:
    loc = prov.locator
    doc = _document(fname, loc, cell)
    yield doc
    companies = split_companies(cell.get("company", ""))
    if not companies:
        yield Rejected(fname, loc, "Company", "no company named")
    tags = split_cell(cell.get("tags"), ",") or None
    systems = split_cell(cell.get("target system"), ",") or None
    products = [p for p in split_cell(cell.get("product"), ",") if p.lower() not in NOT_PRODUCTS]

    facts: list[Node | Edge] = []
    described = {} if products else {"capabilities": tags, "target_systems": systems}
    vendors = [vendor_node(c, prov, **described) for c in companies]
    facts += vendors
    prods: list[Node] = []
    for name in products:
        maker = companies[0] if len(companies) == 1 else None
        prod = product_node(name, maker, prov, capabilities=tags, target_systems=systems)
        prods.append(prod)
        facts.append(prod)
        if prod.props.get("vendor"):
            vend = vendor_node(prod.props["vendor"], prov)
            if all(v.id != vend.id for v in vendors):
                facts.append(vend)
            facts.append(Edge("MAKES", vend.id, prod.id, prov))

    for name in split_cell(cell.get("country codes"), ","):
        if name.lower() in NOT_COUNTRIES:
            continue
        state = state_for(name, prov)
        if state is None:
            yield Rejected(fname, loc, "Country Codes", f"not a known country: {name!r}", raw=name)
            continue
        yield state
        facts += [Edge("LINKED_TO", holder.id, state.id, prov) for holder in (*vendors, *prods)]

    yield from facts
    for prod in prods:
        yield from variant_edges(prod, prov)
    if isinstance(doc, Node):
        cited = Provenance(doc.id)
        for fact in facts:
            yield _cite(fact, cited)
