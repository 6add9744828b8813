"""Fuzzy, cross-script search over the names and aliases of every node type.

The embedded engine's Bolt has no full-text index, so the index lives in memory:
`SearchIndex(store).refresh()` reads every node's label, name, code, ref and
aliases; names are folded (anyascii transliteration + casefold), so "Bastrykin"
finds "БАСТРЫКИН". Person names are returned as stored; the caller redacts.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from graph.store import Store
from loaders.countries import fold

#: Properties searched besides the type's label_property and aliases.
NAME_PROPERTIES: tuple[str, ...] = (
    "name",
    "title",
    "code",
    "ref",
    "reference",
    "party_name",
    "alpha3",
)


@dataclass(frozen=True)
class SearchHit:
    id: str
    type: str
    label: str
    matched: str  # the name or alias that matched, as stored
    score: float  # 0..100


@dataclass(frozen=True)
class _Entry:
    id: str
    type: str
    label: str
    name: str


class SearchIndex:
    """An in-memory name index of one store; call `refresh()` after loading data."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._entries: list[_Entry] = []
        self._keys: list[str] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def refresh(self) -> SearchIndex:
        entries: list[_Entry] = []
        for nt in self.store.schema.nodes.values():
            if nt.admin_only or nt.internal:
                continue  # the audit log and bookkeeping are never search results
            props = [nt.label_property, *(p for p in NAME_PROPERTIES if p in nt.properties)]
            props = list(dict.fromkeys(props))
            fields = ", ".join(f"n.`{p}` AS `{p}`" for p in props)
            aliases = "n.aliases AS aliases" if "aliases" in nt.properties else "null AS aliases"
            rows = self.store.read(f"MATCH (n:`{nt.name}`) RETURN n.id AS id, {fields}, {aliases}")
            for row in rows:
                label = str(row.get(nt.label_property) or row["id"])
                names = [row.get(p) for p in props] + list(row.get("aliases") or [])
                seen: set[str] = set()
                for name in names:
                    if name is None or not str(name).strip() or str(name) in seen:
                        continue
                    seen.add(str(name))
                    entries.append(_Entry(row["id"], nt.name, label, str(name)))
        keys = [fold(e.name) for e in entries]
        with self._lock:
            self._entries, self._keys = entries, keys
        return self

    def search(
        self,
        text: str,
        *,
        types: Iterable[str] | None = None,
        limit: int = 20,
        min_score: float = 70.0,
    ) -> list[SearchHit]:
        """Nodes whose name or alias matches `text`, best first (one hit per node)."""
        query = fold(text)
        if not query:
            return []
        wanted = set(types) if types is not None else None
        with self._lock:
            entries, keys = self._entries, self._keys
        if wanted is not None:
            chosen = [i for i, e in enumerate(entries) if e.type in wanted]
        else:
            chosen = list(range(len(entries)))
        matches = process.extract(
            query, {i: keys[i] for i in chosen}, scorer=_score, score_cutoff=min_score,
            limit=max(limit * 5, 50),
        )  # fmt: skip
        raw = " ".join(text.split()).casefold()
        best: dict[str, tuple[float, bool, SearchHit]] = {}
        for _, score, i in matches:
            e = entries[int(i)]
            # Between equal scores, the name written as the query was (same script) wins.
            rank = (round(float(score), 1), e.name.casefold() == raw)
            if e.id not in best or rank > best[e.id][:2]:
                best[e.id] = (*rank, SearchHit(e.id, e.type, e.label, e.name, rank[0]))
        hits = [hit for _, _, hit in best.values()]
        return sorted(hits, key=lambda h: (-h.score, h.label, h.id))[:limit]


def _score(query: str, choice: str, *, score_cutoff: float | None = None, **_: object) -> float:
    """Exact > whole-word match > fuzzy: WRatio, lifted when the query is a word of the name."""
    if query == choice:
        return 100.0
    if min(len(query), len(choice)) <= 3:
        # A code such as "KH" or "AM" is inside many words ("Dobrokhotov", "Gamma"):
        # short names and short queries match only as whole words.
        return 95.0 if f" {query} " in f" {choice} " or f" {choice} " in f" {query} " else 0.0
    score = float(fuzz.WRatio(query, choice))
    if f" {query} " in f" {choice} ":
        score = max(score, 95.0)
    return score


_INDEXES: weakref.WeakKeyDictionary[Store, SearchIndex] = weakref.WeakKeyDictionary()


def index_for(store: Store, *, refresh: bool = False) -> SearchIndex:
    """The shared index of a store, built on first use (or when `refresh`)."""
    index = _INDEXES.get(store)
    if index is None:
        index = _INDEXES[store] = SearchIndex(store).refresh()
    elif refresh:
        index.refresh()
    return index


def search(
    store: Store,
    text: str,
    *,
    types: Iterable[str] | None = None,
    limit: int = 20,
    min_score: float = 70.0,
    refresh: bool = False,
) -> list[SearchHit]:
    """Fuzzy, cross-script search of every node type's names and aliases."""
    return index_for(store, refresh=refresh).search(
        text, types=types, limit=limit, min_score=min_score
    )
