"""Charts and the network figure of a briefing, drawn with matplotlib (no display needed).

Rendering is deterministic: a fixed font (DejaVu Sans, shipped with matplotlib), a fixed
SVG hash salt, a seeded layout, and no date in the files' metadata. SVG keeps its text
as text (searchable, and the HTML's CSS picks the font); PNG is for the PDF.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .model import Chart, Network

INK = "#1f2933"
ACCENT = "#b3362d"
MUTED = "#7b8794"
TYPE_COLOURS: dict[str, str] = {
    "State": "#3e6fb0", "Agency": "#5b8fd1", "Incident": "#b3362d", "Person": "#e0a030",
    "Tactic": "#7a4fa0", "Vendor": "#2f8f6f", "Product": "#53b08f", "Statistic": "#8c8c8c",
    "PolicyResponse": "#c06a9a", "Organization": "#a0a060", "SanctionListing": "#333333",
    "ExportLicence": "#6a6a2a", "Sale": "#6a6a2a",
}  # fmt: skip

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.hashsalt": "tnr-graph-briefing",
    "svg.fonttype": "none",
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        yield


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def chart_figure(chart: Chart) -> Figure:
    """A bar chart (vertical for years, horizontal for categories)."""
    with _style():
        n = len(chart.labels)
        if chart.horizontal:
            fig = Figure(figsize=(6.4, max(1.4, 0.32 * n + 0.7)))
            ax = fig.add_subplot()
            labels = [_short(lbl, 34) for lbl in chart.labels][::-1]
            values = list(chart.values)[::-1]
            bars = ax.barh(labels, values, color=ACCENT, height=0.6)
            ax.set_xlabel(chart.unit)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.bar_label(bars, labels=[f"{v:g}" for v in values], padding=3, fontsize=8)
            ax.margins(x=0.12)
        else:
            fig = Figure(figsize=(6.4, 2.6))
            ax = fig.add_subplot()
            bars = ax.bar(list(chart.labels), list(chart.values), color=ACCENT, width=0.6)
            ax.set_ylabel(chart.unit)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.bar_label(bars, labels=[f"{v:g}" for v in chart.values], padding=2, fontsize=8)
            ax.margins(y=0.18)
            if n > 12:
                ax.tick_params(axis="x", labelrotation=45)
        fig.tight_layout()
        return fig


def network_figure(network: Network) -> Figure:
    """The subject's neighbourhood: a seeded spring layout, nodes coloured by type."""
    with _style():
        g: nx.Graph[str] = nx.Graph()
        for node in network.nodes:
            g.add_node(node.id)
        for edge in network.edges:
            g.add_edge(edge.source, edge.target)
        fig = Figure(figsize=(7.2, 5.4 if len(network.nodes) > 6 else 2.6))
        ax = fig.add_subplot()
        ax.set_axis_off()
        if not network.nodes:
            return fig
        centre = next((n.id for n in network.nodes if n.centre), network.nodes[0].id)
        pos = nx.spring_layout(g, seed=7, k=1.6 / max(1, len(network.nodes)) ** 0.5,
                               iterations=200, center=(0.0, 0.0))  # fmt: skip
        pos[centre] = (0.0, 0.0)
        nx.draw_networkx_edges(g, pos, ax=ax, edge_color="#c5cbd3", width=0.8)
        types = sorted({n.type for n in network.nodes})
        for t in types:
            ids = [n.id for n in network.nodes if n.type == t]
            sizes = [700 if i == centre else 220 for i in ids]
            nx.draw_networkx_nodes(g, pos, nodelist=ids, node_size=sizes, ax=ax,
                                   node_color=TYPE_COLOURS.get(t, MUTED), label=t)  # fmt: skip
        labels = {n.id: "\n\n" + "\n".join(textwrap.wrap(_short(n.label, 44), 24))
                  for n in network.nodes}  # fmt: skip
        nx.draw_networkx_labels(g, pos, labels, ax=ax, font_size=6.5, font_family="DejaVu Sans",
                                font_color=INK, verticalalignment="top")  # fmt: skip
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False,
                  markerscale=0.6)  # fmt: skip
        ax.margins(0.08)
        fig.tight_layout()
        return fig


def svg(fig: Figure) -> str:
    """The figure as an SVG element (no XML prolog, no date), for inlining in HTML."""
    buf = io.StringIO()
    with _style():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def png(fig: Figure, dpi: int = 200) -> bytes:
    """The figure as PNG bytes (for the PDF)."""
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
