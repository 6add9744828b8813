"""Country names in any spelling to one ISO 3166-1 alpha-2 code.

"UAE", "United Arab Emirates", "RUSSIAN FEDERATION", "Russia", "Türkiye" and
"Turkey" must become one State each, whichever source names them. Exact names
and aliases first (pycountry's names plus the usual short forms), then a fuzzy
match with rapidfuzz for spelling variants, refused below a safe score.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry
from rapidfuzz import fuzz, process

from graph.vocabulary import fold

# Short forms and older names that pycountry does not carry, by ISO code.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "AE": ("UAE", "U.A.E.", "Emirates"),
    "RU": ("Russia", "Russian Federation", "RF"),
    "TR": ("Turkey", "Türkiye", "Turkiye", "Republic of Turkey"),
    "GB": (
        "UK",
        "U.K.",
        "United Kingdom",
        "Great Britain",
        "Britain",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
    ),
    "US": ("USA", "U.S.", "U.S.A.", "United States", "America"),
    "IR": ("Iran", "Islamic Republic of Iran"),
    "SY": ("Syria",),
    "KR": ("South Korea", "Korea, South", "Republic of Korea", "Korea (South)"),
    "KP": (
        "North Korea",
        "Korea, North",
        "DPRK",
        "Korea (North)",
        "Democratic People's Republic of Korea",
    ),
    "VN": ("Vietnam", "Viet Nam"),
    "LA": ("Laos",),
    "MD": ("Moldova",),
    "BO": ("Bolivia",),
    "VE": ("Venezuela",),
    "TZ": ("Tanzania",),
    "CZ": ("Czech Republic", "Czechia"),
    "MK": ("Macedonia", "North Macedonia", "FYROM", "Former Yugoslav Republic of Macedonia"),
    "CI": ("Ivory Coast", "Cote d'Ivoire", "Côte d'Ivoire"),
    "MM": ("Burma", "Myanmar"),
    "BA": ("Bosnia", "Bosnia-Herzegovina", "Bosnia and Herzegovina"),
    "PS": ("Palestine", "Occupied Palestinian Territories", "OPT", "West Bank", "Gaza"),
    "TW": ("Taiwan",),
    "XK": ("Kosovo",),
    "CD": (
        "DRC",
        "Democratic Republic of Congo",
        "Democratic Republic of the Congo",
        "Congo, Democratic Republic",
        "Congo (Kinshasa)",
    ),
    "CG": ("Republic of Congo", "Congo (Brazzaville)", "Congo"),
    "VA": ("Vatican", "Holy See"),
    "BN": ("Brunei",),
    "CV": ("Cape Verde",),
    "SZ": ("Swaziland", "Eswatini"),
    "TL": ("East Timor", "Timor-Leste"),
    "FM": ("Micronesia",),
    "BY": ("Belarus", "Byelorussia"),
    "KG": ("Kyrgyzstan", "Kirghizia", "Kyrgyz Republic"),
    "NL": ("Netherlands", "Holland", "The Netherlands"),
    "HK": ("Hong Kong",),
    "MO": ("Macao", "Macau"),
}

EU_MEMBERS = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)


@dataclass(frozen=True)
class Country:
    code: str
    alpha3: str
    name: str
    official_name: str | None

    @property
    def eu_member(self) -> bool:
        return self.code in EU_MEMBERS


@cache
def _countries() -> dict[str, Country]:
    out: dict[str, Country] = {}
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        out[c.alpha_2] = Country(c.alpha_2, c.alpha_3, name, getattr(c, "official_name", None))
    out["XK"] = Country("XK", "XKX", "Kosovo", "Republic of Kosovo")
    # Short names people use in reporting, where pycountry's are formal.
    for code, short in {
        "RU": "Russia",
        "IR": "Iran",
        "SY": "Syria",
        "KR": "South Korea",
        "KP": "North Korea",
        "VN": "Vietnam",
        "TR": "Türkiye",
        "MD": "Moldova",
        "VE": "Venezuela",
        "BO": "Bolivia",
        "TZ": "Tanzania",
        "LA": "Laos",
        "CZ": "Czechia",
        "PS": "Palestine",
        "GB": "United Kingdom",
        "US": "United States",
    }.items():
        c0 = out[code]
        out[code] = Country(c0.code, c0.alpha3, short, c0.official_name or c0.name)
    return out


@cache
def _index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name", "alpha_3"):
            value = getattr(c, attr, None)
            if value:
                idx.setdefault(fold(value), c.alpha_2)
        idx.setdefault(c.alpha_2.casefold(), c.alpha_2)
    for code, aliases in EXTRA_ALIASES.items():
        for alias in aliases:
            idx[fold(alias)] = code
    return idx


def country(code: str) -> Country:
    """The country with this alpha-2 code (KeyError if there is none)."""
    return _countries()[code.upper()]


def resolve_country(text: str | None, *, min_score: float = 90.0) -> Country | None:
    """The country a free-text name refers to, or None when unsure."""
    if not text or not text.strip():
        return None
    key = fold(text)
    idx = _index()
    if key in idx:
        return country(idx[key])
    if len(key) < 4:
        return None
    match = process.extractOne(key, idx.keys(), scorer=fuzz.ratio, score_cutoff=min_score)
    return country(idx[match[0]]) if match else None


def aliases_of(code: str) -> list[str]:
    """Every known spelling of a country, for search and resolution."""
    c = country(code)
    names = [c.name, *([c.official_name] if c.official_name else []), *EXTRA_ALIASES.get(code, ())]
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen
