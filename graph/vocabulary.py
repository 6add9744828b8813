"""Canonical names that several loaders must agree on, so that natural keys meet, and
`fold`, the one form of a name that loaders, resolution and search compare.

A vendor or product named differently by two sources would otherwise become two
nodes. Fuzzy resolution (graph/resolve.py) handles the long tail; the names
here are the ones the bundled data and the known datasets use.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii


def fold(text: str) -> str:
    """Accent-, case-, punctuation- and script-insensitive form of a name."""
    text = unicodedata.normalize("NFKC", text)
    text = anyascii(text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"\bthe\b", " ", text)
    return " ".join(text.split())


#: Canonical vendor name -> other names used in sources.
VENDOR_ALIASES: dict[str, tuple[str, ...]] = {
    "NSO Group": (
        "NSO",
        "NSO Group Technologies",
        "NSO Group Technologies Ltd",
        "Q Cyber Technologies",
    ),
    "Gamma Group": (
        "Gamma",
        "Gamma International",
        "Gamma International GmbH",
        "Gamma International UK",
        "Gamma TSE",
        "FinFisher",
        "FinFisher GmbH",
        "Gamma Group International",
    ),
    "Cytrox": ("Cytrox AD", "Cytrox Holdings"),
    "Intellexa": ("Intellexa Alliance", "Intellexa Consortium"),
    "Candiru": ("Saito Tech", "Sourgum"),
    "Hacking Team": ("HackingTeam", "Hacking Team srl", "Memento Labs"),
}

#: Canonical product name -> (canonical vendor, other names). Aliases are true synonyms
#: only (two spellings of one product); a distinct product of the same family is a
#: product of its own, related by VARIANTS below.
#: The FinFisher (Gamma) products are the names of the `Product` column of the Spy Files
#: documents of Company "Gamma" (ali-ce/datasets, WikiLeaks-SpyFiles-Interactive/Leaked Company
#: Documents.csv; ../shared/data/spyfiles_leaked_company_documents.csv), where "FinUSB" and
#: "FinUSB Suite" name the same suite.
PRODUCTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Pegasus": ("NSO Group", ("NSO Pegasus",)),
    "FinSpy": ("Gamma Group", ("FinFisher spyware",)),
    "FinSpy Mobile": ("Gamma Group", ()),
    "Predator": ("Cytrox", ("Cytrox Predator",)),
    "FinUSB Suite": ("Gamma Group", ("FinUSB",)),
    "FinFly USB": ("Gamma Group", ()),
    "FinFly ISP": ("Gamma Group", ()),
    "FinFly LAN": ("Gamma Group", ()),
    "FinFly Web": ("Gamma Group", ()),
    "FinFly Net": ("Gamma Group", ()),
    "FinFly Exploit": ("Gamma Group", ()),
    "FinIntrusion Kit": ("Gamma Group", ()),
    "FinFireWire": ("Gamma Group", ()),
}

#: Variant -> the product it is a variant of (a VARIANT_OF relation, not an alias):
#: FinSpy Mobile is the mobile edition of FinSpy, sold and licensed separately (its own
#: documents in the Spy Files: Company "Gamma", Product "FinSpy Mobile"; its own entry in
#: the customers' "Software Purchased", beside FinSpy, in Spy Files 4).
VARIANTS: dict[str, str] = {
    "FinSpy Mobile": "FinSpy",
}

#: Exploit (or implant) names that public forensic reports attribute to exactly one product.
#: A victims file that names one of these gives evidence of the product inside the file.
#:   Trident: Citizen Lab, "The Million Dollar Dissident" (2016-08-24), citizenlab.ca/2016/08/
#:     million-dollar-dissident-iphone-zero-day-nso-group-uae/ ("a chain of zero-day exploits
#:     ... which we call Trident" used to install NSO Group's Pegasus).
#:   KISMET: Citizen Lab, "The Great iPwn" (2020-12-20), citizenlab.ca/2020/12/the-great-ipwn-
#:     journalists-hacked-with-suspected-nso-group-imessage-zero-click-exploit/.
#:   FORCEDENTRY: Citizen Lab (2021-09-13), citizenlab.ca/2021/09/forcedentry-nso-group-
#:     imessage-zero-click-exploit-captured-in-the-wild/.
#:   CVE-2019-3568: the WhatsApp vulnerability of WhatsApp Inc. v. NSO Group (N.D. Cal.,
#:     filed 2019-10-29); Citizen Lab, citizenlab.ca/2019/10/nso-q-cyber-technologies-100-new-
#:     abuse-cases/.
#:   BLASTPASS: Citizen Lab (2023-09-07), citizenlab.ca/2023/09/blastpass-nso-group-iphone-
#:     zero-click-zero-day-exploit-captured-in-the-wild/.
#:   PWNYOURHOME, FINDMYPWN, LATENTIMAGE: Citizen Lab, "Triple Threat" (2023-04-18),
#:     citizenlab.ca/2023/04/nso-groups-pegasus-spyware-returns-in-2022/.
EXPLOITS: dict[str, str] = {
    "Trident": "Pegasus",
    "KISMET": "Pegasus",
    "FORCEDENTRY": "Pegasus",
    "CVE-2019-3568": "Pegasus",
    "BLASTPASS": "Pegasus",
    "PWNYOURHOME": "Pegasus",
    "FINDMYPWN": "Pegasus",
    "LATENTIMAGE": "Pegasus",
}

#: Tactic codes of the typology (data/curated/tactics.yaml defines them, with sources).
TACTIC_CODES: frozenset[str] = frozenset(
    {
        "transnational-repression",
        "physical",
        "assassination",
        "assault",
        "abduction",
        "detention",
        "unlawful-deportation",
        "rendition",
        "legal",
        "interpol-abuse",
        "extradition-request",
        "mobility",
        "denial-of-entry",
        "denial-of-services",
        "coercion",
        "threats-to-family",
        "intimidation",
        "digital",
        "digital-threats",
        "spyware",
        "surveillance",
    }
)


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


_EXPLOIT_INDEX = {fold(name): product for name, product in EXPLOITS.items()}


def product_of_exploit(name: str) -> str | None:
    """The one product an exploit or implant name belongs to (graph.vocabulary.EXPLOITS), else None."""
    return _EXPLOIT_INDEX.get(fold(name))
