"""The review of merge decisions: the unsure ones grouped for a person, and the
decisions exported and imported as rows (graph/resolve.py keeps them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.decisions import RESOLVER, Decision
from graph.resolve import load_decisions, resolve_type, write_decisions
from graph.store import Store


def names_of(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """The label (name) of each id still in the graph, by type."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for i in set(ids):
        by_type[store.schema.type_of_id(i)].append(i)
    out: dict[str, str] = {}
    for t, wanted in by_type.items():
        label = store.schema.node(t).label_property
        for r in store.read(
            f"MATCH (n:`{t}`) WHERE n.id IN $ids RETURN n.id AS id, n.`{label}` AS name",
            ids=sorted(wanted),
        ):
            out[r["id"]] = str(r["name"])
    return out


EXPORT_FIELDS = (
    "node_type",
    "left",
    "right",
    "judgement",
    "score",
    "method",
    "decided_by",
    "decided_at",
)


def export_rows(
    store: Store, node_type: str | None = None, judgement: str | None = None
) -> list[dict[str, Any]]:
    """Decisions as plain rows with both names (names of merged-away nodes are empty)."""
    decisions = [d for d in load_decisions(store, node_type) if judgement in (None, d.judgement)]
    names = names_of(store, (i for d in decisions for i in d.pair))
    rows: list[dict[str, Any]] = []
    for d in decisions:
        row = {k: getattr(d, k) for k in EXPORT_FIELDS}
        row["left_name"], row["right_name"] = names.get(d.left, ""), names.get(d.right, "")
        rows.append(row)
    return rows


def import_rows(store: Store, rows: Iterable[dict[str, Any]], *, apply: bool = True) -> int:
    """Write decisions from exported rows (a person's override the resolver's) and apply them."""
    decisions = [
        Decision(
            str(r["node_type"]),
            str(r["left"]),
            str(r["right"]),
            str(r["judgement"]),
            float(r["score"]) if r.get("score") is not None else None,
            str(r.get("method") or ""),
            str(r.get("decided_by") or RESOLVER),
            str(r.get("decided_at") or ""),
        )
        for r in rows
    ]
    n = write_decisions(store, decisions)
    if apply:
        for t in sorted({d.node_type for d in decisions}):
            resolve_type(store, t, changed=())
    return n


# -- the review queue -------------------------------------------------------------------------
@dataclass
class ReviewGroup:
    """Unsure decisions about one node: one question for a reviewer ("which of these are
    the same entity as the first?"), with both names of each pair."""

    node_type: str
    ids: list[str]  # the node the group is about first
    decisions: list[Decision]  # best score first
    names: dict[str, str]

    @property
    def best(self) -> float:
        return max((d.score or 0.0) for d in self.decisions)


def group_unsure(decisions: Iterable[Decision], names: dict[str, str]) -> list[ReviewGroup]:
    """The unsure decisions on nodes still in the graph (both in `names`), grouped and ranked.

    A group is one node and the nodes it is unsure about ("is Saddam Hussein Al-Tikriti
    one of these?"): each decision goes to its end with more pending decisions, so a
    chain of look-alikes does not become one group of hundreds. The group closest to a
    match comes first, then larger groups.
    """
    pending = [
        d for d in decisions if d.judgement == "unsure" and d.left in names and d.right in names
    ]
    degree: dict[str, int] = defaultdict(int)
    for d in pending:
        degree[d.left] += 1
        degree[d.right] += 1
    grouped: dict[tuple[str, str], list[Decision]] = defaultdict(list)
    for d in pending:
        anchor = max(d.pair, key=lambda i: (degree[i], i))
        grouped[(d.node_type, anchor)].append(d)
    out = []
    for (node_type, anchor), ds in grouped.items():
        ds.sort(key=lambda d: (-(d.score or 0.0), d.pair))
        ids = [anchor, *sorted({i for d in ds for i in d.pair} - {anchor})]
        out.append(ReviewGroup(node_type, ids, ds, {i: names[i] for i in ids}))
    out.sort(key=lambda g: (-g.best, -len(g.decisions), g.node_type, g.ids[0]))
    return out


def review_queue(store: Store, node_type: str | None = None) -> list[ReviewGroup]:
    """The pending (unsure) decisions of the store, grouped and ranked (`group_unsure`)."""
    decisions = [d for d in load_decisions(store, node_type) if d.judgement == "unsure"]
    return group_unsure(decisions, names_of(store, (i for d in decisions for i in d.pair)))
