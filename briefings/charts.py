"""Charts and the network figure of a briefing, drawn with matplotlib (no display needed).

Rendering is deterministic: a fixed font (DejaVu Sans, shipped with matplotlib), a fixed
SVG hash salt, a seeded layout, and no date in the files' metadata. SVG keeps its text
as text (searchable, and the HTML's CSS picks the font); PNG is for the PDF.
"""

from __future__ import annotations

import io
import math
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

from graph.schema import load_schema

from .model import Chart, Network

INK = "#1f2933"
ACCENT = "#b3362d"
MUTED = "#7b8794"
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
    """A bar chart (vertical for years, horizontal for categories), as small as it can be."""
    with _style():
        n = len(chart.labels)
        if chart.horizontal:
            fig = Figure(figsize=(6.4, max(1.2, 0.24 * n + 0.6)))
            ax = fig.add_subplot()
            labels = [_short(lbl, 50) for lbl in chart.labels][::-1]
            values = list(chart.values)[::-1]
            bars = ax.barh(labels, values, color=ACCENT, height=0.62)
            ax.set_xlabel(chart.unit)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
            ax.bar_label(
                bars,
                labels=[f"{v:,.0f}" if v >= 1000 else f"{v:g}" for v in values],
                padding=3,
                fontsize=8,
            )
            ax.margins(x=0.12, y=0.02)
        else:
            fig = Figure(figsize=(max(3.2, min(6.4, 0.45 * n + 1.6)), 1.9))
            ax = fig.add_subplot()
            bars = ax.bar(list(chart.labels), list(chart.values), color=ACCENT, width=0.6)
            ax.set_ylabel(chart.unit)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            ax.bar_label(bars, labels=[f"{v:g}" for v in chart.values], padding=2, fontsize=8)
            ax.margins(y=0.2)
            if n > 12:
                ax.tick_params(axis="x", labelrotation=45)
        fig.tight_layout()
        return fig


FIRST_RING = 14  # at most this many nodes around the subject; the others on the outer ring


def _rings(network: Network, centre: str) -> dict[str, tuple[float, float]]:
    """A radial layout: the subject in the middle, what touches it on the first ring (grouped
    by type), what touches those on the outer ring beside them. Deterministic, and labels
    sit on the outside of each ring instead of on top of each other."""
    adjacent: dict[str, set[str]] = {n.id: set() for n in network.nodes}
    for e in network.edges:
        if e.source in adjacent and e.target in adjacent:
            adjacent[e.source].add(e.target)
            adjacent[e.target].add(e.source)
    types = {n.id: n.type for n in network.nodes}
    first = sorted(adjacent[centre], key=lambda i: (types[i], i))
    if len(first) > FIRST_RING:
        # a crowded inner ring: the best-connected stay on it, the others go outside
        first = sorted(
            sorted(first, key=lambda i: (-len(adjacent[i]), i))[:FIRST_RING],
            key=lambda i: (types[i], i),
        )
    pos: dict[str, tuple[float, float]] = {centre: (0.0, 0.0)}
    angle: dict[str, float] = {}
    for k, node_id in enumerate(first):
        a = 2 * math.pi * k / max(1, len(first)) + math.pi / 2
        angle[node_id] = a
        pos[node_id] = (1.2 * math.cos(a), 1.2 * math.sin(a))
    rest = [n.id for n in network.nodes if n.id not in pos]

    def around(node_id: str) -> float:
        near = [angle[m] for m in adjacent[node_id] if m in angle]
        if not near:
            return 10.0  # after everything placed by its neighbours
        x = sum(math.cos(a) for a in near)
        y = sum(math.sin(a) for a in near)
        return math.atan2(y, x) % (2 * math.pi) if (x or y) else near[0]

    outer = sorted(rest, key=lambda i: (around(i), types[i], i))
    start = around(outer[0]) if outer and around(outer[0]) < 10 else 0.0
    for k, node_id in enumerate(outer):
        a = start + 2 * math.pi * k / max(1, len(outer))
        # alternate the radius a little, so that neighbouring labels do not touch
        r = 2.2 + (0.3 if k % 2 else 0.0)
        pos[node_id] = (r * math.cos(a), r * math.sin(a))
    return pos


def network_figure(network: Network) -> Figure:
    """The story around the subject: a radial layout, nodes coloured by type."""
    with _style():
        g: nx.Graph[str] = nx.Graph()
        for node in network.nodes:
            g.add_node(node.id)
        for edge in network.edges:
            g.add_edge(edge.source, edge.target)
        fig = Figure(figsize=(7.6, 5.8 if len(network.nodes) > 8 else 3.0))
        ax = fig.add_subplot()
        ax.set_axis_off()
        if not network.nodes:
            return fig
        centre = next((n.id for n in network.nodes if n.centre), network.nodes[0].id)
        pos = _rings(network, centre)
        nx.draw_networkx_edges(g, pos, ax=ax, edge_color="#c5cbd3", width=0.8)
        types = sorted({n.type for n in network.nodes})
        colours = dict(network.colours) or load_schema().colours()  # the schema's `colour:`
        for t in types:
            ids = [n.id for n in network.nodes if n.type == t]
            sizes = [600 if i == centre else 160 for i in ids]
            nx.draw_networkx_nodes(
                g,
                pos,
                nodelist=ids,
                node_size=sizes,
                ax=ax,
                node_color=colours.get(t, MUTED),
                label=t,
            )
        for n in network.nodes:
            x, y = pos[n.id]
            text = "\n".join(textwrap.wrap(_short(n.label, 48), 22))
            if n.id == centre:
                ax.text(
                    x,
                    y - 0.16,
                    text,
                    ha="center",
                    va="top",
                    fontsize=8,
                    color=INK,
                    fontweight="bold",
                )
                continue
            r = math.hypot(x, y) or 1.0
            dx, dy = x / r, y / r
            ha = "left" if dx > 0.25 else "right" if dx < -0.25 else "center"
            va = "bottom" if dy > 0.25 else "top" if dy < -0.25 else "center"
            ax.text(x + 0.1 * dx, y + 0.1 * dy, text, ha=ha, va=va, fontsize=6.3, color=INK)
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=min(6, len(types)),
            fontsize=7,
            frameon=False,
            markerscale=0.6,
        )
        ax.set_xlim(-3.6, 3.6)
        ax.set_ylim(-3.0, 3.0)
        ax.set_aspect("equal")
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
