"""A briefing as PDF, with fpdf2 (pure Python) and the DejaVu fonts that matplotlib ships.

No system library is needed (WeasyPrint would need Pango). Charts and the network
figure are embedded as PNG; footnote numbers appear as [n] and the sources close the
document. The creation date is fixed, so the same briefing gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from graph.names import WITHHELD_SOURCE

from .charts import chart_figure, network_figure, png
from .model import (
    Briefing,
    Chart,
    Network,
    Section,
    Table,
    Text,
    appendix_text,
    network_caption,
    runs,
)
from .sources import source_line

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)
RED = (122, 31, 24)
GREY = (82, 96, 109)


def _marks(cites: tuple[int, ...]) -> str:
    return f" [{_numbers(cites)}]" if cites else ""


def _numbers(cites: tuple[int, ...]) -> str:
    return ",".join(
        str(a) if a == b else f"{a}{'-' if b - a >= 2 else ','}{b}" for a, b in runs(cites)
    )


class _Doc(FPDF):
    title_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=7)
        self.set_text_color(*GREY)
        self.cell(0, 6, f"{self.title_text} - page {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)


def _doc(b: Briefing) -> _Doc:
    pdf = _Doc(format="A4")
    pdf.title_text = b.title
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(b.title)
    pdf.set_author("tnr-graph")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(16, 16, 16)
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str, size: float = 13, keep: float = 30) -> None:
    """A heading, on a new page unless `keep` mm fit below it."""
    if pdf.get_y() + 12 + keep > pdf.h - 18:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", size)
    pdf.set_text_color(*RED)
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1)


def _para(pdf: FPDF, t: Text, size: float = 9.5, bullet: bool = False) -> None:
    pdf.set_font("DejaVu", size=size)
    text = ("• " if bullet else "") + t.text + _marks(t.cites)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1.2)


def _note(pdf: FPDF, text: str) -> None:
    pdf.set_font("DejaVu", "I", 8)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1)


#: Figures are drawn at 9 pt; at this scale their text reads at about the body's size.
FIGURE_SCALE = 0.8


def _image(pdf: FPDF, data: bytes, width_in: float, height_in: float) -> None:
    w = min(pdf.epw, width_in * 25.4 * FIGURE_SCALE)
    h = w * height_in / width_in
    if pdf.get_y() + h > pdf.h - 18:
        pdf.add_page()
    pdf.image(io.BytesIO(data), x=pdf.l_margin, w=w, h=h)


def _chart(pdf: FPDF, c: Chart) -> None:
    fig = chart_figure(c)
    width, height = fig.get_size_inches()
    _image(pdf, png(fig), float(width), float(height))
    _note(
        pdf,
        f"{c.title} (counted from the graph)." + (f" {c.note}" if c.note else "") + _marks(c.cites),
    )


def _network(pdf: FPDF, n: Network) -> None:
    fig = network_figure(n)
    width, height = fig.get_size_inches()
    _image(pdf, png(fig), float(width), float(height))
    _note(pdf, network_caption(n) + _marks(n.cites))


PAD_X = 1.2  # mm left and right of a table cell
TABLE_SIZES = (7.5, 7.0, 6.5, 6.0, 5.5)  # font sizes tried until no word needs breaking


def column_widths(
    pdf: FPDF, columns: Sequence[str], rows: Sequence[Sequence[str]], size: float
) -> list[float] | None:
    """Column widths (mm) at font `size` in which no word of any cell is broken: each column
    at least as wide as its longest word, the room left shared out towards each column's
    longest cell; None when the longest words alone are wider than the page."""
    pad = 2 * PAD_X + 0.6

    def width(text: str, bold: bool) -> float:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        return float(pdf.get_string_width(text))

    least, most = [], []
    for i, name in enumerate(columns):
        cells = [(name, True), *((r[i], False) for r in rows)]  # the heading is bold
        words = [(w, b) for c, b in cells for w in c.split()] or [("", False)]
        least.append(max(width(w, b) for w, b in words) + pad)
        # a heading may wrap at its spaces: only the body asks for room on one line
        most.append(max(max((width(c, b) for c, b in cells[1:]), default=0.0) + pad, least[-1]))
    pdf.set_font("DejaVu", size=size)
    page = pdf.epw - 0.05
    if sum(least) > page:
        return None
    if sum(most) <= page:
        return most
    room = page - sum(least)
    want = [m - lo for m, lo in zip(most, least, strict=True)]
    # Water-filling: a column never gets more than it wants; what it does not need goes to
    # the others, so short columns stay on one line and long text takes the rest.
    extra = [0.0] * len(least)
    open_cols = [i for i, w in enumerate(want) if w > 0]
    while room > 1e-6 and open_cols:
        share = room / len(open_cols)
        done = [i for i in open_cols if want[i] - extra[i] <= share]
        if not done:
            for i in open_cols:
                extra[i] += share
            room = 0.0
            break
        for i in done:
            room -= want[i] - extra[i]
            extra[i] = want[i]
        open_cols = [i for i in open_cols if i not in done]
    return [lo + e for lo, e in zip(least, extra, strict=True)]


def _table(pdf: FPDF, t: Table) -> None:
    cited = any(r.cites for r in t.rows)
    columns = (*t.columns, *(("Src",) if cited else ()))
    # footnote runs with a space after each comma, so that a long list may wrap
    rows = [(*r.cells, *((_numbers(r.cites).replace(",", ", "),) if cited else ())) for r in t.rows]
    size, widths = TABLE_SIZES[-1], None
    for size in TABLE_SIZES:
        widths = column_widths(pdf, columns, rows, size)
        if widths is not None:
            break
    if widths is None:  # words longer than the page: share it evenly (fpdf2 breaks them)
        widths = [pdf.epw / len(columns)] * len(columns)
    total = min(sum(widths), pdf.epw - 0.01)  # fpdf2 refuses a hair over the page width
    pdf.set_font("DejaVu", size=size)
    head = FontFace(emphasis="BOLD", fill_color=(240, 244, 248))
    align = tuple("RIGHT" if i in t.numeric else "LEFT" for i in range(len(columns)))
    with pdf.table(
        col_widths=tuple(widths),
        width=total,
        align="LEFT",
        headings_style=head,
        line_height=size * 0.5,
        padding=(0.7, PAD_X),
        borders_layout="HORIZONTAL_LINES",
        text_align=align,
    ) as table:
        row = table.row()
        for c in columns:
            row.cell(c)
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    if t.note:
        _note(pdf, t.note)
    pdf.ln(1)


def _section(pdf: FPDF, s: Section) -> None:
    keep = 30.0
    if not s.paragraphs and (s.chart or s.network):
        fig = chart_figure(s.chart) if s.chart else network_figure(s.network)  # type: ignore[arg-type]
        width, height = fig.get_size_inches()
        keep = min(pdf.epw, float(width) * 25.4 * FIGURE_SCALE) * float(height) / float(width) + 8
    _heading(pdf, s.title, keep=keep)
    for p in s.paragraphs:
        _para(pdf, p)
    if s.chart:
        _chart(pdf, s.chart)
    if s.table:
        if s.table.title != s.title:
            pdf.set_font("DejaVu", "B", 8.5)
            pdf.multi_cell(0, 4.6, s.table.title, new_x="LMARGIN", new_y="NEXT")
        _table(pdf, s.table)
    if s.network:
        _network(pdf, s.network)
    for e in s.events:
        pdf.set_font("DejaVu", "B", 8.5)
        pdf.cell(24, 4.4, e.date)
        pdf.set_font("DejaVu", size=8.5)
        pdf.multi_cell(
            0, 4.4, f"{e.kind}: {e.text}{_marks(e.cites)}", new_x="LMARGIN", new_y="NEXT", align="L"
        )
        pdf.ln(0.6)


def _source_lines(b: Briefing) -> list[tuple[int, int, str]]:
    """(first, last, text): a run of withheld sources is one line, not one line each."""
    out: list[tuple[int, int, str]] = []
    for i, ref in enumerate(b.sources, 1):
        line = source_line(ref)
        withheld = ref.title == WITHHELD_SOURCE and not ref.url
        if withheld and out and out[-1][2].startswith(WITHHELD_SOURCE) and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i, f"{WITHHELD_SOURCE}s (they name a person at risk).")
        else:
            out.append((i, i, line))
    return out


def render_pdf(b: Briefing) -> bytes:
    pdf = _doc(b)
    _heading(pdf, b.title, 17)
    _note(
        pdf,
        f"Role: {b.role}. Every figure is counted from the graph unless it says it is "
        "stated by a source; numbers in brackets are the sources listed at the end.",
    )
    _heading(pdf, "Summary")
    for t in b.summary:
        _para(pdf, t, bullet=True)
    _heading(pdf, "Scope and what is left out", 11, keep=12)
    for t in (*b.left_out, Text(appendix_text(b))):
        _para(pdf, t, size=8.5, bullet=True)
    for s in b.sections:
        _section(pdf, s)
    _heading(pdf, "Sources")
    pdf.set_font("DejaVu", size=8)
    for first, last, line in _source_lines(b):
        number = f"[{first}]" if first == last else f"[{first}-{last}]"
        pdf.multi_cell(0, 4, f"{number} {line}", new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(0.6)
    return bytes(pdf.output())
