"""Small words of the briefings' sentences: counts with their noun, lists, years, amounts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def quantity(count: int | float, word: str, plural: str | None = None) -> str:
    value = int(count) if float(count).is_integer() else count
    return f"{value:,} {word if value == 1 else (plural or word + 's')}"


def joined(items: Sequence[str], limit: int = 6) -> str:
    items = list(items)
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def year_span(years: Iterable[int]) -> str:
    ys = sorted(set(years))
    if not ys:
        return ""
    return str(ys[0]) if ys[0] == ys[-1] else f"{ys[0]}-{ys[-1]}"


def amount(v: float | None) -> str:
    if v is None:
        return ""
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.1f}"
