"""Customers of FinFisher (WikiLeaks Spy Files 4): one support-portal account per row.

Columns: Username, ID, Country Attribution, Number of Licenses, Current Customer?,
Total Costs, Total Costs (with "deleted" licenses), Software Purchased.

Every row that records a purchase (licences, a cost or a product) becomes a Sale
(ref "finfisher:<Username>/<ID>") SELLER the vendor, SOLD each product of
`Software Purchased` (canonical names from graph.vocabulary; "FinSpy Mobile" is a
product of its own, VARIANT_OF FinSpy, never folded into it), with `licences`,
`total_cost` and `total_cost_with_deleted` read from "€1,170,840" (currency from
the symbol or code: EUR, USD, GBP) and `current_customer` (the column marks
current customers with "Yes"; an empty cell means not marked current: false).

- An attributed row ("Mongolia", "Qatar SSB", "Australia NSW Police") is BUYER
  its State, and when words follow the country name, BUYER an Agency of that
  name ("SSB") that is PART_OF the State as well.
- The file never names the vendor. It is, in this order: `parse(path, vendor=...)`
  (`tnr load finfisher-customers FILE --vendor V`); the vendor data/datasets.yaml states
  for this exact file (by sha256); or the one vendor graph.vocabulary knows for every
  known product of `Software Purchased` (confidence 0.9, said in the citation). Otherwise
  the file is refused with one Rejected naming what is missing.
- A row without attribution is still a Sale (its facts are real) with no BUYER.
- Accounts with no licence, no cost and no product (the vendor's own and its
  resellers' accounts, e.g. "Gamma1", "Trovicor1") record no sale: they give nothing.
- A row whose ID is not a number (the junk row "*DUMMY" of "a" cells) is not
  an account: it is Rejected (line and field ID) and gives nothing. Other bad
  cells (licences, costs, an unknown country) are Rejected one by one and the
  Sale is kept without them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from graph.records import Edge, Node, Provenance, Record, Rejected
from graph.vocabulary import canonical_product
from loaders.common import csv_rows, dataset_facts, file_source, state_node
from loaders.countries import Country, resolve_country
from loaders.trade import product_node, split_cell, variant_edges, vendor_node

NAME = "finfisher-customers"
DESCRIPTION = (
    "WikiLeaks Spy Files 4: FinFisher customer accounts as sales (licences, costs, products)"
)

#: Confidence of a vendor inferred from the products of the file (not stated by it).
INFERRED_CONFIDENCE = 0.9
COLUMNS = {
    "user": "Username",
    "id": "ID",
    "customer": "Country Attribution",
    "licences": "Number of Licenses",
    "current": "Current Customer?",
    "cost": "Total Costs",
    "cost_deleted": 'Total Costs (with "deleted" licenses)',
    "software": "Software Purchased",
}
CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
_AMOUNT = re.compile(
    r"^(?P<cur>[€$£]|[A-Z]{3})?\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?\s*(?P<cur2>[€$£]|[A-Z]{3})?$"
)


def parse_amount(text: str) -> tuple[float, str | None]:
    """ "€1,170,840" -> (1170840.0, "EUR"); ValueError when it is not an amount."""
    m = _AMOUNT.match(text.strip())
    if not m or (m["cur"] and m["cur2"]):
        raise ValueError(f"not an amount of money: {text!r}")
    value = float(m["num"].replace(",", "") + (f".{m['dec']}" if m["dec"] else ""))
    cur = m["cur"] or m["cur2"]
    return value, CURRENCY_SYMBOLS.get(cur, cur) if cur else None


def split_attribution(text: str) -> tuple[Country, str, str | None] | None:
    """(country, its name as written, the agency after it) for "Qatar SSB" -> (QA, "Qatar", "SSB").

    The longest leading run of words that names a country wins ("South Africa"
    before "South"); None when no country leads.
    """
    words = text.split()
    for k in range(len(words), 0, -1):
        head = " ".join(words[:k])
        c = resolve_country(head)
        if c is not None:
            return c, head, " ".join(words[k:]) or None
    return None


def _vendor_of_products(path: Path) -> tuple[str | None, list[str]]:
    """(the one vendor graph.vocabulary knows for the file's known products, or None;
    the known products)."""
    makers: dict[str, str] = {}
    for _, row in csv_rows(path):
        for name in split_cell(row.get(COLUMNS["software"], ""), ","):
            canonical, maker = canonical_product(name)
            if maker:
                makers[canonical] = maker
    found = set(makers.values())
    return (found.pop() if len(found) == 1 else None), sorted(makers)


def parse(path: Path, *, vendor: str | None = None) -> Iterator[Record]:
    """Records of a FinFisher customers CSV; see the module docstring."""
    path = Path(path)
    fname = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = [h.strip() for h in next(csv.reader(fh), [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        yield Rejected(fname, "", "", f"cannot read the file: {exc}")
        return
    if COLUMNS["id"] not in header or COLUMNS["user"] not in header:
        yield Rejected(
            fname,
            "line 1",
            COLUMNS["id"],
            "not a FinFisher customers CSV: no Username / ID columns",
        )
        return
    locator, confidence = "", 1.0
    if not vendor:
        vendor = dataset_facts(path).get("vendor")
        locator = "vendor from the file's provenance (data/datasets.yaml)" if vendor else ""
    if not vendor:
        try:
            vendor, known_products = _vendor_of_products(path)
        except (csv.Error, UnicodeDecodeError) as exc:
            yield Rejected(fname, "whole file", "", f"the CSV cannot be read: {exc}")
            return
        if vendor is None:
            yield Rejected(
                fname,
                "whole file",
                COLUMNS["software"],
                "the file does not name the vendor and its products "
                f"({', '.join(known_products) or 'none known'}) are not those of one known "
                "vendor: give --vendor",
            )
            return
        locator = f"{COLUMNS['software']}: {', '.join(known_products)} are {vendor}'s (loaders.vocabulary)"
        confidence = INFERRED_CONFIDENCE
    src = file_source(path, f"Customers of FinFisher ({fname})")
    yield src
    first = Provenance(src.id, locator, confidence)
    seller = vendor_node(vendor, first)
    yield seller
    known: set[str] = set()
    try:
        for line, row in csv_rows(path):
            yield from _row(fname, Provenance(src.id, f"line {line}"), row, seller, known)
    except (csv.Error, UnicodeDecodeError) as exc:
        yield Rejected(fname, "", "", f"the CSV cannot be read past this point: {exc}")


def _row(
    fname: str, prov: Provenance, row: dict[str, str], seller: Node, known: set[str]
) -> Iterator[Record]:
    loc = prov.locator
    cell = {key: " ".join(row.get(col, "").split()) for key, col in COLUMNS.items()}
    user, acct = cell["user"], cell["id"]
    if not acct.isdigit():
        what = f"not an account id: {acct!r}" if acct else "no account id"
        yield Rejected(
            fname,
            loc,
            COLUMNS["id"],
            f"{what} (row {user!r} is not a customer account)",
            raw=",".join(row.values()),
        )
        return
    rejects: list[Rejected] = []
    licences: int | None = None
    if cell["licences"]:
        if cell["licences"].replace(",", "").isdigit():
            licences = int(cell["licences"].replace(",", ""))
        else:
            rejects.append(
                Rejected(fname, loc, COLUMNS["licences"], f"not a number: {cell['licences']!r}")
            )
    money: dict[str, float] = {}
    currencies: list[str] = []
    for key, prop in (("cost", "total_cost"), ("cost_deleted", "total_cost_with_deleted")):
        if not cell[key]:
            continue
        try:
            value, cur = parse_amount(cell[key])
        except ValueError as exc:
            rejects.append(Rejected(fname, loc, COLUMNS[key], str(exc), raw=cell[key]))
            continue
        money[prop] = value
        if cur and cur not in currencies:
            currencies.append(cur)
    products = split_cell(cell["software"], ",")
    yield from rejects
    if not licences and not money and not products:
        return  # an account that bought nothing: no sale
    if len(currencies) > 1:
        yield Rejected(fname, loc, COLUMNS["cost"], f"costs in several currencies: {currencies}")
        money, currencies = {}, []

    sale = Node(
        "Sale",
        {
            "ref": f"finfisher:{user or acct}/{acct}",
            "customer_label": cell["customer"] or None,
            "licences": licences,
            **money,
            "currency": currencies[0] if currencies else None,
            "current_customer": cell["current"].lower() in ("yes", "y", "true", "1"),
        },
        prov,
    )
    yield sale
    yield Edge("SELLER", sale.id, seller.id, prov)

    for name in products:
        prod = product_node(name, seller.props["name"], prov)
        if name not in known:  # each spelling once, so its alias is kept
            known.add(name)
            yield prod
            yield Edge("MAKES", seller.id, prod.id, prov)
            yield from variant_edges(prod, prov)
        yield Edge("SOLD", sale.id, prod.id, prov)

    if cell["customer"]:
        found = split_attribution(cell["customer"])
        if found is None:
            yield Rejected(
                fname,
                loc,
                COLUMNS["customer"],
                f"no known country in the attribution {cell['customer']!r}",
            )
            return
        country, written, agency_name = found
        state = state_node(country, prov, written)
        yield state
        yield Edge("BUYER", sale.id, state.id, prov)
        if agency_name:
            agency = Node("Agency", {"name": agency_name, "state_code": country.code}, prov)
            yield agency
            yield Edge("PART_OF", agency.id, state.id, prov)
            yield Edge("BUYER", sale.id, agency.id, prov)
