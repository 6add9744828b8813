"""A briefing as Markdown: footnotes as `[^n]`, charts as tables of their numbers."""

from __future__ import annotations

from collections import defaultdict

from .model import (
    Briefing,
    Chart,
    Event,
    Network,
    Section,
    Table,
    Text,
    appendix_text,
    network_caption,
    runs,
)
from .sources import source_line


def marks(cites: tuple[int, ...]) -> str:
    """[^1][^2], or [^1]-[^9] for a run of three or more."""
    parts = []
    for a, b in runs(cites):
        parts.append(
            f"[^{a}]-[^{b}]" if b - a >= 2 else "".join(f"[^{n}]" for n in range(a, b + 1))
        )
    return "".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _text(t: Text) -> str:
    return t.text + marks(t.cites)


def _chart(c: Chart) -> list[str]:
    out = [f"| {c.key if c.key != 'years' else 'year'} | {c.unit} |", "|---|---:|"]
    out += [f"| {_cell(lbl)} | {v:g} |" for lbl, v in zip(c.labels, c.values, strict=True)]
    out.append("")
    out.append(f"Sources: {marks(c.cites)}" if c.cites else "")
    if c.note:
        out.append(f"*{c.note}*")
    return out


def _table(t: Table) -> list[str]:
    cited = any(r.cites for r in t.rows)
    align = ["---:" if i in t.numeric else "---" for i in range(len(t.columns))]
    out = [
        "| " + " | ".join(t.columns) + (" | src |" if cited else " |"),
        "|" + "|".join([*align, *(["---"] if cited else [])]) + "|",
    ]
    out += [
        "| " + " | ".join(_cell(c) for c in r.cells) + (f" | {marks(r.cites)} |" if cited else " |")
        for r in t.rows
    ]
    if t.note:
        out += ["", f"*{t.note}*"]
    return out


def _network(n: Network) -> list[str]:
    by_type: dict[str, list[str]] = defaultdict(list)
    for node in n.nodes:
        if not node.centre:
            by_type[node.type].append(node.label)
    out = [network_caption(n) + " The figure is in the HTML and PDF formats." + marks(n.cites), ""]
    out += [f"- **{t}**: " + "; ".join(sorted(labels)) for t, labels in sorted(by_type.items())]
    return out


def _events(events: tuple[Event, ...]) -> list[str]:
    return [f"- **{e.date}** ({e.kind}) {e.text}{marks(e.cites)}" for e in events]


def _section(s: Section) -> list[str]:
    out = [f"## {s.title}", ""]
    for p in s.paragraphs:
        out += [_text(p), ""]
    if s.chart:
        out += [*_chart(s.chart), ""]
    if s.table:
        if s.table.title != s.title:
            out += [f"**{s.table.title}**", ""]
        out += [*_table(s.table), ""]
    if s.network:
        out += [*_network(s.network), ""]
    if s.events:
        out += [*_events(s.events), ""]
    return out


def render_markdown(b: Briefing) -> str:
    lines = [
        f"# {b.title}",
        "",
        f"*Role: {b.role}. Every figure is counted from the graph unless it says it is "
        "stated by a source; every claim cites its sources.*",
        "",
        "## Summary",
        "",
    ]
    lines += [f"- {_text(t)}" for t in b.summary]
    lines += ["", "## Scope and what is left out", ""]
    lines += [f"- {_text(t)}" for t in (*b.left_out, Text(appendix_text(b)))]
    lines.append("")
    for s in b.sections:
        lines += _section(s)
    lines += ["## Sources", ""]
    lines += [f"[^{i}]: {source_line(ref)}" for i, ref in enumerate(b.sources, 1)]
    return "\n".join(lines).rstrip() + "\n"
