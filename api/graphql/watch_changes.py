"""What changed in a watch's answer: rows added and removed, figures moved, and the facts
of the change feed that caused it, with their sources (see api/graphql/watching.py)."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from graph.schema import SOURCE
from graph.store import Store
from graph.visibility import View
from graph.watches import Watch
from queries.changes import MAX_LIMIT, changes

#: Causes listed at most per notification.
MAX_CAUSES = 200
#: Answer keys that move on every confirming load (not evidence): left out of comparisons.
CONFIRMATIONS = frozenset({"lastSeen", "sightings"})


def canonical(data: Any) -> str:
    return json.dumps(
        _without_confirmations(data), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def _without_confirmations(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_confirmations(v) for k, v in data.items() if k not in CONFIRMATIONS}
    if isinstance(data, list):
        return [_without_confirmations(v) for v in data]
    return data


def diff(old: Any, new: Any) -> dict[str, list[dict[str, Any]]]:
    """Rows added and removed (list items, matched by id or another unique key) and figures
    moved (a value at the same place that changed), each with its path in the answer."""
    out: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "moved": []}
    _walk(old, new, "", out)
    return out


def _row_key(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    for holder in (item, item.get("node")):
        if isinstance(holder, dict) and isinstance(holder.get("id"), str):
            return str(holder["id"])
    return None


def _key_field(old: list[Any], new: list[Any]) -> str | None:
    """A scalar field unique within each list that matches rows without ids (year, name ...):
    of those, the one whose values old and new rows share most (a count that moved shares
    none), then a usual key name."""
    items = old + new
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    best: tuple[int, int, str] | None = None
    for name, value in items[0].items():
        if not isinstance(value, str | int) or isinstance(value, bool):
            continue
        if not all(
            all(name in i for i in rows) and len({repr(i[name]) for i in rows}) == len(rows)
            for rows in (old, new)
        ):
            continue
        shared = len({repr(i[name]) for i in old} & {repr(i[name]) for i in new})
        usual = int(name in ("id", "key", "code", "year", "name", "label", "title"))
        if best is None or (shared, usual) > best[:2]:
            best = (shared, usual, str(name))
    return best[2] if best else None


def _walk(old: Any, new: Any, path: str, out: dict[str, list[dict[str, Any]]]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new)):
            _walk(old.get(k), new.get(k), f"{path}.{k}" if path else k, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        keys: list[Any] = [_row_key(i) for i in old + new]
        field = None if all(k is not None for k in keys) else _key_field(old, new)
        if all(k is not None for k in keys):
            by_old = {_row_key(i): i for i in old}
            by_new = {_row_key(i): i for i in new}
        elif field is not None:
            by_old = {str(i[field]): i for i in old}
            by_new = {str(i[field]): i for i in new}
        else:  # a multiset of values
            left = Counter(canonical(i) for i in old)
            for i in new:
                if left[canonical(i)] > 0:
                    left[canonical(i)] -= 1
                else:
                    out["added"].append({"path": path, "row": i})
            right = Counter(canonical(i) for i in new)
            for i in old:
                if right[canonical(i)] > 0:
                    right[canonical(i)] -= 1
                else:
                    out["removed"].append({"path": path, "row": i})
            return
        for k, row in by_new.items():
            if k not in by_old:
                out["added"].append({"path": path, "key": k, "row": row})
        for k, row in by_old.items():
            if k not in by_new:
                out["removed"].append({"path": path, "key": k, "row": row})
            else:
                _walk(row, by_new[k], f"{path}[{k}]", out)
        return
    if old != new:
        out["moved"].append({"path": path, "before": old, "after": new})


def answer_ids(data: Any, view: View) -> set[str]:
    """Every node or relation id the answer holds."""
    found: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif (
            isinstance(x, str)
            and "_" in x
            and " " not in x
            and (x.startswith(("rel_", "anon_")) or _is_node_id(view, x))
        ):
            found.add(x)

    walk(data)
    return found


def _is_node_id(view: View, text: str) -> bool:
    try:
        view.schema.type_of_id(text)
    except KeyError:
        return False
    return True


def _read_types(watch: Watch, view: View) -> set[str]:
    """The node types a question reads: named by its fields ("incidentsPerYear": Incident)."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", watch.query)}
    joined = " ".join(words)
    out = set()
    for nt in view.schema.nodes.values():
        if nt.internal or nt.admin_only:
            continue
        names = {nt.name.lower(), re.findall(r"[A-Z][a-z]+", nt.name)[-1].lower()}
        if any(n in joined for n in names):
            out.add(nt.name)
    return out


def find_causes(
    store: Store, view: View, watch: Watch, old: Any, new: Any, *, since: str, until: str
) -> list[dict[str, Any]]:
    """The added and lost facts in (since, until] behind a changed answer, one entry per fact,
    each with its sources (titles) and citations as the watch's role sees them."""
    if not until or until <= since:
        return []
    feed = changes(store, since, until, view=view, kinds=("added", "lost"), limit=MAX_LIMIT)
    ids = answer_ids(old, view) | answer_ids(new, view)
    real = {r for r in (view.real_id(i) if i.startswith("anon_") else i for i in ids) if r}
    near: set[str] = set()
    by_type: dict[str, list[str]] = {}
    for i in sorted(real):
        if _is_node_id(view, i):
            by_type.setdefault(view.schema.type_of_id(i), []).append(i)
    for type_name, wanted in by_type.items():  # one relation away (by label: indexed)
        rows = store.read(
            f"MATCH (a:`{type_name}`)--(b) WHERE a.id IN $ids RETURN DISTINCT b.id AS id",
            ids=wanted,
        )
        near.update(str(r["id"]) for r in rows)
    types = _read_types(watch, view) if not real else set()
    picked: dict[tuple[str, str], dict[str, Any]] = {}
    for c in feed.changes:
        if real:
            relevant = c.id in real or c.id in near or c.start in real or c.end in real
        else:
            relevant = c.kind == "added" and c.type in types
        if not relevant:
            continue
        key = (c.kind, c.id)
        if key not in picked:
            if len(picked) >= MAX_CAUSES:
                continue
            picked[key] = {
                "kind": c.kind,
                "type": c.type,
                "id": view.shown_id(c.id),
                "label": c.label,
                "at": c.at,
                "load": c.load_id,
                "sources": [],
            }
            if c.start is not None:
                picked[key].update(start=c.start, end=c.end or "")
        picked[key]["sources"].append({"id": c.source_id, "dataset": c.dataset})
    causes = list(picked.values())
    _cite(store, view, causes)
    _name_ends(store, view, causes)
    return causes


def _name_ends(store: Store, view: View, causes: list[dict[str, Any]]) -> None:
    """A relation's label: its ends' labels (as the role sees them) around its type."""
    ends = sorted({c[k] for c in causes if "start" in c for k in ("start", "end")})
    labels: dict[str, str] = {}
    by_type: dict[str, list[str]] = {}
    for i in ends:
        if _is_node_id(view, i):
            by_type.setdefault(view.schema.type_of_id(i), []).append(i)
    for type_name, wanted in by_type.items():
        for r in store.read(
            f"MATCH (n:`{type_name}`) WHERE n.id IN $ids RETURN properties(n) AS p", ids=wanted
        ):
            labels[str(r["p"]["id"])] = str(view.node(type_name, r["p"])["label"])
    for c in causes:
        if "start" in c:
            a, b = c["start"], c["end"]
            c["label"] = f"{labels.get(a, a)} {c['type']} {labels.get(b, b)}"
            c["start"], c["end"] = view.shown_id(a), view.shown_id(b)


def _cite(store: Store, view: View, causes: list[dict[str, Any]]) -> None:
    """Each cause's sources with their titles and the fact's citations of them."""
    source_ids = sorted({s["id"] for c in causes for s in c["sources"]})
    titles: dict[str, str] = {}
    if source_ids:
        for r in store.read(
            "MATCH (s:Source) WHERE s.id IN $ids RETURN properties(s) AS p", ids=source_ids
        ):
            shown = view.node(SOURCE, r["p"])
            titles[str(r["p"]["id"])] = str(shown.get("title") or shown.get("label") or "")
    node_ids = [c["id"] for c in causes if "start" not in c]
    rel_ids = [c["id"] for c in causes if "start" in c]
    cited: dict[str, list[str]] = {}
    if node_ids:
        for r in store.read(
            "MATCH (n) WHERE n.id IN $ids RETURN n.id AS id, n.citations AS c", ids=node_ids
        ):
            cited[str(r["id"])] = view.citations_of(r["c"])
    if rel_ids:
        for r in store.read(
            "MATCH ()-[e]->() WHERE e.id IN $ids RETURN e.id AS id, e.citations AS c", ids=rel_ids
        ):
            cited[str(r["id"])] = view.citations_of(r["c"])
    for c in causes:
        for s in c["sources"]:
            s["title"] = titles.get(s["id"], "")
            s["citations"] = [x for x in cited.get(c["id"], []) if x.split("|", 1)[0] == s["id"]]


def row_label(row: Any) -> str:
    holder = row.get("node", row) if isinstance(row, dict) else row
    if isinstance(holder, dict):
        for k in ("label", "title", "name", "id"):
            if isinstance(holder.get(k), str):
                return str(holder[k])
    return json.dumps(holder, ensure_ascii=False)[:80]


def summarize(
    watch: Watch, found: dict[str, list[dict[str, Any]]], causes: list[dict[str, Any]]
) -> str:
    """One line: rows added to and removed from the answer (by label), changes inside the
    rows it already had, figures moved, and how many facts are behind it."""
    parts = []
    for kind in ("added", "removed"):
        rows = [r for r in found[kind] if "[" not in r["path"]]  # rows of the answer itself
        if rows:
            names = ", ".join(row_label(r["row"]) for r in rows[:3])
            more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
            parts.append(f"{len(rows)} {kind} ({names}{more})")
    inner = sum(1 for k in ("added", "removed") for r in found[k] if "[" in r["path"])
    if inner:
        parts.append(f"{inner} details added or removed in rows it had")
    if found["moved"]:
        parts.append(f"{len(found['moved'])} figures moved")
    why = (
        f"; {len(causes)} new or lost facts behind it"
        if causes
        else "; no load since the last check (an edit?)"
    )
    return f"{watch.name}: " + (", ".join(parts) or "the answer changed") + why
