"""Entity resolution in memory: block, score with small comparators, decide.

The `Resolver` never compares all pairs: it puts each candidate in a few blocks
(prefixes of its transliterated name tokens and of their consonants) and scores
only pairs that share a block. A pair scoring at least `high` is a match,
between `low` and `high` unsure, below `low` no match. Its `Decision`s
(graph/decisions.py) are kept as data by graph/resolve.py; a decision by a person
(`decided_by` other than "resolver") always wins over the resolver's.
"""

from __future__ import annotations

import gc
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

from graph.compare import (
    FACT_COMPARATORS,
    NAME_COMPARATORS,
    SPACELESS_SCRIPTS,
    Candidate,
    Comparator,
    NameComparator,
    NamePairs,
    Score,
    consonants,
    prime_skeletons,
    scripts,
    significant_skeleton,
    skeleton_tokens,
)
from graph.decisions import Decision
from graph.vocabulary import VENDOR_ALIASES, canonical_vendor

#: A person match needs a higher score than other types': on the EU list's labelled pairs
#: 0.92 halves the false matches of 0.9 (90 -> 41 of ~8,900) for 1.2 points of match recall,
#: and a false merge of two people is worse than a miss (the miss stays in review).
PERSON_HIGH = 0.92


@dataclass(frozen=True, slots=True)
class Comparison:
    score: float
    method: str
    scores: dict[str, Score]

    def explain(self) -> str:
        return "; ".join(f"{k} {s.value:.2f}: {s.detail}" for k, s in self.scores.items())


@dataclass(frozen=True, slots=True)
class Prepared:
    """What blocking and the quick score need of one candidate, computed once per name."""

    quick: tuple[str, ...]  # per name: significant skeleton tokens, patronymics dropped, sorted
    whole: tuple[str, ...]  # per name: the skeleton without spaces
    special: tuple[bool, ...]  # per name: one token, or a script written without vowels/spaces
    keys: tuple[frozenset[str], ...]  # per name: its blocking keys
    codes: tuple[tuple[int, ...], ...]  # per name: its blocking keys as numbers


class NameBlocks(NamedTuple):
    """Every name of a list of candidates (flattened) and the blocks over them."""

    quick: tuple[str, ...]
    whole: tuple[str, ...]
    special: tuple[bool, ...]
    owner: np.ndarray  # per name: the index of its candidate
    by_size: dict[int, np.ndarray]  # block size -> one row of ascending name indexes a block


#: Russian/Belarusian/Ukrainian/Serbian patronymics (and -ich surnames, a small loss):
#: often left out of one spelling of a name, so left out of the quick score.
_PATRONYMIC = re.compile(r"(vich|vna|ovic|evic|ich)$")


def _quick(name: str, node_type: str) -> str:
    """The quick-score form of a name, its tokens sorted: the ratio of two of these is the
    token-sort ratio of the names (what `fuzz.token_sort_ratio` does per pair, done once)."""
    tokens = significant_skeleton(name, node_type)
    if node_type == "Person":
        kept = [t for t in tokens if not (len(t) > 5 and _PATRONYMIC.search(t))]
        tokens = tuple(kept) or tokens
    return " ".join(sorted(tokens))


def _unique(codes: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (`np.unique` by sorting: its hash path is slower here)."""
    if codes.size < 2:
        return codes
    codes = np.sort(codes)
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))]


@contextmanager
def _no_collection() -> Iterator[None]:
    """No cyclic garbage collection while blocking: it makes many small objects and no
    cycles, and a collection scanning every live object cost a quarter of its time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_NONE = np.zeros(0, dtype=np.int64)
#: Hits of a short list that found nothing: no left names, no right names, no owners.
_NO_HITS: tuple[np.ndarray, np.ndarray, np.ndarray] = (_NONE, _NONE, _NONE)


@lru_cache(maxsize=1024)
def _upper_pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (a < b) of a block of `k` members."""
    a, b = np.triu_indices(k, 1)
    return a.astype(np.int64), b.astype(np.int64)


class Resolver:
    """Blocks, scores and decides over the candidates of one node type.

    Three steps, cheapest first: blocking (each name in a few blocks by token and
    consonant prefixes), a vectorised quick score of the name pairs the blocks hold
    (rapidfuzz `process.cpdist`, in C, with `workers` threads: the token-sort ratio of
    the transliterated names without patronymics, and for one-token, Arabic or Chinese
    names the ratio of the names without spaces), and the explainable comparators on
    the short list of pairs whose quick score reaches `quick_floor`, each comparator
    looking at the pairs of names that reached it (an alias like neither name cannot
    lift the score, and twelve spellings are not compared on 144 pairs). The floor is
    tuned on the EU list's known pairs (benchmarks/resolver.py reports the recall it keeps).
    """

    def __init__(
        self,
        node_type: str,
        *,
        high: float | None = None,
        low: float = 0.75,
        max_block: int = 50,
        prefix: int = 6,
        consonant_prefix: int = 5,
        quick_floor: float = 65.0,
        workers: int = 1,
    ) -> None:
        if high is None:  # tuned on the EU list's labelled pairs (benchmarks/resolver.py)
            high = PERSON_HIGH if node_type == "Person" else 0.9
        if not 0.0 < low <= high <= 1.0:
            raise ValueError("thresholds must satisfy 0 < low <= high <= 1")
        self.node_type = node_type
        self.high, self.low = high, low
        self.max_block = max_block
        self.prefix = prefix
        self.consonant_prefix = consonant_prefix
        self.quick_floor = quick_floor
        self.workers = workers
        self.name_comparators: dict[str, NameComparator] = dict(NAME_COMPARATORS)
        self.fact_comparators: dict[str, Comparator] = dict(FACT_COMPARATORS)
        #: Pairs of names given a quick score (vectorised) and pairs of candidates that
        #: reached the comparators (the short list), summed over calls.
        self.pairs_scored = 0
        self.pairs_compared = 0
        self.blocks_dropped = 0
        self._prepared: dict[tuple[str, ...], Prepared] = {}
        self._key_ids: dict[str, int] = {}
        self._name_forms: dict[str, tuple[str, str, bool, frozenset[str], tuple[int, ...]]] = {}
        self._hits = _NO_HITS

    # -- blocking ---------------------------------------------------------------------------
    def name_keys(self, name: str) -> frozenset[str]:
        """Blocking keys of one name: token and consonant prefixes, transliterated."""
        out: set[str] = set()
        tokens = significant_skeleton(name, self.node_type)
        for tok in tokens:
            if len(tok) >= 2:
                out.add("t:" + tok[: self.prefix])
            cons = consonants(tok)
            if len(cons) >= 2:
                out.add("c:" + cons[: self.consonant_prefix])
        if tokens:
            out.add("w:" + "".join(tokens)[: self.prefix + 2])
        if self.node_type == "Vendor" and canonical_vendor(name) in VENDOR_ALIASES:
            out.add("v:" + canonical_vendor(name))
        return frozenset(out)

    def prepare_all(self, cands: Iterable[Candidate]) -> None:
        """`prepare` the candidates not prepared yet, transliterating their names in one go."""
        todo = [c for c in cands if c.names not in self._prepared]
        if todo:
            with _no_collection():
                prime_skeletons(n for c in todo for n in c.names)
                for c in todo:
                    self.prepare(c)

    def prepare(self, c: Candidate) -> Prepared:
        """The skeletons and keys of a candidate's names (kept: each name is folded once)."""
        got = self._prepared.get(c.names)
        if got is None:
            forms = [self._name_forms.get(n) or self._forms(n) for n in c.names]
            got = Prepared(
                tuple(f[0] for f in forms),
                tuple(f[1] for f in forms),
                tuple(f[2] for f in forms),
                tuple(f[3] for f in forms),
                tuple(f[4] for f in forms),
            )
            self._prepared[c.names] = got
        return got

    def _forms(self, name: str) -> tuple[str, str, bool, frozenset[str], tuple[int, ...]]:
        """One name's quick form, whole form, whether it is special, keys and key numbers."""
        quick = _quick(name, self.node_type)
        whole = "".join(skeleton_tokens(name))
        special = " " not in quick or bool(scripts(name) & SPACELESS_SCRIPTS)
        keys = self.name_keys(name)
        ids = self._key_ids
        codes = tuple(ids.setdefault(k, len(ids)) for k in keys)
        out = self._name_forms[name] = (quick, whole, special, keys, codes)
        return out

    def keys(self, c: Candidate) -> set[str]:
        """Blocking keys of every name of a candidate."""
        return set().union(*self.prepare(c).keys)

    def _name_blocks(
        self,
        cands: Sequence[Candidate],
        focus: Collection[int] | None = None,
    ) -> NameBlocks:
        """Every name (prepared, flattened), its candidate, and the blocks (rows of name
        indexes, grouped by size) that hold names of two candidates or more and no more
        than `max_block`; with `focus`, only the blocks of a key of a focus candidate's
        names. The blocks are found by sorting (key, name) codes in numpy, not in a dict."""
        quick: list[str] = []
        whole: list[str] = []
        special: list[bool] = []
        owner: list[int] = []
        key_of: list[int] = []  # one entry per (name, key): the key's number
        name_of: list[int] = []  # ... and the name's index
        self.prepare_all(cands)
        for i, c in enumerate(cands):
            prep = self.prepare(c)
            for k, codes in enumerate(prep.codes, len(owner)):
                key_of.extend(codes)
                name_of.extend([k] * len(codes))
            owner.extend([i] * len(prep.quick))
            quick += prep.quick
            whole += prep.whole
            special += prep.special
        own = np.asarray(owner, dtype=np.int64)
        keys = np.asarray(key_of, dtype=np.int64)
        members = np.asarray(name_of, dtype=np.int64)
        if focus is not None:
            wanted = [k for i in focus for codes in self.prepare(cands[i]).codes for k in codes]
            inside = np.isin(keys, np.asarray(wanted, dtype=np.int64))
            keys, members = keys[inside], members[inside]
        by_size: dict[int, np.ndarray] = {}
        self.blocks_dropped = 0
        if keys.size:
            order = np.argsort(keys, kind="stable")  # stable: names stay ascending in a block
            keys, members = keys[order], members[order]
            starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
            sizes = np.diff(np.append(starts, keys.size))
            self.blocks_dropped = int((sizes > self.max_block).sum())
            last = starts + sizes - 1
            ok = (sizes > 1) & (sizes <= self.max_block)
            ok &= own[members[starts]] != own[members[last]]  # names of two candidates
            for size in np.unique(sizes[ok]).tolist():
                rows = starts[ok & (sizes == size)]
                by_size[size] = members[rows[:, None] + np.arange(size)]
        return NameBlocks(tuple(quick), tuple(whole), tuple(special), own, by_size)

    def blocks(self, cands: Sequence[Candidate]) -> dict[str, list[int]]:
        """Blocks of candidate indexes (for inspection; `shortlist` works on names)."""
        found: dict[str, set[int]] = defaultdict(set)
        for i, c in enumerate(cands):
            for key in self.keys(c):
                found[key].add(i)
        return {k: sorted(v) for k, v in found.items() if 1 < len(v) <= self.max_block}

    def shortlist(
        self, cands: Sequence[Candidate], focus: Collection[int] | None = None
    ) -> list[tuple[int, int]]:
        """Pairs of candidates (i < j) that share a block and whose quick score reaches
        `quick_floor`; with `focus`, only pairs with at least one candidate in it.

        The pairs of names in each block are gathered as arrays (numpy), deduplicated,
        and scored in one vectorised call (`process.cpdist`, in C).
        """
        with _no_collection():
            return self._shortlist(cands, focus)

    def _shortlist(
        self, cands: Sequence[Candidate], focus: Collection[int] | None
    ) -> list[tuple[int, int]]:
        names = self._name_blocks(cands, focus)
        if not names.by_size:
            self._hits = _NO_HITS
            return []
        own = names.owner
        n = own.size
        in_focus: np.ndarray | None = None
        if focus is not None:
            in_focus = np.zeros(len(cands), dtype=bool)
            in_focus[list(focus)] = True
            name_in_focus = in_focus[own]
        parts: list[np.ndarray] = []
        for size, m in names.by_size.items():  # the blocks of one size as one array
            if in_focus is not None:  # only blocks holding a name of the focus
                m = m[name_in_focus[m].any(axis=1)]
            a, b = _upper_pairs(size)
            parts.append((m[:, a] * n + m[:, b]).ravel())  # members ascend: m[a] < m[b]
        if not parts:
            self._hits = _NO_HITS
            return []
        codes = _unique(np.concatenate(parts))
        left, right = codes // n, codes % n
        keep = own[left] != own[right]
        if in_focus is not None:
            keep &= in_focus[own[left]] | in_focus[own[right]]
        left, right = left[keep], right[keep]
        self.pairs_scored += int(left.size)
        if self.node_type != "Vendor" and left.size:  # vendors: few; aliases share no letters
            quick = np.asarray(names.quick, dtype=object)  # picked by index arrays, in C
            score = process.cpdist(
                quick[left].tolist(),
                quick[right].tolist(),
                scorer=fuzz.ratio,
                dtype=np.uint8,
                workers=self.workers,
            )  # token-sort ratio: the quick forms are sorted
            flag = np.asarray(names.special, dtype=bool)
            # one token, or Arabic/Chinese...: also compared without spaces, when the quick
            # score alone does not reach the floor
            odd = np.nonzero((flag[left] | flag[right]) & (score < self.quick_floor))[0]
            if odd.size:
                whole_forms = np.asarray(names.whole, dtype=object)
                whole = process.cpdist(
                    whole_forms[left[odd]].tolist(),
                    whole_forms[right[odd]].tolist(),
                    scorer=fuzz.ratio,
                    dtype=np.uint8,
                    workers=self.workers,
                )
                score[odd] = np.maximum(score[odd], whole)
            hit = score >= self.quick_floor
            left, right = left[hit], right[hit]
        self._hits = (left, right, own)
        a, b = own[left], own[right]
        pair_codes = _unique(np.minimum(a, b) * len(cands) + np.maximum(a, b))
        first, second = np.divmod(pair_codes, len(cands))
        return list(zip(first.tolist(), second.tolist(), strict=True))

    def _hit_pairs(self, cands: Sequence[Candidate]) -> dict[int, list[tuple[str, str]]]:
        """After `shortlist`: per candidate pair code (i * n + j, i < j), the pairs of names
        (a name of i, a name of j) that reached the quick floor; the comparators look at
        those pairs only."""
        left, right, own = self._hits
        flat = [name for c in cands for name in c.names]
        out: dict[int, list[tuple[str, str]]] = defaultdict(list)
        a, b = own[left].tolist(), own[right].tolist()
        for i, j, x, y in zip(a, b, left.tolist(), right.tolist(), strict=True):
            if i < j:
                out[i * len(cands) + j].append((flat[x], flat[y]))
            else:
                out[j * len(cands) + i].append((flat[y], flat[x]))
        return out

    def candidate_pairs(self, cands: Sequence[Candidate]) -> list[tuple[int, int]]:
        """The short list over all candidates (see `shortlist`)."""
        return self.shortlist(cands)

    # -- scoring ----------------------------------------------------------------------------
    def compare(self, a: Candidate, b: Candidate, pairs: NamePairs | None = None) -> Comparison:
        """Every comparator on `a` and `b`; the name comparators are given `pairs`, the
        pairs of names the quick score found alike (None: every name with every name)."""
        scores = {k: fn(a, b, pairs) for k, fn in self.name_comparators.items()}
        best = max(scores, key=lambda k: scores[k].value)
        value = scores[best].value
        method = [f"{best}={value:.2f}"]
        for k, fn in self.fact_comparators.items():
            s = scores[k] = fn(a, b)
            if not s.known:
                continue
            if s.veto:
                value = 0.0
                method.append(f"{k}=veto")
            elif s.value >= 0.9:
                value = min(1.0, value + (0.05 if k == "birth_date" else 0.02))
                method.append(f"{k}=agree")
            else:
                value = max(0.0, value - 0.1)
                method.append(f"{k}=differ")
        return Comparison(round(value, 4), ",".join(method), scores)

    def judge(self, score: float) -> str:
        return "match" if score >= self.high else "unsure" if score >= self.low else "no-match"

    def resolve(
        self, cands: Sequence[Candidate], focus: Collection[int] | None = None
    ) -> list[Decision]:
        """Match and unsure decisions among `cands` (no-matches are not kept); with
        `focus` (indexes into `cands`), only decisions that involve one of those."""
        out: list[Decision] = []
        pairs = self.shortlist(cands, focus)
        hits = self._hit_pairs(cands) if pairs else {}
        for i, j in pairs:
            self.pairs_compared += 1
            alike = hits.get(i * len(cands) + j, [])
            names = {n for pair in alike for n in pair}
            cmp = self.compare(
                _narrowed(cands[i], names), _narrowed(cands[j], names), alike or None
            )
            judgement = self.judge(cmp.score)
            if judgement != "no-match":
                out.append(
                    Decision(
                        self.node_type, cands[i].id, cands[j].id, judgement, cmp.score, cmp.method
                    )
                )
        return out


def _narrowed(c: Candidate, names: set[str]) -> Candidate:
    """`c` with its primary name and only those aliases in `names`: a person listed under
    twelve spellings is compared on the spellings that looked alike, not on 144 pairs.
    Fewer names can only lower a score (each comparator takes the best pair)."""
    if len(c.names) <= 2:
        return c
    return c.narrowed(names)
