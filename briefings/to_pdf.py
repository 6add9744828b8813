"""A briefing as PDF, with fpdf2 (pure Python) and the DejaVu fonts that matplotlib ships.

No system library is needed (WeasyPrint would need Pango). Charts and the network
figure are embedded as PNG; footnote numbers appear as [n] and the sources close the
document. The creation date is fixed, so the same briefing gives the same bytes.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from .charts import chart_figure, network_figure, png
from .model import Briefing, Chart, Network, Section, Table, Text, runs
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
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
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


def _image(pdf: FPDF, data: bytes, width_in: float, height_in: float) -> None:
    w = pdf.epw
    h = w * height_in / width_in
    if pdf.get_y() + h > pdf.h - 18:
        pdf.add_page()
    pdf.image(io.BytesIO(data), x=pdf.l_margin, w=w, h=h)


def _chart(pdf: FPDF, c: Chart) -> None:
    fig = chart_figure(c)
    width, height = fig.get_size_inches()
    _image(pdf, png(fig), float(width), float(height))
    _note(pdf, f"{c.title} (counted from the graph)." + (f" {c.note}" if c.note else "")
          + _marks(c.cites))  # fmt: skip


def _network(pdf: FPDF, n: Network) -> None:
    fig = network_figure(n)
    width, height = fig.get_size_inches()
    _image(pdf, png(fig), float(width), float(height))
    _note(pdf, f"{n.title}: {len(n.nodes)} nodes, {len(n.edges)} relations."
          + (" Cut at the display limit." if n.truncated else "") + _marks(n.cites))  # fmt: skip


def _table(pdf: FPDF, t: Table) -> None:
    pdf.set_font("DejaVu", size=7.5)
    columns = (*t.columns, "Src")
    weights = [max(5, min(40, max([len(c), *(len(r.cells[i]) for r in t.rows)])))
               for i, c in enumerate(t.columns)] + [6]  # fmt: skip
    head = FontFace(emphasis="BOLD", fill_color=(240, 244, 248))
    with pdf.table(col_widths=tuple(weights), headings_style=head, line_height=3.8,
                   borders_layout="HORIZONTAL_LINES", text_align="LEFT") as table:  # fmt: skip
        row = table.row()
        for c in columns:
            row.cell(c)
        for r in t.rows:
            row = table.row()
            for cell in r.cells:
                row.cell(cell)
            row.cell(_numbers(r.cites))
    if t.note:
        _note(pdf, t.note)
    pdf.ln(1)


def _section(pdf: FPDF, s: Section) -> None:
    keep = 30.0
    if not s.paragraphs and (s.chart or s.network):
        fig = chart_figure(s.chart) if s.chart else network_figure(s.network)  # type: ignore[arg-type]
        width, height = fig.get_size_inches()
        keep = pdf.epw * float(height) / float(width) + 8
    _heading(pdf, s.title, keep=keep)
    for p in s.paragraphs:
        _para(pdf, p)
    if s.chart:
        _chart(pdf, s.chart)
    if s.table:
        _table(pdf, s.table)
    if s.network:
        _network(pdf, s.network)
    for e in s.events:
        pdf.set_font("DejaVu", "B", 8.5)
        pdf.cell(24, 4.4, e.date)
        pdf.set_font("DejaVu", size=8.5)
        pdf.multi_cell(0, 4.4, f"{e.kind}: {e.text}{_marks(e.cites)}", new_x="LMARGIN",
                       new_y="NEXT", align="L")  # fmt: skip
        pdf.ln(0.6)


def render_pdf(b: Briefing) -> bytes:
    pdf = _doc(b)
    _heading(pdf, b.title, 17)
    _note(pdf, f"Role: {b.role}. Every figure is counted from the graph unless it says it is "
          "stated by a source; numbers in brackets are the sources listed at the end.")  # fmt: skip
    _heading(pdf, "Summary")
    for t in b.summary:
        _para(pdf, t, bullet=True)
    for s in b.sections:
        _section(pdf, s)
    _heading(pdf, "Sources")
    pdf.set_font("DejaVu", size=8)
    for i, ref in enumerate(b.sources, 1):
        pdf.multi_cell(0, 4, f"[{i}] {source_line(ref)}", new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(0.6)
    return bytes(pdf.output())
