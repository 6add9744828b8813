"""The FinFisher customers loader on the real Spy Files 4 file and on mangled copies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.records import Rejected
from graph.store import Store
from graph.writer import Writer
from loaders import finfisher, registry
from queries.vendor_chains import vendor_chains
from tests.loaders.recordsets import csv_dicts, edges_of, nodes_of
from tests.shared import shared_file

FILE = "spyfiles_customers_of_finfisher.csv"
HEADER = (
    "Username,ID,Country Attribution,Number of Licenses,Current Customer?,Total Costs,"
    '"Total Costs (with ""deleted"" licenses)",Software Purchased'
)


def test_registered() -> None:
    assert registry()["finfisher-customers"].parse is finfisher.parse


def test_counts_match_the_file() -> None:
    path = shared_file(FILE)
    rows = [r for r in csv_dicts(path) if r["ID"].isdigit()]
    records = list(finfisher.parse(path))
    attributed = [r for r in rows if r["Country Attribution"].strip()]
    bought = [
        r
        for r in rows
        if r["Number of Licenses"] not in ("", "0") or r["Total Costs"] or r["Software Purchased"]
    ]
    sales = {n.props["ref"]: n.props for n in nodes_of(records, "Sale").values()}
    assert len(rows) == 87 and len(attributed) == 18
    assert len(sales) == len(bought) == 78
    assert sum(1 for s in sales.values() if s.get("customer_label")) == 18
    assert len(edges_of(records, "SELLER")) == len(sales)
    raw_products = {
        p.strip() for r in rows for p in r["Software Purchased"].split(",") if p.strip()
    }
    # Every product the file names is a product of its own ("FinSpy Mobile" is not FinSpy).
    assert len(nodes_of(records, "Product")) == len(raw_products) == 11
    sold = {
        (f"finfisher:{r['Username']}/{r['ID']}", p.strip())
        for r in rows
        for p in r["Software Purchased"].split(",")
        if p.strip()
    }
    assert len(edges_of(records, "SOLD")) == len(sold)
    states = {r["Country Attribution"].split()[0] for r in attributed}
    assert len(nodes_of(records, "State")) == len(states) == 17  # Italy twice
    costs = sum(float(re.sub(r"\D", "", r["Total Costs"])) for r in rows if r["Total Costs"])
    assert sum(s.get("total_cost", 0.0) for s in sales.values()) == costs
    assert {s["currency"] for s in sales.values() if "total_cost" in s} == {"EUR"}
    vendors = nodes_of(records, "Vendor")
    assert [v.props["name"] for v in vendors.values()] == ["Gamma Group"]


def test_agencies_of_the_attributions() -> None:
    records = list(finfisher.parse(shared_file(FILE)))
    agencies = {
        (a.props["state_code"], a.props["name"]) for a in nodes_of(records, "Agency").values()
    }
    assert {("QA", "SSB"), ("NL", "KLPD"), ("AU", "NSW Police")} <= agencies
    assert len(agencies) == 6
    assert len(edges_of(records, "PART_OF")) == 6
    assert len(edges_of(records, "BUYER")) == 18 + 6
    sale = next(
        n
        for n in nodes_of(records, "Sale").values()
        if n.props.get("customer_label") == "Qatar SSB"
    )
    buyers = {t for s, t in edges_of(records, "BUYER") if s == sale.id}
    states = nodes_of(records, "State")
    assert {states[t].props["code"] for t in buyers if t in states} == {"QA"}
    assert sale.props["total_cost"] == 683700.0 and sale.props["licences"] == 11


def test_the_dummy_row_is_rejected_with_its_line() -> None:
    path = shared_file(FILE)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    line = next(i + 1 for i, text in enumerate(lines) if text.startswith("*DUMMY"))
    rejected = [r for r in finfisher.parse(path) if isinstance(r, Rejected)]
    assert [(r.file, r.location, r.field) for r in rejected] == [(FILE, f"line {line}", "ID")]
    assert "*DUMMY" in rejected[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("€1,170,840", (1170840.0, "EUR")),
        ("$12.50", (12.5, "USD")),
        ("1,000 GBP", (1000.0, "GBP")),
        ("7", (7.0, None)),
    ],
)
def test_amounts(text: str, expected: tuple[float, str | None]) -> None:
    assert finfisher.parse_amount(text) == expected


def test_mangled_cells_are_reported_and_the_sale_kept(tmp_path: Path) -> None:
    path = tmp_path / "ff.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                'AAA,1,Atlantis Police,x,Yes,"€1,0,0",,"FinSpy"',
                "BBB,,,3,,,,FinSpy",
                "CCC,2,,0,,,,",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    records = list(finfisher.parse(path))
    rejected = [(r.location, r.field) for r in records if isinstance(r, Rejected)]
    assert rejected == [
        ("line 2", "Number of Licenses"),
        ("line 2", "Total Costs"),
        ("line 2", "Country Attribution"),
        ("line 3", "ID"),
    ]
    (sale,) = nodes_of(records, "Sale").values()
    assert sale.props["ref"] == "finfisher:AAA/1" and sale.props["current_customer"] is True
    assert "licences" not in sale.props or sale.props["licences"] is None
    assert edges_of(records, "BUYER") == set()


def test_finspy_mobile_is_a_variant_of_finspy_not_an_alias() -> None:
    records = list(finfisher.parse(shared_file(FILE)))
    products = {n.props["name"]: n for n in nodes_of(records, "Product").values()}
    mobile, finspy = products["FinSpy Mobile"], products["FinSpy"]
    assert mobile.id != finspy.id and "FinSpy Mobile" not in (finspy.props.get("aliases") or [])
    assert edges_of(records, "VARIANT_OF") == {(mobile.id, finspy.id)}


def test_the_customers_who_bought_finspy_mobile_are_those_of_the_file(empty_store: Store) -> None:
    path = shared_file(FILE)
    rows = [r for r in csv_dicts(path) if r["ID"].isdigit()]

    def bought(product: str) -> list[dict[str, str]]:
        return [
            r
            for r in rows
            if r["Country Attribution"].strip()
            and product in {p.strip() for p in r["Software Purchased"].split(",")}
        ]

    Writer(empty_store).write(finfisher.parse(path))
    for product in ("FinSpy Mobile", "FinSpy"):
        expected = bought(product)
        chains = [c for c in vendor_chains(empty_store, product=product) if c.link == "sale"]
        assert {c.product.label for c in chains} == {product}
        sales = {c.via.id for c in chains if c.via is not None}
        assert len(sales) == len(expected), product
        states = {c.state.label for c in chains if c.state is not None}
        assert len(states) == len({r["Country Attribution"].split()[0] for r in expected}), product
    assert len(bought("FinSpy Mobile")) == 9  # the figure of the issue, from the raw file


def test_the_vendor_is_given_known_by_provenance_inferred_or_refused(tmp_path: Path) -> None:
    shared = list(finfisher.parse(shared_file(FILE)))
    (seller,) = nodes_of(shared, "Vendor").values()
    assert "data/datasets.yaml" in seller.provenance.locator  # this exact file, by sha256
    other = tmp_path / "customers.csv"
    other.write_text(
        HEADER + '\nAB12,1,Mongolia,2,Yes,"€10,000",,"RCS Galileo"\n', encoding="utf-8"
    )
    (refusal,) = finfisher.parse(other)
    assert isinstance(refusal, Rejected) and refusal.field == "Software Purchased"
    assert "--vendor" in refusal.message
    told = list(finfisher.parse(other, vendor="Hacking Team"))
    assert [v.props["name"] for v in nodes_of(told, "Vendor").values()] == ["Hacking Team"]
    other.write_text(
        HEADER + '\nAB12,1,Mongolia,2,Yes,"€10,000",,"FinSpy Mobile, FinFly USB"\n',
        encoding="utf-8",
    )
    (inferred,) = nodes_of(list(finfisher.parse(other)), "Vendor").values()
    assert inferred.props["name"] == "Gamma Group"
    assert inferred.provenance.confidence == finfisher.INFERRED_CONFIDENCE
