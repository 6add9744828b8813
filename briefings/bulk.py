"""Bulk rows (export licences by the hundred) as a reader can take them in: counted by control
category and year, by destination, granted and refused; the rows themselves go to the CSV
appendix (`Briefing.appendix`), never into the document."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from queries.licences import LicenceRow

from .model import Chart, Row, Table

#: Categories of the EU/UK dual-use list (Annex I of Regulation 2021/821), by first digit.
DUAL_USE: dict[str, str] = {
    "0": "Dual-use 0: nuclear",
    "1": "Dual-use 1: materials, chemicals, toxins",
    "2": "Dual-use 2: materials processing",
    "3": "Dual-use 3: electronics",
    "4": "Dual-use 4: computers",
    "5": "Dual-use 5: telecoms, interception and crypto",
    "6": "Dual-use 6: sensors and lasers",
    "7": "Dual-use 7: navigation and avionics",
    "8": "Dual-use 8: marine",
    "9": "Dual-use 9: aerospace and propulsion",
}
MILITARY = "Military List (ML1-ML22)"
NATIONAL = "UK national controls (PL)"
OTHER = "Other (embargo, end-use and catch-all refusals)"
_DUAL = re.compile(r"^([0-9])[A-E][0-9]{3}")


def control_category(code: str | None) -> str:
    """The control-list category of a rating: 'ML10' -> Military List, '5A001' -> dual-use 5."""
    c = (code or "").strip().upper()
    if re.match(r"^ML[0-9]+", c):
        return MILITARY
    m = _DUAL.match(c)
    if m:
        return DUAL_USE[m.group(1)]
    if c.startswith("PL"):
        return NATIONAL
    return OTHER


def _refused(r: LicenceRow) -> bool:
    return (r.decision or "").lower() == "refused"


def money(v: float) -> str:
    return f"{v:,.0f}"


@dataclass(frozen=True)
class LicenceFacts:
    rows: tuple[LicenceRow, ...]
    destinations: dict[str, tuple[LicenceRow, ...]]  # destination label -> its licences

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def refused(self) -> int:
        return sum(1 for r in self.rows if _refused(r))

    @property
    def years(self) -> list[int]:
        return sorted({r.year for r in self.rows if r.year is not None})

    def value(self, rows: Sequence[LicenceRow] | None = None) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for r in self.rows if rows is None else rows:
            if r.value is not None and not _refused(r):
                out[r.currency or ""] += r.value
        return dict(out)

    def categories(self) -> list[tuple[str, int]]:
        counts = Counter(control_category(r.control_code) for r in self.rows)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def refused_codes(self) -> list[tuple[str, int]]:
        counts = Counter(r.control_code or "?" for r in self.rows if _refused(r))
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _currency_text(values: dict[str, float]) -> str:
    return ", ".join(f"{money(v)} {c}".strip() for c, v in sorted(values.items()))


def category_table(facts: LicenceFacts, key: str, title: str) -> Table:
    """Licences by control category (rows) and year (columns), with totals and refusals."""
    years = facts.years
    cells: dict[str, Counter[int | None]] = defaultdict(Counter)
    refused: Counter[str] = Counter()
    value: dict[str, float] = defaultdict(float)
    for r in facts.rows:
        cat = control_category(r.control_code)
        cells[cat][r.year] += 1
        refused[cat] += _refused(r)
        if r.value is not None and not _refused(r):
            value[cat] += r.value
    undated = any(None in c for c in cells.values())
    columns = (
        "Control category",
        *(str(y) for y in years),
        *(("no year",) if undated else ()),
        "Total",
        "Refused",
        "Value granted",
    )
    rows: list[Row] = []
    for cat, total in facts.categories():
        c = cells[cat]
        rows.append(
            Row(
                (
                    cat,
                    *(str(c[y]) if c[y] else "" for y in years),
                    *((str(c[None]) if c[None] else "",) if undated else ()),
                    str(total),
                    str(refused[cat]) if refused[cat] else "",
                    money(value[cat]),
                )
            )
        )
    per_year = Counter(r.year for r in facts.rows)
    rows.append(
        Row(
            (
                "All categories",
                *(str(per_year[y]) for y in years),
                *((str(per_year[None]),) if undated else ()),
                str(facts.count),
                str(facts.refused),
                money(sum(value.values())),
            )
        )
    )
    currencies = sorted({r.currency for r in facts.rows if r.currency})
    note = (
        "Licence decisions (one per licence and control-list entry) per year of decision. "
        "Value granted: sum of the values of the granted licences"
        + (f", in {', '.join(currencies)}" if currencies else "")
        + "; refusals carry no value."
    )
    numeric = tuple(range(1, len(columns)))
    # a matrix of counts: every column stays, even one that holds one value
    return Table(
        key,
        title,
        columns,
        tuple(rows),
        note=note,
        numeric=numeric,
        fixed=tuple(range(len(columns))),
    )


def category_chart(facts: LicenceFacts, key: str, title: str, cites: tuple[int, ...]) -> Chart:
    cats = facts.categories()
    return Chart(
        key,
        title,
        tuple(c for c, _ in cats),
        tuple(float(n) for _, n in cats),
        unit="licence decisions",
        horizontal=True,
        cites=cites,
    )


def destination_table(facts: LicenceFacts, key: str, limit: int = 12) -> Table | None:
    """The largest destinations by number of licences (only when there is more than one)."""
    if len(facts.destinations) < 2:
        return None
    ranked = sorted(facts.destinations.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    rows = []
    for dest, lics in ranked[:limit]:
        refused = sum(1 for r in lics if _refused(r))
        top = Counter(control_category(r.control_code) for r in lics).most_common(1)
        rows.append(
            Row(
                (
                    dest,
                    str(len(lics)),
                    str(refused) if refused else "",
                    _currency_text(facts.value(lics)),
                    top[0][0] if top else "",
                )
            )
        )
    more = len(ranked) - limit
    note = f"{more} smaller destinations are in the CSV appendix." if more > 0 else None
    return Table(
        key,
        "Top destinations",
        ("Destination", "Licences", "Refused", "Value granted", "Largest category"),
        tuple(rows),
        note=note,
        numeric=(1, 2, 3),
    )


APPENDIX_COLUMNS = (
    "Licence",
    "Decision date",
    "Control code",
    "Control category",
    "Items",
    "Value",
    "Currency",
    "Decision",
    "Destination",
    "Exporter",
)


def _plain(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else repr(v)


def appendix_table(facts: LicenceFacts, key: str, title: str) -> Table:
    """Every licence row, as the source gives it (for the CSV appendix)."""
    rows = []
    for dest, lics in sorted(facts.destinations.items()):
        for r in lics:
            rows.append(
                Row(
                    (
                        r.ref or r.id,
                        r.decision_date or (str(r.year) if r.year else ""),
                        r.control_code or "",
                        control_category(r.control_code),
                        "" if r.count is None else str(r.count),
                        _plain(r.value),
                        r.currency or "",
                        r.decision or "",
                        dest,
                        r.exporter or "",
                    )
                )
            )
    rows.sort(key=lambda r: (r.cells[1], r.cells[0], r.cells[2]))
    return Table(key, title, APPENDIX_COLUMNS, tuple(rows))
