"""A briefing as one self-contained HTML page: inline CSS, inline SVG charts, no external asset."""

from __future__ import annotations

from html import escape

from .charts import chart_figure, network_figure, svg
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

CSS = """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1f2933;
       max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.5; }
h1 { font-size: 1.7rem; border-bottom: 3px solid #b3362d; padding-bottom: .4rem; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; color: #7a1f18; }
h3 { font-size: .95rem; margin: 1rem 0 .3rem; }
.meta { color: #52606d; font-size: .9rem; }
ul.summary li { margin: .35rem 0; }
sup a { text-decoration: none; color: #b3362d; font-size: .75em; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption, .note { color: #52606d; font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .6rem 0; }
th, td { border-bottom: 1px solid #d9e2ec; padding: .3rem .45rem; text-align: left;
         vertical-align: top; word-break: normal; overflow-wrap: normal; hyphens: none; }
th { background: #f0f4f8; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.src { white-space: nowrap; }
th:first-child, td:first-child { min-width: 11rem; }
.scope { background: #f0f4f8; border-left: 3px solid #3e6fb0; padding: .4rem .8rem; }
.scope p { margin: .25rem 0; font-size: .9rem; }
@media print { body { margin: 0 auto; } section { break-inside: auto; }
  figure, tr { break-inside: avoid; } h2 { break-after: avoid; } }
ol.timeline { list-style: none; padding-left: 0; border-left: 3px solid #d9e2ec; }
ol.timeline li { margin: .35rem 0 .35rem .8rem; }
.date { font-weight: bold; display: inline-block; min-width: 7.5rem; }
.kind { font-size: .75rem; text-transform: uppercase; color: #fff; background: #7b8794;
        border-radius: .2rem; padding: 0 .3rem; margin-right: .3rem; }
.kind-incident { background: #b3362d; } .kind-policy { background: #c06a9a; }
.kind-figure { background: #3e6fb0; }
ol.sources { font-size: .85rem; } ol.sources li { margin: .25rem 0; word-break: break-word; }
"""


def marks(cites: tuple[int, ...]) -> str:
    if not cites:
        return ""
    links = ",".join(
        f'<a href="#src-{a}">{a}</a>'
        if a == b
        else f'<a href="#src-{a}">{a}</a>{"-" if b - a >= 2 else ","}<a href="#src-{b}">{b}</a>'
        for a, b in runs(cites)
    )
    return f"<sup>[{links}]</sup>"


def _text(t: Text) -> str:
    return escape(t.text) + marks(t.cites)


def _chart(c: Chart) -> str:
    note = f" {escape(c.note)}" if c.note else ""
    return (
        f"<figure>{svg(chart_figure(c))}<figcaption>{escape(c.title)} "
        f"(counted from the graph).{note}{marks(c.cites)}</figcaption></figure>"
    )


def _numeric(t: Table) -> set[int]:
    """Columns of counts (right-aligned, never wrapped): those the table names, and any whose
    every cell is a number and that is not a year column."""
    return set(t.numeric) | {
        i
        for i, name in enumerate(t.columns)
        if "year" not in name.lower()
        and t.rows
        and all(r.cells[i].replace(",", "").isdigit() or not r.cells[i] for r in t.rows)
    }


def _table(t: Table) -> str:
    nums = _numeric(t)
    cited = any(r.cites for r in t.rows)
    head = "".join(
        f'<th class="num">{escape(c)}</th>' if i in nums else f"<th>{escape(c)}</th>"
        for i, c in enumerate(t.columns)
    ) + ("<th>Sources</th>" if cited else "")
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(c)}</td>' if i in nums else f"<td>{escape(c)}</td>"
            for i, c in enumerate(r.cells)
        )
        + (f'<td class="src">{marks(r.cites)}</td>' if cited else "")
        + "</tr>"
        for r in t.rows
    )
    note = f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def _network(n: Network) -> str:
    return (
        f"<figure>{svg(network_figure(n))}<figcaption>{escape(network_caption(n))}"
        f"{marks(n.cites)}</figcaption></figure>"
    )


def _events(events: tuple[Event, ...]) -> str:
    items = "".join(
        f'<li><span class="date">{escape(e.date)}</span><span class="kind kind-{escape(e.kind)}">'
        f"{escape(e.kind)}</span>{escape(e.text)}{marks(e.cites)}</li>"
        for e in events
    )
    return f'<ol class="timeline">{items}</ol>'


def _section(s: Section) -> str:
    parts = [f'<section id="{escape(s.key)}"><h2>{escape(s.title)}</h2>']
    parts += [f"<p>{_text(p)}</p>" for p in s.paragraphs]
    if s.chart:
        parts.append(_chart(s.chart))
    if s.table:
        if s.table.title != s.title:
            parts.append(f"<h3>{escape(s.table.title)}</h3>")
        parts.append(_table(s.table))
    if s.network:
        parts.append(_network(s.network))
    if s.events:
        parts.append(_events(s.events))
    parts.append("</section>")
    return "\n".join(parts)


def render_html(b: Briefing) -> str:
    summary = "".join(f"<li>{_text(t)}</li>" for t in b.summary)
    sources = "".join(
        f'<li id="src-{i}">{escape(source_line(ref))}</li>' for i, ref in enumerate(b.sources, 1)
    )
    body = "\n".join(_section(s) for s in b.sections)
    scope = "".join(f"<p>{_text(t)}</p>" for t in (*b.left_out, Text(appendix_text(b))))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(b.title)}</title><style>{CSS}</style></head>
<body>
<h1>{escape(b.title)}</h1>
<p class="meta">Role: {escape(b.role)}. Every figure is counted from the graph unless it says it is
stated by a source; every claim cites its sources (numbers in brackets).</p>
<section id="summary"><h2>Summary</h2><ul class="summary">{summary}</ul></section>
<section id="scope" class="scope"><h2>Scope and what is left out</h2>{scope}</section>
{body}
<section id="sources"><h2>Sources</h2><ol class="sources">{sources}</ol></section>
</body></html>
"""
