"""Spyware victims in the GranittHQ "data-pegasus-victims" CSV layout (Pegasus, Candiru ...).

One row is one targeting of one victim (sometimes a small group) with the columns
name, code_name, role, affiliation, occurred, disclosed, disclosed_by, forensics_by,
pegasus_project, tech_notified, device_type, attack_result, lockdown_bypass,
attack_vector, exploit_name, first_activity, last_activity, operator, sources;
multi-valued cells use "; ". Per row the loader yields:

- an Incident (ref "<file stem>:line-<N>", a title without the target's name,
  year = earliest year of `occurred`, date = earliest `first_activity`, end_date =
  latest `last_activity`, outcome / attack_vector / exploit from their cells,
  verification "reported"; discloser, forensics, device, notifier and Pegasus
  Project flag go into its description, since the schema has no relation for them);
- a Person (`is_target`, roles from `role` in lower case, affiliation) TARGETED by it.
  When only a code name is known, the code name is the Person's name and alias and
  the description says it is a code name. A row with neither name nor code name
  still gives its Incident (title "... of an unnamed journalist"), with no Person;
- the Incident's `scope`: unknown, since the layout names the operator and not where the
  target was; a file with a `residence` column gives transnational when the residence is
  not an operator state and domestic when it is (graph.scope.incident_scope);
- USED_PRODUCT the product, USED_TACTIC "spyware", ORIGIN_STATE each operator state
  ("Mexico; El Salvador" gives two; an empty operator gives none), the Product
  OPERATED_BY each operator state and its Vendor MAKES it;
- a Source per URL of `sources`, which cites the row's facts again.

The layout is used for the victims of several spyware products, so the loader never
assumes one. A row's product and vendor come, in this order, from
`parse(path, product=..., vendor=...)` (`tnr load spyware-victims FILE --product P
--vendor V`); from the file's own `product` / `vendor` columns; from the facts that
data/datasets.yaml states for this exact file (by sha256: the shared Pegasus file is
known to be Pegasus from its provenance); or from evidence inside the row: an
`exploit_name` that graph.vocabulary.EXPLOITS attributes to exactly one product
("KISMET" -> Pegasus), cited with confidence 0.9 and said in the incident's description.
A row with none of these (or with exploits of two products) is Rejected (field
`product`), and a file in which no row says its product is refused whole, with one
Rejected naming what is missing. The vendor, when no source gives it, is the one
graph.vocabulary knows for the product, else none.

Bad cells never stop the row: a malformed date ("2021-13-01") or an unknown
operator country is reported as a Rejected naming the line and the column, and
the row is kept without that value. Dates with unknown parts ("2019-04-xx") keep
their known part ("2019-04").
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.records import Edge, Node, Provenance, Record, Rejected
from graph.scope import incident_scope
from graph.vocabulary import product_of_exploit
from loaders.common import csv_rows, dataset_facts, file_source, state_for
from loaders.countries import resolve_country
from loaders.trade import (
    partial_date,
    product_node,
    split_cell,
    tactic_node,
    vendor_node,
    web_source,
)

NAME = "spyware-victims"
DESCRIPTION = (
    "Spyware victims (GranittHQ Pegasus victims CSV layout): targets, incidents, operators"
)

NEEDED = ("name", "code_name")
#: Confidence of a product inferred from an exploit name (not stated by the row).
INFERRED_CONFIDENCE = 0.9
MISSING = (
    "the file does not say which spyware its victims were targeted with: give "
    "--product (and --vendor), or add product / vendor columns"
)


@dataclass(frozen=True)
class _Product:
    """The product of one row and where the loader has it from."""

    name: str
    vendor: str | None
    basis: str  # "given" | "column" | "dataset" | "exploit"
    note: str = ""  # for an inferred product: the evidence, in words


def _product_of(
    cell: dict[str, str], product: str | None, vendor: str | None, facts: dict[str, str]
) -> _Product | str:
    """The row's product (see the module docstring), or the reason it has none."""
    if product:
        return _Product(product, vendor or cell.get("vendor") or None, "given")
    if cell.get("product"):
        return _Product(cell["product"], vendor or cell.get("vendor") or None, "column")
    if facts.get("product"):
        return _Product(facts["product"], vendor or facts.get("vendor"), "dataset")
    exploits = split_cell(cell.get("exploit_name") or cell.get("exploit"))
    found = {e: p for e in exploits if (p := product_of_exploit(e))}
    if len(set(found.values())) == 1:
        name = next(iter(found.values()))
        named = ", ".join(found)
        return _Product(
            name,
            vendor,
            "exploit",
            f"Product inferred from the exploit name {named} "
            f"(attributed to {name} by public forensic reports).",
        )
    if found:
        return f"the exploit names point to several products ({found}): give --product"
    return MISSING


def _article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


#: How a role reads in an incident title ("a staff member", not "a staff").
_ROLE_NOUN = {"staff": "staff member", "family": "family member", "clergy": "member of the clergy"}


def _title(product: str, roles: list[str], named: bool, states: list[str]) -> str:
    who = " and ".join(_ROLE_NOUN.get(r, r) for r in roles) if roles else "person"
    who = _article(who if named else f"unnamed {who}")
    where = f" ({', '.join(states)})" if states else ""
    return f"{product} targeting of {who}{where}"


def _cite(record: Node | Edge, prov: Provenance) -> Node | Edge:
    """The same fact with another source."""
    if isinstance(record, Node):
        return Node(record.type, dict(record.props), prov, id=record.id)
    return Edge(record.type, record.source, record.target, prov, dict(record.props))


def _residences(cell: dict[str, str]) -> set[str]:
    """ISO codes of a `residence` (or `target_residence`) column, when a file has one."""
    text = cell.get("residence") or cell.get("target_residence") or ""
    return {c.code for part in split_cell(text) if (c := resolve_country(part)) is not None}


def _cells(row: dict[str, str]) -> dict[str, str]:
    return {k: " ".join((v or "").split()) for k, v in row.items()}


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [h.strip() for h in next(csv.reader(fh), [])]


def parse(path: Path, *, product: str | None = None, vendor: str | None = None) -> Iterator[Record]:
    """Records of a spyware-victims CSV; see the module docstring."""
    path = Path(path)
    fname = path.name
    try:
        header = _header(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        yield Rejected(fname, "", "", f"cannot read the file: {exc}")
        return
    missing = [c for c in NEEDED if c not in header]
    if missing:
        yield Rejected(
            fname,
            "line 1",
            missing[0],
            f"not a spyware-victims CSV: no column {', '.join(missing)}",
        )
        return
    facts = dataset_facts(path)
    try:
        told = any(
            isinstance(_product_of(_cells(row), product, vendor, facts), _Product)
            for _, row in csv_rows(path)
        )
    except (csv.Error, UnicodeDecodeError) as exc:
        yield Rejected(fname, "whole file", "", f"the CSV cannot be read: {exc}")
        return
    if not told:
        yield Rejected(
            fname,
            "whole file",
            "product",
            f"{MISSING}; no row names an exploit known to "
            "belong to one product, and the file is not a known dataset "
            "(data/datasets.yaml)",
        )
        return
    src = file_source(path, f"Spyware victims ({fname})")
    yield src
    seen: set[str] = set()
    try:
        for line, row in csv_rows(path):
            yield from _row(path, src.id, line, row, product, vendor, facts, seen)
    except (csv.Error, UnicodeDecodeError) as exc:
        yield Rejected(fname, "", "", f"the CSV cannot be read past this point: {exc}")


def _row(
    path: Path,
    source_id: str,
    line: int,
    row: dict[str, str],
    product: str | None,
    vendor: str | None,
    facts: dict[str, str],
    seen: set[str],
) -> Iterator[Record]:
    fname, loc = path.name, f"line {line}"
    prov = Provenance(source_id, loc)
    cell = _cells(row)

    # The product, its vendor and the tactic: each once per file.
    which = _product_of(cell, product, vendor, facts)
    if isinstance(which, str):
        yield Rejected(fname, loc, "product", which)
        return
    pprov = prov  # the provenance of the facts that name the product
    if which.basis == "exploit":
        pprov = Provenance(source_id, f"{loc} (exploit_name)", INFERRED_CONFIDENCE)
    elif which.basis == "dataset":
        pprov = Provenance(
            source_id, f"{loc} (product from the file's provenance, data/datasets.yaml)"
        )
    prod = product_node(which.name, which.vendor, pprov, category="spyware", is_spyware=True)
    tactic = tactic_node("spyware", prov)
    shared: list[Node | Edge] = [prod, tactic]
    if prod.props.get("vendor"):
        vend = vendor_node(prod.props["vendor"], pprov)
        shared += [vend, Edge("MAKES", vend.id, prod.id, pprov)]
    for rec in shared:
        key = rec.id if isinstance(rec, Node) else f"{rec.type}|{rec.source}|{rec.target}"
        if key not in seen:
            seen.add(key)
            yield rec

    row_facts: list[Node | Edge] = []  # the row's own facts, cited by each URL too

    # Operators.
    states: list[Node] = []
    for op in split_cell(cell.get("operator")):
        st = state_for(op, prov)
        if st is None:
            yield Rejected(fname, loc, "operator", f"not a known country: {op!r}", raw=op)
            continue
        if all(s.id != st.id for s in states):
            states.append(st)
    yield from states

    # Dates.
    rejects: list[Rejected] = []

    def dates(column: str) -> list[str]:
        out: list[str] = []
        for value in split_cell(cell.get(column)):
            try:
                out.append(partial_date(value))
            except ValueError as exc:
                rejects.append(Rejected(fname, loc, column, str(exc), raw=value))
        return out

    years: list[int] = []
    for value in split_cell(cell.get("occurred")):
        if value.isdigit() and len(value) == 4:
            years.append(int(value))
        else:
            rejects.append(Rejected(fname, loc, "occurred", f"not a year: {value!r}", raw=value))
    first, last = dates("first_activity"), dates("last_activity")
    yield from rejects

    # The target.
    name, code = cell.get("name", ""), cell.get("code_name", "")
    roles = [r.lower() for r in split_cell(cell.get("role"))]
    person: Node | None = None
    if name or code:
        props: dict[str, object] = {
            "name": name or code,
            "is_target": True,
            "roles": roles or None,
            "affiliation": cell.get("affiliation") or None,
        }
        if code:
            props["aliases"] = [code]
        if not name:
            props["description"] = f"Known only by the code name {code!r} in {fname}."
        person = Node("Person", props, prov)
        row_facts.append(person)

    # The incident.
    notes: list[str] = []
    disclosed, by = cell.get("disclosed"), "; ".join(split_cell(cell.get("disclosed_by")))
    if disclosed or by:
        notes.append(
            "Disclosed" + (f" {disclosed}" if disclosed else "") + (f" by {by}" if by else "") + "."
        )
    for column, label in (
        ("forensics_by", "Forensics by"),
        ("tech_notified", "Notified by"),
        ("device_type", "Device:"),
        ("lockdown_bypass", "Lockdown Mode bypass:"),
    ):
        if cell.get(column):
            notes.append(f"{label} {'; '.join(split_cell(cell[column]))}.")
    if which.note:
        notes.append(which.note)
    if cell.get("pegasus_project", "").lower() in ("true", "yes", "1"):
        notes.append("Named by the Pegasus Project.")
    if len(years) > 1:
        notes.append(f"Occurred in {'; '.join(map(str, years))}.")
    if len(first) > 1 or len(last) > 1:
        notes.append(f"Activity: first {'; '.join(first) or '?'}, last {'; '.join(last) or '?'}.")
    outcome = "; ".join(
        split_cell("; ".join(r.lower() for r in split_cell(cell.get("attack_result"))))
    )
    incident = Node(
        "Incident",
        {
            "ref": f"{path.stem}:line-{line}",
            "title": _title(
                prod.props["name"], roles, person is not None, [s.props["name"] for s in states]
            ),
            "year": min(years) if years else None,
            "date": min(first) if first else None,
            "end_date": max(last) if last else None,
            "outcome": outcome or None,
            "attack_vector": "; ".join(split_cell(cell.get("attack_vector"))) or None,
            "exploit": "; ".join(split_cell(cell.get("exploit_name") or cell.get("exploit")))
            or None,
            "verification": "reported",
            "target_profiles": roles or None,
            # The file names the operator, not where the target was: never transnational by default.
            "scope": incident_scope(
                {s.props["code"] for s in states}, residences=_residences(cell)
            ),
            "description": " ".join(notes) or None,
        },
        prov,
    )
    row_facts.append(incident)
    if person is not None:
        row_facts.append(Edge("TARGETED", incident.id, person.id, prov))
    row_facts.append(Edge("USED_TACTIC", incident.id, tactic.id, prov))
    # The facts that name the product; an inferred product is not the cited pages' word.
    product_facts = [Edge("USED_PRODUCT", incident.id, prod.id, pprov)]
    for st in states:
        row_facts.append(Edge("ORIGIN_STATE", incident.id, st.id, prov))
        product_facts.append(Edge("OPERATED_BY", prod.id, st.id, pprov))
    yield from row_facts
    yield from product_facts
    if which.basis != "exploit":
        row_facts += product_facts

    # Each cited URL is a Source of the row's facts.
    for url in split_cell(cell.get("sources")):
        if any(c.isspace() for c in url) or "." not in url:
            yield Rejected(fname, loc, "sources", f"not a URL: {url[:80]!r}", raw=url)
            continue
        page = web_source(url)
        yield page
        web = Provenance(page.id)
        for fact in row_facts:
            yield _cite(fact, web)
