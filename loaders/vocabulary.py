"""Canonical names that several loaders must agree on, so that natural keys meet.

A vendor or product named differently by two sources would otherwise become two
nodes. Fuzzy resolution (graph/resolve.py) handles the long tail; the names
here are the ones the bundled data and the known datasets use.
"""

from __future__ import annotations

from loaders.countries import fold

#: Canonical vendor name -> other names used in sources.
VENDOR_ALIASES: dict[str, tuple[str, ...]] = {
    "NSO Group": ("NSO", "NSO Group Technologies", "NSO Group Technologies Ltd", "Q Cyber Technologies"),
    "Gamma Group": ("Gamma", "Gamma International", "Gamma International GmbH", "Gamma International UK",
                    "Gamma TSE", "FinFisher", "FinFisher GmbH", "Gamma Group International"),
    "Cytrox": ("Cytrox AD", "Cytrox Holdings"),
    "Intellexa": ("Intellexa Alliance", "Intellexa Consortium"),
    "Candiru": ("Saito Tech", "Sourgum"),
    "Hacking Team": ("HackingTeam", "Hacking Team srl", "Memento Labs"),
}

#: Canonical product name -> (canonical vendor, other names).
PRODUCTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Pegasus": ("NSO Group", ("NSO Pegasus",)),
    "FinSpy": ("Gamma Group", ("FinFisher spyware", "FinSpy Mobile")),
    "Predator": ("Cytrox", ("Cytrox Predator",)),
    "FinUSB Suite": ("Gamma Group", ("FinUSB",)),
}

#: Tactic codes of the typology (data/curated/tactics.yaml defines them, with sources).
TACTIC_CODES: frozenset[str] = frozenset({
    "transnational-repression",
    "physical", "assassination", "assault", "abduction", "detention", "unlawful-deportation", "rendition",
    "legal", "interpol-abuse", "extradition-request",
    "mobility", "denial-of-entry", "denial-of-services",
    "coercion", "threats-to-family", "intimidation",
    "digital", "digital-threats", "spyware", "surveillance",
})


def _alias_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for canonical, aliases in VENDOR_ALIASES.items():
        for name in (canonical, *aliases):
            idx[fold(name)] = canonical
    return idx


_VENDOR_INDEX = _alias_index()


def canonical_vendor(name: str) -> str:
    """The canonical name of a vendor if it is a known alias, else the name as given (trimmed)."""
    return _VENDOR_INDEX.get(fold(name), " ".join(name.split()))


def _product_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for canonical, (_vendor, aliases) in PRODUCTS.items():
        for name in (canonical, *aliases):
            idx[fold(name)] = canonical
    return idx


_PRODUCT_INDEX = _product_index()


def canonical_product(name: str) -> tuple[str, str | None]:
    """(canonical product name, its canonical vendor or None) for a product name in a source."""
    canonical = _PRODUCT_INDEX.get(fold(name))
    if canonical is None:
        return " ".join(name.split()), None
    return canonical, PRODUCTS[canonical][0]
