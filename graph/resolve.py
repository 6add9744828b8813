"""Entity resolution: block, score with small comparators, decide, and keep the decisions as data.

The `Resolver` never compares all pairs: it puts each candidate in a few blocks
(prefixes of its transliterated name tokens and of their consonants) and scores
only pairs that share a block. A pair scoring at least `high` is a match,
between `low` and `high` unsure, below `low` no match. Decisions are written
as `MergeDecision` nodes (see graph/schema.yaml); a decision by a person
(`decided_by` other than "resolver") always wins over the resolver's.

`resolve_store` runs the resolver over the graph and merges every match into
its canonical node (graph/merge.py). It repeats until nothing merges, so a
second call changes nothing; on a re-load that recreates a merged duplicate
(same natural key, same id), the stored match is applied again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from graph.compare import (
    FACT_COMPARATORS,
    NAME_COMPARATORS,
    SPACELESS_SCRIPTS,
    Candidate,
    Comparator,
    Score,
    consonants,
    prime_skeletons,
    scripts,
    significant_skeleton,
    skeleton_tokens,
)
from graph.merge import merge_many
from graph.records import Node, Provenance, source_node
from graph.schema import MERGE_DECISION, load_schema
from graph.settings import Settings
from graph.store import Store
from graph.vocabulary import VENDOR_ALIASES, canonical_vendor
from graph.writer import Writer

RESOLVER = "resolver"
JUDGEMENTS = ("match", "no-match", "unsure")
#: A person match needs a higher score than other types': on the EU list's labelled pairs
#: 0.92 halves the false matches of 0.9 (90 -> 41 of ~8,900) for 1.2 points of match recall,
#: and a false merge of two people is worse than a miss (the miss stays in review).
PERSON_HIGH = 0.92


def resolver_source() -> Node:
    return source_node("tnr-graph:resolver", "tnr-graph entity resolver", kind="software")


def review_source() -> Node:
    return source_node("tnr-graph:review", "tnr-graph review decisions", kind="review")


@dataclass(frozen=True, slots=True)
class Comparison:
    score: float
    method: str
    scores: dict[str, Score]

    def explain(self) -> str:
        return "; ".join(f"{k} {s.value:.2f}: {s.detail}" for k, s in self.scores.items())


@dataclass(frozen=True, slots=True)
class Decision:
    """A judgement on two nodes of one type; `left` < `right`, so each pair has one id."""

    node_type: str
    left: str
    right: str
    judgement: str
    score: float | None = None
    method: str = ""
    decided_by: str = RESOLVER
    decided_at: str = ""

    def __post_init__(self) -> None:
        if self.judgement not in JUDGEMENTS:
            raise ValueError(
                f"judgement must be one of {', '.join(JUDGEMENTS)}, got {self.judgement!r}"
            )
        if self.left == self.right:
            raise ValueError("a decision needs two different nodes")
        if self.left > self.right:
            left, right = self.right, self.left
            object.__setattr__(self, "left", left)
            object.__setattr__(self, "right", right)

    @property
    def pair(self) -> tuple[str, str]:
        return self.left, self.right

    @property
    def by_person(self) -> bool:
        return self.decided_by != RESOLVER

    def node(self, source: Node) -> Node:
        props: dict[str, Any] = {
            "node_type": self.node_type,
            "left": self.left,
            "right": self.right,
            "judgement": self.judgement,
            "score": self.score,
            "method": self.method or None,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at or dt.date.today().isoformat(),
        }
        return Node(MERGE_DECISION, props, Provenance(source.id, f"{self.left}~{self.right}"))


@lru_cache(maxsize=200_000)
def _skeleton(name: str) -> str:
    return " ".join(skeleton_tokens(name))


@dataclass(frozen=True, slots=True)
class Prepared:
    """What blocking and the quick score need of one candidate, computed once per name."""

    quick: tuple[str, ...]  # per name: significant skeleton tokens, patronymics dropped, sorted
    whole: tuple[str, ...]  # per name: the skeleton without spaces
    special: tuple[bool, ...]  # per name: one token, or a script written without vowels/spaces
    keys: tuple[frozenset[str], ...]  # per name: its blocking keys


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
    the short list of pairs whose quick score reaches `quick_floor`. The floor is tuned
    on the EU list's known pairs (benchmarks/resolver.py reports the recall it keeps).
    """

    def __init__(
        self,
        node_type: str,
        *,
        high: float | None = None,
        low: float = 0.75,
        max_block: int = 150,
        prefix: int = 4,
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
        self.quick_floor = quick_floor
        self.workers = workers
        self.name_comparators: dict[str, Comparator] = dict(NAME_COMPARATORS)
        self.fact_comparators: dict[str, Comparator] = dict(FACT_COMPARATORS)
        #: Pairs of names given a quick score (vectorised) and pairs of candidates that
        #: reached the comparators (the short list), summed over calls.
        self.pairs_scored = 0
        self.pairs_compared = 0
        self.blocks_dropped = 0
        self._prepared: dict[tuple[str, ...], Prepared] = {}
        empty = np.zeros(0, dtype=np.int64)
        self._hits: tuple[np.ndarray, np.ndarray, np.ndarray] = (empty, empty, empty)

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
                out.add("c:" + cons[:3])
        if tokens:
            out.add("w:" + "".join(tokens)[: self.prefix + 2])
        if self.node_type == "Vendor" and canonical_vendor(name) in VENDOR_ALIASES:
            out.add("v:" + canonical_vendor(name))
        return frozenset(out)

    def prepare_all(self, cands: Iterable[Candidate]) -> None:
        """`prepare` the candidates not prepared yet, transliterating their names in one go."""
        todo = [c for c in cands if c.names not in self._prepared]
        if todo:
            prime_skeletons(n for c in todo for n in c.names)
            for c in todo:
                self.prepare(c)

    def prepare(self, c: Candidate) -> Prepared:
        """The skeletons and keys of a candidate's names (kept: each name is folded once)."""
        got = self._prepared.get(c.names)
        if got is None:
            quick = tuple(_quick(n, self.node_type) for n in c.names)
            whole = tuple(_skeleton(n).replace(" ", "") for n in c.names)
            special = tuple(
                " " not in q or bool(scripts(n) & SPACELESS_SCRIPTS)
                for n, q in zip(c.names, quick, strict=True)
            )
            got = Prepared(quick, whole, special, tuple(self.name_keys(n) for n in c.names))
            self._prepared[c.names] = got
        return got

    def keys(self, c: Candidate) -> set[str]:
        """Blocking keys of every name of a candidate."""
        return set().union(*self.prepare(c).keys)

    def _name_blocks(
        self,
        cands: Sequence[Candidate],
        focus: Collection[int] | None = None,
    ) -> tuple[Prepared, list[int], list[list[int]]]:
        """Every name (prepared, flattened), its candidate, and the blocks (lists of name
        indexes) that hold names of two candidates or more and no more than `max_block`;
        with `focus`, only the blocks of a key of a focus candidate's names."""
        quick: list[str] = []
        whole: list[str] = []
        special: list[bool] = []
        owner: list[int] = []
        found: dict[str, list[int]] = defaultdict(list)
        self.prepare_all(cands)
        wanted: frozenset[str] | None = None
        if focus is not None:
            wanted = frozenset().union(*(k for i in focus for k in self.prepare(cands[i]).keys))
        for i, c in enumerate(cands):
            prep = self.prepare(c)
            for k, keys in enumerate(prep.keys, len(owner)):
                owner.append(i)
                for key in keys if wanted is None else keys & wanted:
                    found[key].append(k)
            quick += prep.quick
            whole += prep.whole
            special += prep.special
        blocks: list[list[int]] = []
        self.blocks_dropped = 0
        for members in found.values():
            if len(members) > self.max_block:
                self.blocks_dropped += 1
            elif len(members) > 1 and owner[members[0]] != owner[members[-1]]:
                blocks.append(members)
        return Prepared(tuple(quick), tuple(whole), tuple(special), ()), owner, blocks

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
        names, owner, blocks = self._name_blocks(cands, focus)
        if not blocks:
            return []
        own = np.asarray(owner, dtype=np.int64)
        n = len(owner)
        in_focus: np.ndarray | None = None
        if focus is not None:
            in_focus = np.zeros(len(cands), dtype=bool)
            in_focus[list(focus)] = True
            name_in_focus = in_focus[own]
        parts: list[np.ndarray] = []
        for members in blocks:
            m = np.asarray(members, dtype=np.int64)
            if in_focus is not None and not name_in_focus[m].any():
                continue  # no name of the focus in this block: none of its pairs is wanted
            a, b = _upper_pairs(len(members))
            parts.append(m[a] * n + m[b])  # members are ascending: m[a] < m[b]
        if not parts:
            self._hits = (np.zeros(0, dtype=np.int64),) * 3
            return []
        codes = _unique(np.concatenate(parts))
        left, right = codes // n, codes % n
        keep = own[left] != own[right]
        if in_focus is not None:
            keep &= in_focus[own[left]] | in_focus[own[right]]
        left, right = left[keep], right[keep]
        self.pairs_scored += int(left.size)
        if self.node_type != "Vendor" and left.size:  # vendors: few; aliases share no letters
            li, ri = left.tolist(), right.tolist()
            quick = names.quick
            score = process.cpdist(
                [quick[k] for k in li],
                [quick[k] for k in ri],
                scorer=fuzz.ratio,
                dtype=np.uint8,
                workers=self.workers,
            )  # token-sort ratio: the quick forms are sorted
            flag = np.asarray(names.special, dtype=bool)
            odd = np.nonzero(flag[left] | flag[right])[0]
            if odd.size:  # one token, or Arabic/Chinese...: also compared without spaces
                whole = process.cpdist(
                    [names.whole[li[k]] for k in odd.tolist()],
                    [names.whole[ri[k]] for k in odd.tolist()],
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
        return [(int(c) // len(cands), int(c) % len(cands)) for c in pair_codes]

    def _hit_names(self, cands: Sequence[Candidate]) -> dict[int, set[str]]:
        """After `shortlist`: per candidate pair code, the names (of either side) in a name
        pair that reached the quick floor; the comparators look at those names only."""
        left, right, own = self._hits
        flat = [n for c in cands for n in c.names]
        out: dict[int, set[str]] = defaultdict(set)
        a, b = own[left], own[right]
        codes = (np.minimum(a, b) * len(cands) + np.maximum(a, b)).tolist()
        for code, x, y in zip(codes, left.tolist(), right.tolist(), strict=True):
            out[code].update((flat[x], flat[y]))
        return out

    def candidate_pairs(self, cands: Sequence[Candidate]) -> list[tuple[int, int]]:
        """The short list over all candidates (see `shortlist`)."""
        return self.shortlist(cands)

    # -- scoring ----------------------------------------------------------------------------
    def compare(self, a: Candidate, b: Candidate) -> Comparison:
        scores = {k: fn(a, b) for k, fn in self.name_comparators.items()}
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
        hits = self._hit_names(cands) if pairs else {}
        for i, j in pairs:
            self.pairs_compared += 1
            names = hits.get(i * len(cands) + j, set())
            cmp = self.compare(_narrowed(cands[i], names), _narrowed(cands[j], names))
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


# -- the store side ---------------------------------------------------------------------------
_COUNTRY_PROPS = ("country", "nationality", "residence_country", "state_code")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def load_candidates(
    store: Store, node_type: str, ids: Collection[str] | None = None
) -> list[Candidate]:
    """The candidates of a type (with `ids`: of those nodes only, one read), by id. Only
    the properties a candidate reads are returned (not `properties(n)`)."""
    nt = store.schema.node(node_type)
    label = nt.label_property
    wanted = [k for k in ("aliases", "birth_date", *_COUNTRY_PROPS) if k in nt.properties]
    fields = ", ".join(
        [f"n.`{label}` AS p0"] + [f"n.`{k}` AS p{i}" for i, k in enumerate(wanted, 1)]
    )
    ret = f"RETURN n.id AS id, {fields}, n.source_ids AS sources"
    if ids is None:
        rows = store.read(f"MATCH (n:`{node_type}`) {ret}")
    elif not ids:
        return []
    else:
        rows = store.read(f"MATCH (n:`{node_type}`) WHERE n.id IN $ids {ret}", ids=sorted(ids))
    out: list[Candidate] = []
    for row in rows:
        p = {label: row["p0"], **{k: row[f"p{i}"] for i, k in enumerate(wanted, 1)}}
        name = p.get(label)
        if not row["id"] or not name:
            continue
        countries = tuple(sorted({c for k in _COUNTRY_PROPS for c in _as_list(p.get(k))}))
        out.append(
            Candidate(
                str(row["id"]),
                node_type,
                str(name),
                tuple(_as_list(p.get("aliases"))),
                str(p["birth_date"]) if p.get("birth_date") else None,
                countries,
                len(_as_list(row["sources"])),
            )
        )
    return sorted(out, key=lambda c: c.id)


def load_decisions(
    store: Store, node_type: str | None = None, touching: Collection[str] | None = None
) -> list[Decision]:
    """The stored decisions (of one type); with `touching`, only a person's decisions and
    the resolver's on a pair with a node in `touching` (one read either way)."""
    where = "($t IS NULL OR m.node_type = $t)"
    if touching:
        where += " AND (m.decided_by <> $r OR m.left IN $ids OR m.right IN $ids)"
    elif touching is not None:
        where += " AND m.decided_by <> $r"
    rows = store.read(
        f"MATCH (m:MergeDecision) WHERE {where} "
        "RETURN m.node_type AS t, m.left AS l, m.right AS r, m.judgement AS j, m.score AS s, "
        "m.method AS m, m.decided_by AS b, m.decided_at AS a",
        t=node_type,
        r=RESOLVER,
        ids=sorted(touching or ()),
    )
    out = [
        Decision(
            r["t"], r["l"], r["r"], r["j"], r["s"], r["m"] or "", r["b"] or RESOLVER, r["a"] or ""
        )
        for r in rows
    ]
    return sorted(out, key=lambda d: (d.node_type, d.pair))


def write_decisions(store: Store, decisions: Iterable[Decision]) -> int:
    """Write decisions through the shared writer, each with the resolver or review Source."""
    by_resolver, by_person = resolver_source(), review_source()
    records: list[Node] = []
    for d in decisions:
        records.append(d.node(by_person if d.by_person else by_resolver))
    if not records:
        return 0
    Writer(store, origin="resolver").write([by_resolver, by_person, *records])
    return len(records)


@dataclass
class TypeReport:
    node_type: str
    nodes: int = 0
    #: Nodes resolved against the rest (new or changed since the last resolution).
    focus: int = 0
    pairs_scored: int = 0
    pairs_compared: int = 0
    matches: int = 0
    unsure: int = 0
    merged: int = 0
    decisions_written: int = 0
    seconds: float = 0.0


@dataclass
class ResolveReport:
    types: list[TypeReport] = field(default_factory=list)

    @property
    def merged(self) -> int:
        return sum(t.merged for t in self.types)

    @property
    def decisions_written(self) -> int:
        return sum(t.decisions_written for t in self.types)


def fingerprint(c: Candidate) -> str:
    """A digest of what the resolver reads of a node: a node whose digest is unchanged
    since the last resolution needs no new comparison."""
    text = "\x1f".join([*c.names, "\x1e", c.birth_date or "", *c.countries])
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class ResolveIndex:
    """Which nodes were resolved, and in what state (node id -> fingerprint), kept between
    loads in a small JSON file beside the store's data (`index_path`).

    The file holds ids and digests only, never names (the object also keeps, in memory
    only, what it saw of each type: see `TypeMemory` and `resolve_type`). A load that
    changed no node of a type the index knows skips that type without reading it; a
    load without resolution
    (`--no-resolve`) records its nodes as pending, for the next load that resolves. When
    a type is read, a node missing from the index or with another digest (changed by
    another client or an edit) is resolved too. A lost or unreadable file only costs
    time: everything is resolved.
    """

    VERSION = 1

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        #: What this index object saw of each type, kept in memory (never saved): loads in
        #: one process read only the nodes they changed and compare them against it.
        self.memory: dict[str, TypeMemory] = {}
        self.seen: dict[str, dict[str, str]] = {}
        #: Ids written by loads without resolution (`tnr load --no-resolve`), by type.
        self.pending: dict[str, set[str]] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == self.VERSION:
                    self.seen = {t: dict(v) for t, v in data.get("types", {}).items()}
                    self.pending = {t: set(v) for t, v in data.get("pending", {}).items()}
            except (OSError, ValueError, AttributeError, TypeError):
                self.seen, self.pending = {}, {}

    def knows(self, node_type: str) -> bool:
        """The type was resolved through this index and no load left nodes of it pending:
        a load that changed no node of the type need not read the type at all."""
        return node_type in self.seen and not self.pending.get(node_type)

    def stale(self, node_type: str, cands: Iterable[Candidate]) -> set[str]:
        known = self.seen.get(node_type, {})
        out = {c.id for c in cands if known.get(c.id) != fingerprint(c)}
        return out | self.pending.get(node_type, set())

    def update(
        self,
        node_type: str,
        cands: Iterable[Candidate] | dict[str, Candidate],
        only: Collection[str] | None = None,
    ) -> None:
        """Record the present state of the type's nodes; with `only` (and `cands` by id),
        of those ids only: the rest are as this index last recorded them."""
        if only is None or not isinstance(cands, dict):
            values = cands.values() if isinstance(cands, dict) else cands
            self.seen[node_type] = {c.id: fingerprint(c) for c in values}
        else:
            seen = self.seen.setdefault(node_type, {})
            for i in only:
                c = cands.get(i)
                if c is None:
                    seen.pop(i, None)
                else:
                    seen[i] = fingerprint(c)
        self.pending.pop(node_type, None)

    def mark_pending(
        self, changed: dict[str, set[str]], types: Sequence[str] | None = None
    ) -> None:
        """Remember what a load without resolution wrote, for the next load that resolves
        (of the `types`; by default the schema's `matchable` ones)."""
        types = load_schema().matchable if types is None else types
        for node_type, ids in changed.items():
            if ids and node_type in types:
                self.pending.setdefault(node_type, set()).update(ids)

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        pending = {t: sorted(v) for t, v in self.pending.items()}
        tmp.write_text(
            json.dumps({"version": self.VERSION, "types": self.seen, "pending": pending}),
            encoding="utf-8",
        )
        tmp.replace(self.path)


@dataclass
class TypeMemory:
    """The candidates of one type as the last resolution left them (with their prepared
    names, in `resolver`), the resolver's live decisions, the node count then, and the
    ids merged away (a node written again under such an id has stored decisions)."""

    cands: dict[str, Candidate]
    decisions: dict[tuple[str, str], Decision]
    resolver: Resolver
    count: int
    gone: set[str] = field(default_factory=set)


def _count(store: Store, node_type: str) -> int:
    return int(store.read(f"MATCH (n:`{node_type}`) RETURN count(n) AS c")[0]["c"])


def index_path(settings: Settings) -> Path:
    """Where the resolve index of the store these settings open is kept."""
    where = (
        f"{settings.neo4j_uri}/{settings.neo4j_database}"
        if settings.uses_neo4j
        else str(settings.engine_dir.resolve())
    )
    digest = hashlib.blake2b(where.encode(), digest_size=6).hexdigest()
    return settings.data_dir / "resolver" / f"index-{digest}.json"


def _effective(stored: list[Decision], fresh: list[Decision]) -> dict[tuple[str, str], Decision]:
    """Per pair: a person's decision, else the resolver's fresh one, else its stored one."""
    out: dict[tuple[str, str], Decision] = {d.pair: d for d in stored if not d.by_person}
    out.update({d.pair: d for d in fresh})
    out.update({d.pair: d for d in stored if d.by_person})
    return out


def _clusters(decisions: Iterable[Decision], present: set[str]) -> list[list[str]]:
    """Groups of ids to merge: matches joined unless a no-match lies between the groups."""
    parent: dict[str, str] = {}
    members: dict[str, set[str]] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    apart: set[tuple[str, str]] = {d.pair for d in decisions if d.judgement == "no-match"}
    matches = [d for d in decisions if d.judgement == "match" and set(d.pair) <= present]
    matches.sort(key=lambda d: (not d.by_person, -(d.score or 0.0), d.pair))
    for d in matches:
        ra, rb = find(d.left), find(d.right)
        if ra == rb:
            continue
        ga, gb = members.get(ra, {ra}), members.get(rb, {rb})
        if any((min(x, y), max(x, y)) in apart for x in ga for y in gb):
            continue
        root, other = min(ra, rb), max(ra, rb)
        parent[other] = root
        members[root] = ga | gb
        members.pop(other, None)
    return sorted(sorted(g) for g in members.values() if len(g) > 1)


def resolve_type(
    store: Store,
    node_type: str,
    resolver: Resolver | None = None,
    *,
    changed: Collection[str] | None = None,
    index: ResolveIndex | None = None,
    max_rounds: int = 5,
) -> TypeReport:
    """Resolve the nodes of one type and merge the matches.

    Without `changed` and `index` every node is compared with every other (in blocks).
    With them, only the nodes in `changed` (what a load created or updated) and those the
    index does not know in their present state are compared, each against the whole
    store; pairs of unchanged nodes keep their stored decisions. After a merge, the
    merged nodes (new aliases) are compared again in the next round, against all.

    An index that resolved this type before in this process remembers its candidates
    (`ResolveIndex.memory`): if the store still holds as many nodes of the type as it
    expects, only the changed nodes are read (by id) with the decisions about them and
    the reviewers' decisions, and compared against the candidates in memory. Otherwise
    (another client added or removed nodes, a merge outside this index) every node of
    the type is read again. Edits of a node by another client while the process runs
    are seen by the next process, whose index compares every node's digest.
    """
    report = TypeReport(node_type)
    started = time.perf_counter()
    if changed is not None and not changed and index is not None and index.knows(node_type):
        return report  # the load changed no node of this type: nothing to read or compare
    incremental = changed is not None or index is not None
    memory = index.memory.get(node_type) if index is not None and incremental else None
    wanted = set(changed or ()) | (index.pending.get(node_type, set()) if index else set())
    count = -1
    if memory is not None:
        count = _count(store, node_type)
        if count != memory.count + len(wanted - memory.cands.keys()):
            memory = None  # someone else added or removed nodes: read them all again
    resolver = resolver or (memory.resolver if memory is not None else Resolver(node_type))
    scored0, compared0 = resolver.pairs_scored, resolver.pairs_compared
    by_id: dict[str, Candidate]
    stored: dict[tuple[str, str], Decision]
    fresh_nodes: list[Candidate] = []
    if memory is not None:
        by_id = dict(memory.cands)
        fresh_nodes = load_candidates(store, node_type, wanted)
        for i in wanted:
            by_id.pop(i, None)
        by_id.update((c.id, c) for c in fresh_nodes)
        stored = dict(memory.decisions)
        # decisions about a node can be stored only if it was here before (new ids: none)
        known = wanted & (memory.cands.keys() | memory.gone)
        stored.update((d.pair, d) for d in load_decisions(store, node_type, touching=known))
    else:
        by_id = {c.id: c for c in load_candidates(store, node_type)}
        stored = {d.pair: d for d in load_decisions(store, node_type)}
    focus_ids: set[str] | None = None if not incremental else set(changed or ())
    if focus_ids is not None and index is not None:  # in memory: as the index recorded them
        focus_ids |= index.stale(node_type, fresh_nodes if memory is not None else by_id.values())
    touched: set[str] = set(wanted)
    report.nodes = len(by_id)
    report.focus = len(by_id) if focus_ids is None else len(focus_ids & by_id.keys())
    for _round in range(max_rounds):
        cands = sorted(by_id.values(), key=lambda c: c.id)
        focus = None if focus_ids is None else [i for i, c in enumerate(cands) if c.id in focus_ids]
        fresh = resolver.resolve(cands, focus) if focus is None or focus else []
        to_write = [
            d
            for d in fresh
            if d.pair not in stored
            or (
                not stored[d.pair].by_person
                and (stored[d.pair].judgement, stored[d.pair].score, stored[d.pair].method)
                != (d.judgement, d.score, d.method)
            )
        ]
        report.decisions_written += write_decisions(store, to_write)
        effective = _effective(list(stored.values()), fresh)
        stored.update((d.pair, d) for d in to_write)
        groups = _clusters(effective.values(), set(by_id))
        merges = [(g[0], dup) for g in groups for dup in g[1:]]  # the smallest id: stable
        merge_many(store, node_type, merges)  # the round's merges in one transaction
        for canonical, dup in merges:
            by_id.pop(dup, None)
            touched.update((canonical, dup))
        report.merged += len(merges)
        if not groups:
            break
        # the canonical nodes gained names: read them again and compare them with all
        merged = {g[0] for g in groups}
        for i in merged:
            by_id.pop(i, None)
        by_id.update((c.id, c) for c in load_candidates(store, node_type, merged))
        focus_ids = merged
    present = set(by_id)
    live = [d for d in _effective(list(stored.values()), []).values() if set(d.pair) <= present]
    report.matches = sum(1 for d in live if d.judgement == "match")
    report.unsure = sum(1 for d in live if d.judgement == "unsure")
    report.pairs_scored = resolver.pairs_scored - scored0
    report.pairs_compared = resolver.pairs_compared - compared0
    if index is not None:
        index.update(node_type, by_id, touched if memory is not None else None)
        if incremental:  # a re-created duplicate's decisions are read again with it
            own = {p: d for p, d in stored.items() if not d.by_person and set(p) <= present}
            count = count - report.merged if memory is not None else _count(store, node_type)
            gone = (memory.gone if memory is not None else set()) | (touched - present)
            index.memory[node_type] = TypeMemory(by_id, own, resolver, count, gone)
    report.seconds = time.perf_counter() - started
    return report


def resolve_store(
    store: Store,
    types: Sequence[str] | None = None,
    *,
    changed: dict[str, set[str]] | None = None,
    index: ResolveIndex | None = None,
) -> ResolveReport:
    """Resolve the nodes of each type in the graph, merging matches; idempotent.

    With `changed` (a writer's `Summary.changed`) and/or `index`, only what changed is
    resolved against the store (see `resolve_type`); the index is saved afterwards.
    By default the types are the schema's `matchable` ones.
    """
    types = store.schema.matchable if types is None else types
    incremental = changed is not None or index is not None
    report = ResolveReport(
        [
            resolve_type(
                store,
                t,
                changed=(changed or {}).get(t, set()) if incremental else None,
                index=index,
            )
            for t in types
        ]
    )
    if index is not None:
        index.save()
    return report


def record_decision(
    store: Store, left: str, right: str, judgement: str, decided_by: str, *, apply: bool = True
) -> Decision:
    """Record a person's decision on two nodes (and, by default, apply it at once)."""
    if decided_by == RESOLVER:
        raise ValueError(f"{RESOLVER!r} is the resolver's name; give the reviewer's")
    node_type = store.schema.type_of_id(left)
    if store.schema.type_of_id(right) != node_type:
        raise ValueError(f"{left} and {right} are not of the same type")
    old = {d.pair: d for d in load_decisions(store, node_type)}
    decision = Decision(node_type, left, right, judgement, None, "review", decided_by)
    prior = old.get(decision.pair)
    if prior is not None:
        decision = Decision(
            node_type, left, right, judgement, prior.score, prior.method or "review", decided_by
        )
    write_decisions(store, [decision])
    if apply:
        resolve_type(store, node_type, changed=())  # apply decisions, compare nothing anew
    return decision


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
