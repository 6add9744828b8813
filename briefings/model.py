"""The structured model of a briefing: built once from queries/, rendered three ways.

Every number shown is in a `Chart`, a `Table` or `Briefing.figures`, so a test can
compare it with the query function it came from. Every sentence, chart, row and
event carries `cites`: footnote numbers into `Briefing.sources` (1-based).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from graph.schema import Schema, load_schema
from queries.common import SourceRef

KINDS: tuple[str, ...] = ("state", "vendor", "tactic", "host")
FORMATS: tuple[str, ...] = ("md", "html", "pdf")
#: The scope of incidents a briefing counts unless asked otherwise (queries.common).
DEFAULT_SCOPE = "transnational"


@dataclass(frozen=True)
class Text:
    """A plain sentence or paragraph and the footnotes that support it."""

    text: str
    cites: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A bar chart: `labels[i]` has `values[i]` (counted from the graph unless `note` says)."""

    key: str
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    unit: str = "incidents"
    horizontal: bool = False
    cites: tuple[int, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    cites: tuple[int, ...] = ()


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str | None = None
    numeric: tuple[int, ...] = ()  # columns of counts and amounts (right-aligned, never wrapped)
    fixed: tuple[int, ...] = ()  # columns shown even when every row holds the same value


@dataclass(frozen=True)
class NetNode:
    id: str  # anonymous for a redacted person
    label: str
    type: str
    centre: bool = False


@dataclass(frozen=True)
class NetEdge:
    source: str
    target: str
    type: str


@dataclass(frozen=True)
class Network:
    title: str
    nodes: tuple[NetNode, ...]
    edges: tuple[NetEdge, ...]
    truncated: bool = False
    cites: tuple[int, ...] = ()
    left_out: tuple[tuple[str, int], ...] = ()  # (type, count) of bulk rows not drawn
    #: (type, colour) of the types drawn, from the schema's `colour:` (briefings/charts.py).
    colours: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Event:
    """One line of the timeline: an incident, a policy response, a stated figure."""

    date: str  # ISO, possibly partial ("2024", "2023-03")
    kind: str  # "incident" | "policy" | "figure" | "licence" | "sanction"
    text: str
    cites: tuple[int, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paragraphs: tuple[Text, ...] = ()
    chart: Chart | None = None
    table: Table | None = None
    network: Network | None = None
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Briefing:
    kind: str  # one of KINDS
    subject_id: str
    subject: str  # display name
    role: str  # "public" | "analyst" | ...
    title: str
    summary: tuple[Text, ...]
    sections: tuple[Section, ...]
    sources: tuple[SourceRef, ...]  # footnote n is sources[n - 1]
    figures: dict[str, float] = field(default_factory=dict)  # the key counted numbers
    #: What the briefing counts ("transnational" by default) and what it left out, said
    #: in every format: incidents of other scopes, bulk rows kept out of figures and tables.
    scope: str = DEFAULT_SCOPE
    left_out: tuple[Text, ...] = ()
    #: Row-level data behind the aggregated tables (asked for: `appendix=True`), as CSV.
    appendix: tuple[Table, ...] = ()

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def chart(self, key: str) -> Chart | None:
        return next((s.chart for s in self.sections if s.chart and s.chart.key == key), None)

    def table(self, key: str) -> Table | None:
        return next((s.table for s in self.sections if s.table and s.table.key == key), None)


def runs(cites: tuple[int, ...]) -> list[tuple[int, int]]:
    """Footnote numbers as runs: (1, 2, 3, 7) -> [(1, 3), (7, 7)]."""
    out: list[tuple[int, int]] = []
    for n in sorted(set(cites)):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


class Footnotes:
    """Numbers sources in the order they are first cited (the same source keeps its number).

    `withhold` rewrites a source before it is shown (for the public role, a withheld
    source becomes "withheld source": graph/visibility.py).
    """

    def __init__(self, withhold: Callable[[SourceRef], SourceRef] | None = None) -> None:
        self._refs: dict[str, tuple[int, SourceRef]] = {}
        self._withhold = withhold

    def cite(self, *groups: Iterable[SourceRef]) -> tuple[int, ...]:
        numbers: list[int] = []
        for group in groups:
            for ref in group:
                if ref.id not in self._refs:
                    shown = self._withhold(ref) if self._withhold else ref
                    self._refs[ref.id] = (len(self._refs) + 1, shown)
                n = self._refs[ref.id][0]
                if n not in numbers:
                    numbers.append(n)
        return tuple(sorted(numbers))

    def sources(self) -> tuple[SourceRef, ...]:
        return tuple(ref for _, ref in sorted(self._refs.values(), key=lambda x: x[0]))


def appendix_text(b: Briefing) -> str:
    """What the CSV appendix holds, or how to ask for it."""
    if b.appendix:
        return (
            "Row-level data, in the CSV appendix: "
            + "; ".join(f"{t.title} ({len(t.rows):,} rows)" for t in b.appendix)
            + "."
        )
    return (
        "Row-level data (every licence, every incident counted) is not printed: ask for the "
        "CSV appendix (tnr brief ... --appendix FILE, or the GraphQL argument appendix: true)."
    )


#: What `left_out` counts besides node types (whose words are their schema `caption:`).
OTHER_WORDS: dict[str, tuple[str, str]] = {
    "OtherScope": ("incident of another scope", "incidents of other scopes"),
}


def left_out_text(left: Iterable[tuple[str, int]], schema: Schema | None = None) -> str:
    """'1,361 export licences, 4 incidents and 2 people' (the types' `caption:` words)."""
    schema = schema or load_schema()
    parts = []
    for t, n in left:
        if t in schema.nodes:
            words = schema.nodes[t].words(n)
        else:
            one, many = OTHER_WORDS.get(t, (t.lower(), t.lower() + "s"))
            words = one if n == 1 else many
        parts.append(f"{n:,} {words}")
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def network_caption(n: Network) -> str:
    text = f"{n.title}: {len(n.nodes)} nodes, {len(n.edges)} relations."
    if n.left_out:
        text += f" Not drawn: {left_out_text(n.left_out)}."
    return text
