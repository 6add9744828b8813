"""How a source reads in a list of footnotes."""

from __future__ import annotations

from queries.common import SourceRef


def source_line(ref: SourceRef) -> str:
    """'Title. Publisher, date. URL.'"""
    parts = [ref.title or ref.id]
    tail = ", ".join(p for p in (ref.publisher, ref.date) if p)
    if tail:
        parts.append(tail)
    if ref.url and ref.url != parts[0]:
        parts.append(ref.url)
    return ". ".join(p.rstrip(".") for p in parts) + "."
