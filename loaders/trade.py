"""Helpers shared by the surveillance-trade loaders (spyware victims, Spy Files, FinFisher, STIX).

Vendor and Product nodes always go through `graph.vocabulary`, so "Gamma",
"Gamma Group" and "FinFisher" meet on one Vendor and "FinUSB" on "FinUSB Suite";
a variant ("FinSpy Mobile") stays a product of its own, VARIANT_OF its parent.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from graph.records import Edge, Node, Provenance, source_node
from graph.vocabulary import VARIANTS, VENDOR_ALIASES, canonical_product, canonical_vendor

#: Names of tactics this module may create, with the family of the typology
#: (data/curated/tactics.yaml gives the full definitions).
TACTIC_NAMES: dict[str, tuple[str, str]] = {
    "spyware": ("Spyware", "digital"),
}

#: Confidence of a VARIANT_OF relation taken from graph.vocabulary beside a source's product name.
VARIANT_CONFIDENCE = 0.9

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}|xx|XX)(?:-(\d{2}|xx|XX))?)?$")


def split_cell(text: str | None, sep: str = ";") -> list[str]:
    """The non-empty, trimmed, de-duplicated items of a multi-valued cell, in order."""
    out: list[str] = []
    for item in (text or "").split(sep):
        item = " ".join(item.split())
        if item and item not in out:
            out.append(item)
    return out


def partial_date(text: str) -> str:
    """ "2019-04-xx" -> "2019-04", "2016" -> "2016"; ValueError when it is not such a date.

    Unknown parts written "xx" are dropped, never guessed.
    """
    m = _PARTIAL.match(text.strip())
    if not m:
        raise ValueError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD, 'xx' for unknown): {text!r}")
    year, month, day = m.groups()
    if month is None or month.lower() == "xx":
        return year
    if not 1 <= int(month) <= 12:
        raise ValueError(f"month out of range: {text!r}")
    if day is None or day.lower() == "xx":
        return f"{year}-{month}"
    dt.date(int(year), int(month), int(day))  # ValueError on 2021-02-30
    return f"{year}-{month}-{day}"


def vendor_node(name: str, prov: Provenance, **props: Any) -> Node:
    """The Vendor named `name` in a source, under its canonical name (the given name as alias)."""
    canonical = canonical_vendor(name)
    given = " ".join(name.split())
    aliases = [a for a in (given, *VENDOR_ALIASES.get(canonical, ())) if a != canonical]
    return Node("Vendor", {"name": canonical, "aliases": aliases or None, **props}, prov)


def product_node(name: str, vendor: str | None, prov: Provenance, **props: Any) -> Node:
    """The Product named `name` (canonical name, the given one as alias) made by `vendor`.

    Without a `vendor` from the source, the vendor graph.vocabulary knows for the
    product is used ("Predator" -> Cytrox), else the product has no vendor.
    """
    canonical, known_vendor = canonical_product(name)
    maker = canonical_vendor(vendor) if vendor else known_vendor
    given = " ".join(name.split())
    aliases = props.pop("aliases", None) or []
    aliases = [a for a in (given, *aliases) if a != canonical]
    return Node(
        "Product", {"name": canonical, "vendor": maker, "aliases": aliases or None, **props}, prov
    )


def variant_edges(prod: Node, prov: Provenance) -> list[Node | Edge]:
    """The parent product and the VARIANT_OF edge, when graph.vocabulary knows `prod` as a variant."""
    parent = VARIANTS.get(str(prod.props["name"]))
    if parent is None:
        return []
    # The source names the variant; that it is a variant of `parent` is the vocabulary's word.
    said = Provenance(
        prov.source_id,
        f"{prov.locator} (VARIANT_OF per loaders.vocabulary.VARIANTS)".strip(),
        min(prov.confidence, VARIANT_CONFIDENCE),
    )
    base = product_node(parent, prod.props.get("vendor"), said)
    return [base, Edge("VARIANT_OF", prod.id, base.id, said)]


def tactic_node(code: str, prov: Provenance) -> Node:
    """A Tactic of the typology by code (the curated typology adds its definition)."""
    name, family = TACTIC_NAMES[code]
    return Node("Tactic", {"code": code, "name": name, "family": family}, prov)


def web_source(url: str, title: str = "", **props: Any) -> Node:
    """A Source node for a web page cited by a file (its title is the URL unless one is given)."""
    url = url.strip()
    return source_node(url, title or url, kind=props.pop("kind", "web-page"), url=url, **props)
