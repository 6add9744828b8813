"""What changed: the facts loads added, confirmed again or no longer found, per load and source.

Every node and relation carries its record time (graph/schema.yaml `record_time`, kept by
graph/writer.py): `first_seen`, `last_seen`, `lost_at` and one sighting per source and
dataset ("source|dataset|first|last|lost"). Every load is a `Load` node whose `started`
is the record time of what it wrote. So, for a window of record time (`since`, `until`]:

* **added**: facts first recorded in the window, one change per source that stated them;
* **confirmed**: facts recorded before the window that a load in it stated again (the
  latest confirmation is kept, so a fact confirmed by two loads in the window is listed
  under the later one);
* **lost**: sightings that a complete load in the window no longer contained (the fact is
  kept: it is no longer confirmed by that source in that dataset).

The answer goes through the visibility rule (graph/visibility.py) when a view is given: the
public sees no change to a node it sees only anonymously or to a relation touching one, no
sighting by a withheld source, and no admin-only or internal type; labels as it sees them.
Counts per load and kind are of what the caller may see; `total` is before `limit`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from graph.record_time import parse_sighting
from graph.schema import LOAD, Schema
from graph.store import Store
from graph.visibility import View
from queries.common import check_time, label_of

Kind = Literal["added", "confirmed", "lost"]
KINDS: tuple[Kind, ...] = ("added", "confirmed", "lost")
#: What the feed lists unless asked otherwise: what is new. A re-load confirms every fact
#: its file holds (288k for the UK licences), so confirmations are listed when asked for.
DEFAULT_KINDS: tuple[Kind, ...] = ("added", "lost")
KIND_DESCRIPTIONS: dict[str, str] = {
    "added": "first recorded by this load (one change per source that stated it)",
    "confirmed": "recorded before, stated again by this load",
    "lost": "a complete load of the dataset no longer contained it (kept, not deleted)",
}
MAX_LIMIT = 5000


@dataclass(frozen=True)
class LoadRef:
    """One load: its dataset, when it ran, what it counted."""

    id: str
    dataset: str
    started: str
    finished: str | None = None
    loader: str | None = None
    file: str | None = None
    complete: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    lost: int = 0


@dataclass(frozen=True)
class Change:
    """One fact's change by one source in one load."""

    kind: Kind
    type: str
    id: str
    label: str
    source_id: str
    dataset: str
    at: str
    load_id: str | None
    #: For a relation, the ids of its ends (as the caller sees them); None for a node.
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class ChangeCount:
    load_id: str | None
    kind: Kind
    type: str
    count: int


@dataclass(frozen=True)
class Changes:
    since: str
    until: str | None
    loads: tuple[LoadRef, ...]
    counts: tuple[ChangeCount, ...]
    changes: tuple[Change, ...]
    total: int


def _in(at: str, since: str, until: str | None) -> bool:
    return bool(at) and at > since and (until is None or at <= until)


def loads(store: Store, since: str = "", until: str | None = None) -> list[LoadRef]:
    """The loads that started in (`since`, `until`], oldest first."""
    rows = store.read(
        "MATCH (l:Load) WHERE l.started > $since AND ($until IS NULL OR l.started <= $until) "
        "RETURN properties(l) AS p ORDER BY l.started",
        since=since,
        until=until,
    )
    out = []
    for r in rows:
        p = r["p"]
        out.append(
            LoadRef(
                str(p["id"]),
                str(p.get("dataset") or ""),
                str(p.get("started") or ""),
                p.get("finished"),
                p.get("loader"),
                p.get("file"),
                bool(p.get("complete")),
                *(
                    int(p.get(k) or 0)
                    for k in ("created", "updated", "unchanged", "rejected", "lost")
                ),
            )
        )
    return out


def _sighting_changes(
    sightings: Any, since: str, until: str | None, kinds: set[str]
) -> list[tuple[Kind, str, str, str]]:
    """(kind, source, dataset, at) of one fact's sightings in the window."""
    out: list[tuple[Kind, str, str, str]] = []
    for text in sightings or ():
        source, dataset, first, last, lost = parse_sighting(text)
        if "added" in kinds and _in(first, since, until):
            out.append(("added", source, dataset, first))
        elif "confirmed" in kinds and _in(last, since, until) and first <= since:
            out.append(("confirmed", source, dataset, last))
        if "lost" in kinds and _in(lost, since, until):
            out.append(("lost", source, dataset, lost))
    return out


def changes(
    store: Store,
    since: str,
    until: str | None = None,
    *,
    view: View | None = None,
    kinds: tuple[str, ...] = DEFAULT_KINDS,
    types: tuple[str, ...] | None = None,
    limit: int = 500,
) -> Changes:
    """The changes recorded in (`since`, `until`] (record time, UTC ISO 8601), oldest first;
    at most `limit` of them listed, all of them counted."""
    since = check_time(since, "since") or ""
    until = check_time(until, "until")
    wanted: set[str] = {k for k in kinds if k in KINDS}
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown kinds {unknown}; choose from {', '.join(KINDS)}")
    if not 0 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 0 and {MAX_LIMIT}")
    schema = store.schema
    public = view is not None and view.public
    node_types = [
        nt
        for nt in schema.nodes.values()
        if nt.name != LOAD
        if not (public and (nt.admin_only or nt.internal))
    ]
    rel_types = list(schema.relations.values())
    if types is not None:
        bad = sorted(set(types) - set(schema.nodes) - set(schema.relations))
        if bad:
            raise ValueError(f"unknown node or relation types {bad}")
        node_types = [nt for nt in node_types if nt.name in types]
        rel_types = [rt for rt in rel_types if rt.name in types]
    # One query per kind (a range on one property each, which an index can serve), the
    # facts of several kinds merged by id.
    window = "x.{p} > $since AND ($until IS NULL OR x.{p} <= $until)"
    conditions = []
    if "added" in wanted:
        conditions.append(window.format(p="first_seen"))
    if "confirmed" in wanted:
        conditions.append(window.format(p="last_seen") + " AND x.first_seen <= $since")
    if "lost" in wanted:
        conditions.append(window.format(p="lost_at"))
    found_loads = loads(store, since, until)
    by_time = {ld.started: ld.id for ld in found_loads}
    items: list[Change] = []

    def read(match: str, returns: str) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for where in conditions:
            for row in store.read(
                f"MATCH {match} WHERE {where} RETURN {returns}", since=since, until=until
            ):
                found.setdefault(str(row["p"].get("id")), row)
        return list(found.values())

    def add(p: dict[str, Any], type_name: str, fact_id: str, label: str, *ends: str) -> None:
        """One Change per sighting of `p` in the window (none by a withheld source)."""
        for kind, source, dataset, at in _sighting_changes(
            p.get("sightings"), since, until, wanted
        ):
            if public and view is not None and source in view.hidden.sources:
                continue
            shown = view.hidden.dataset(dataset) if public and view is not None else dataset
            items.append(
                Change(kind, type_name, fact_id, label, source, shown, at, by_time.get(at), *ends)
            )

    if conditions:
        for nt in node_types:
            for r in read(f"(x:`{nt.name}`)", "properties(x) AS p"):
                p = r["p"]
                real = str(p["id"])
                if view is not None and view.is_hidden(real):
                    continue
                shown = view.node(nt.name, p) if view is not None else p
                add(p, nt.name, real, str(shown.get("label") or label_of(schema, nt.name, p)))
        for rt in rel_types:
            for r in read(f"(a)-[x:`{rt.name}`]->(b)", "properties(x) AS p, a.id AS a, b.id AS b"):
                p, a, b = r["p"], str(r["a"]), str(r["b"])
                # a relation the view would not show touches a redacted node: hidden too
                if view is not None and (view.is_hidden(a) or view.is_hidden(b)):
                    continue
                if public and any(_internal(schema, e) for e in (a, b)):
                    continue
                add(p, rt.name, str(p.get("id") or ""), rt.name, a, b)
    items.sort(key=lambda c: (c.at, KINDS.index(c.kind), c.type, c.id, c.source_id))
    counted = Counter((c.load_id, c.kind, c.type) for c in items)
    counts = tuple(
        ChangeCount(load, kind, t, n)
        for (load, kind, t), n in sorted(
            counted.items(), key=lambda kv: (str(kv[0][0]), KINDS.index(kv[0][1]), kv[0][2])
        )
    )
    shown_loads = tuple(
        LoadRef(
            **{
                **ld.__dict__,
                "dataset": view.text(ld.dataset),
                "file": view.text(ld.file) if ld.file else None,
            }
        )
        if view is not None
        else ld
        for ld in found_loads
    )
    return Changes(since, until, shown_loads, counts, tuple(items[:limit]), len(items))


def _internal(schema: Schema, node_id: str) -> bool:
    try:
        nt = schema.node(schema.type_of_id(node_id))
    except KeyError:
        return True
    return nt.admin_only or nt.internal
