"""Fuzzy, cross-script search over the names and aliases of every node type.

The embedded engine's Bolt has no full-text index, so the index lives in memory:
`SearchIndex(store).refresh()` reads every node's label, name, code, ref and
aliases; names are folded (anyascii transliteration + casefold), so "Bastrykin"
finds "БАСТРЫКИН". Person names are returned as stored; the caller redacts.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from graph.store import Store
from graph.vocabulary import fold

log = logging.getLogger(__name__)

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
    """An in-memory name index of one store; call `refresh()` after loading data.

    Ranking: a name's tokens are weighted by their rarity across the index (inverse
    document frequency over the nodes: "group", "ltd", "international" weigh little, a
    distinctive word much). A name scores by how much of the query's weight it matches
    (90 points: every query word found, exactly or as a close misspelling) and how much
    of its own weight the query covers (10 points: the whole name rather than a word of
    it); a name equal to the query scores 100, and a close misspelling of the whole name
    scores its ratio. Hits below `min_score` (the relevance floor) are cut.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._data = _Data.empty()
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        #: The store's node count when the index was read, and when (time.monotonic()).
        self.node_count = -1
        self.built_at = 0.0

    def __len__(self) -> int:
        return len(self._data.entries)

    def refresh(self) -> SearchIndex:
        with self._refreshing:
            count, when = self.store.node_count(), time.monotonic()
            data = _Data.build(self._read_entries())
            with self._lock:
                self._data, self.node_count, self.built_at = data, count, when
        return self

    def refresh_unless(self, node_count: int) -> SearchIndex:
        """Rebuild unless the index was (meanwhile) read at `node_count` nodes: many
        searches that see the same change wait for one rebuild, not one each."""
        with self._refreshing:
            if self.node_count == node_count:
                return self
        return self.refresh()

    def refresh_in_background(self) -> None:
        """Rebuild the index on a thread of its own; searches use the old one meanwhile."""
        if self._refreshing.locked():
            return  # a rebuild is on its way

        def run() -> None:
            try:
                self.refresh()
            except Exception as exc:  # the next search asks again
                log.warning("rebuilding the search index failed: %s", exc)

        threading.Thread(target=run, name="tnr-search-index", daemon=True).start()

    def _read_entries(self) -> list[_Entry]:
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
        return entries

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
            data = self._data
        scores = data.score(query, min_score)
        raw = " ".join(text.split()).casefold()
        best: dict[str, tuple[float, bool, SearchHit]] = {}
        for i, score in scores.items():
            e = data.entries[i]
            if wanted is not None and e.type not in wanted:
                continue
            # Between equal scores, the name written as the query was (same script) wins.
            rank = (round(score, 1), e.name.casefold() == raw)
            if e.id not in best or rank > best[e.id][:2]:
                best[e.id] = (*rank, SearchHit(e.id, e.type, e.label, e.name, rank[0]))
        ranked = sorted(best.values(), key=lambda b: (-b[0], not b[1], b[2].label, b[2].id))
        return [hit for _, _, hit in ranked[:limit]]


#: Two words of at least this many characters may match as misspellings of each other.
FUZZY_MIN_LEN = 4
#: Least similarity (rapidfuzz ratio, 0..100) of a misspelt word, and of a misspelt name.
WORD_CUTOFF = 80.0
NAME_CUTOFF = 88.0


@dataclass
class _Data:
    entries: list[_Entry]
    keys: list[str]  # folded names, one per entry
    tokens: list[tuple[str, ...]]  # the folded words of each entry
    postings: dict[str, list[int]]  # word -> entries that hold it
    idf: dict[str, float]
    vocab: list[str]  # the words of at least FUZZY_MIN_LEN characters

    @classmethod
    def empty(cls) -> _Data:
        return cls([], [], [], {}, {}, [])

    @classmethod
    def build(cls, entries: list[_Entry]) -> _Data:
        keys = [fold(e.name) for e in entries]
        tokens = [tuple(k.split()) for k in keys]
        postings: dict[str, list[int]] = defaultdict(list)
        nodes_with: dict[str, set[str]] = defaultdict(set)
        for i, (e, words) in enumerate(zip(entries, tokens, strict=True)):
            for w in dict.fromkeys(words):
                postings[w].append(i)
                nodes_with[w].add(e.id)
        n = len({e.id for e in entries}) or 1
        idf = {w: math.log(1 + n / len(ids)) for w, ids in nodes_with.items()}
        vocab = [w for w in postings if len(w) >= FUZZY_MIN_LEN]
        return cls(entries, keys, tokens, dict(postings), idf, vocab)

    def _similar(self, word: str) -> dict[str, float]:
        """The index's words that `word` may stand for, with their similarity (0..1)."""
        found = {word: 1.0} if word in self.postings else {}
        if len(word) >= FUZZY_MIN_LEN and self.vocab:
            for other, sim, _ in process.extract(
                word, self.vocab, scorer=fuzz.ratio, score_cutoff=WORD_CUTOFF, limit=50
            ):
                found.setdefault(other, float(sim) / 100)
        return found

    def score(self, query: str, min_score: float) -> dict[int, float]:
        """Entry index -> score (0..100) of every entry at or above `min_score`."""
        words = list(dict.fromkeys(query.split()))
        rarest = max(self.idf.values(), default=1.0)
        matches = [self._similar(w) for w in words]
        # A query word's weight: the rarity of what it most likely is (itself, or the
        # closest word of the index); a word found nowhere weighs as the rarest.
        weights = [
            self.idf[max(m, key=lambda o: (m[o], self.idf[o]))] if m else rarest for m in matches
        ]
        total = sum(weights) or 1.0
        candidates: set[int] = set()
        for m in matches:
            for other in m:
                candidates.update(self.postings[other])
        out: dict[int, float] = {}
        for i in candidates:
            key = self.keys[i]
            if key == query:
                out[i] = 100.0
                continue
            own = self.tokens[i]
            covered = 0.0
            hit_words: dict[str, float] = {}
            for m, weight in zip(matches, weights, strict=True):
                sim = max((m.get(t, 0.0) for t in own), default=0.0)
                covered += weight * sim
                for t in own:
                    if m.get(t, 0.0) == sim and sim > 0:
                        hit_words[t] = max(hit_words.get(t, 0.0), sim)
            own_weight = sum(self.idf.get(t, rarest) for t in own) or 1.0
            name_cover = sum(self.idf[t] * s for t, s in hit_words.items()) / own_weight
            score = 90.0 * covered / total + 10.0 * min(name_cover, 1.0)
            if score >= min_score:
                out[i] = score
        # A misspelling of the whole name ("Gama Grup"), and names written as one word
        # or two ("FinFisher", "Fin Fisher"): the ratio of the folded names.
        if len(query) >= 2 * FUZZY_MIN_LEN:
            for _, ratio, i in process.extract(
                query,
                self.keys,
                scorer=fuzz.ratio,
                score_cutoff=max(NAME_CUTOFF, min_score),
                limit=50,
            ):
                out[int(i)] = max(out.get(int(i), 0.0), min(float(ratio), 99.0))
        return out


_INDEXES: weakref.WeakKeyDictionary[Store, SearchIndex] = weakref.WeakKeyDictionary()
_BUILDING = threading.Lock()


def index_for(store: Store, *, refresh: bool = False) -> SearchIndex:
    """The shared index of a store, built on first use (or when `refresh`).

    Concurrent first uses build it once: the others wait for that build.
    """
    index = _INDEXES.get(store)
    if index is None:
        with _BUILDING:
            index = _INDEXES.get(store)
            if index is None:
                index = SearchIndex(store).refresh()
                _INDEXES[store] = index
                return index
    if refresh:
        index.refresh()
    return index


def warm(store: Store) -> threading.Thread:
    """Build the store's index on a thread of its own (at start), so no search waits for it."""

    def run() -> None:
        try:
            index_for(store)
        except Exception as exc:  # the first search builds it then
            log.warning("building the search index at start failed: %s", exc)

    thread = threading.Thread(target=run, name="tnr-search-warm", daemon=True)
    thread.start()
    return thread


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
    index = index_for(store, refresh=refresh) if refresh else current(store)
    return index.search(text, types=types, limit=limit, min_score=min_score)


def current(store: Store, max_age: float | None = None) -> SearchIndex:
    """The store's index, rebuilt first if the store's node count changed since it was read,
    and rebuilt in the background once it is older than `max_age` seconds."""
    index = index_for(store)
    count = store.node_count()
    if count != index.node_count:
        index.refresh_unless(count)
    elif max_age is not None and time.monotonic() - index.built_at > max_age:
        index.refresh_in_background()
    return index
