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
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from graph.compare import (
    FACT_COMPARATORS,
    NAME_COMPARATORS,
    Candidate,
    Comparator,
    Score,
    consonants,
    significant,
    skeleton_tokens,
)
from graph.merge import merge_nodes
from graph.records import Node, Provenance, source_node
from graph.store import Store
from graph.writer import Writer
from loaders.vocabulary import VENDOR_ALIASES, canonical_vendor

RESOLVER = "resolver"
JUDGEMENTS = ("match", "no-match", "unsure")
DEFAULT_TYPES = ("Vendor", "Organization", "Person")


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
            "node_type": self.node_type, "left": self.left, "right": self.right,
            "judgement": self.judgement, "score": self.score, "method": self.method or None,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at or dt.date.today().isoformat(),
        }  # fmt: skip
        return Node("MergeDecision", props, Provenance(source.id, f"{self.left}~{self.right}"))


@lru_cache(maxsize=200_000)
def _skeleton(name: str) -> str:
    return " ".join(skeleton_tokens(name))


class Resolver:
    """Blocks, scores and decides over the candidates of one node type."""

    def __init__(
        self,
        node_type: str,
        *,
        high: float = 0.9,
        low: float = 0.75,
        max_block: int = 150,
        prefix: int = 4,
    ) -> None:
        if not 0.0 < low <= high <= 1.0:
            raise ValueError("thresholds must satisfy 0 < low <= high <= 1")
        self.node_type = node_type
        self.high, self.low = high, low
        self.max_block = max_block
        self.prefix = prefix
        self.quick_floor = 50.0
        self.name_comparators: dict[str, Comparator] = dict(NAME_COMPARATORS)
        self.fact_comparators: dict[str, Comparator] = dict(FACT_COMPARATORS)
        self.pairs_scored = 0
        self.blocks_dropped = 0

    # -- blocking ---------------------------------------------------------------------------
    def keys(self, c: Candidate) -> set[str]:
        """Blocking keys: token prefixes and consonant prefixes of every name, transliterated."""
        out: set[str] = set()
        for name in c.names:
            tokens = significant(skeleton_tokens(name), self.node_type)
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
        return out

    def blocks(self, cands: Sequence[Candidate]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(cands):
            for key in self.keys(c):
                found[key].append(i)
        kept = {k: v for k, v in found.items() if 1 < len(v) <= self.max_block}
        self.blocks_dropped = sum(1 for v in found.values() if len(v) > self.max_block)
        return kept

    def candidate_pairs(self, cands: Sequence[Candidate]) -> list[tuple[int, int]]:
        pairs: set[tuple[int, int]] = set()
        for members in self.blocks(cands).values():
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    pairs.add((i, j) if i < j else (j, i))
        return sorted(pairs)

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

    def plausible(self, a: Candidate, b: Candidate) -> bool:
        """A cheap bound in C (rapidfuzz): skip the comparators for names nothing alike.

        The token-set ratio of the transliterated skeletons is generous (a name inside
        another scores 100), so a pair below `quick_floor` cannot reach `low`.
        """
        if self.node_type == "Vendor":
            return True  # few nodes, and vocabulary aliases share no letters
        return any(
            fuzz.token_set_ratio(_skeleton(x), _skeleton(y), score_cutoff=self.quick_floor)
            for x in a.names
            for y in b.names
        )

    def judge(self, score: float) -> str:
        return "match" if score >= self.high else "unsure" if score >= self.low else "no-match"

    def resolve(self, cands: Sequence[Candidate]) -> list[Decision]:
        """Match and unsure decisions among `cands` (no-matches are not kept)."""
        out: list[Decision] = []
        for i, j in self.candidate_pairs(cands):
            self.pairs_scored += 1
            if not self.plausible(cands[i], cands[j]):
                continue
            cmp = self.compare(cands[i], cands[j])
            judgement = self.judge(cmp.score)
            if judgement != "no-match":
                out.append(Decision(self.node_type, cands[i].id, cands[j].id, judgement,
                                    cmp.score, cmp.method))  # fmt: skip
        return out


# -- the store side ---------------------------------------------------------------------------
_COUNTRY_PROPS = ("country", "nationality", "residence_country", "state_code")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def load_candidates(store: Store, node_type: str) -> list[Candidate]:
    nt = store.schema.node(node_type)
    rows = store.read(f"MATCH (n:`{node_type}`) RETURN properties(n) AS p")
    out: list[Candidate] = []
    for row in rows:
        p = row["p"]
        name = p.get(nt.label_property)
        if not p.get("id") or not name:
            continue
        countries = tuple(sorted({c for k in _COUNTRY_PROPS for c in _as_list(p.get(k))}))
        out.append(Candidate(
            str(p["id"]), node_type, str(name), tuple(_as_list(p.get("aliases"))),
            str(p["birth_date"]) if p.get("birth_date") else None, countries,
            len(_as_list(p.get("source_ids"))),
        ))  # fmt: skip
    return sorted(out, key=lambda c: c.id)


def load_decisions(store: Store, node_type: str | None = None) -> list[Decision]:
    rows = store.read(
        "MATCH (m:MergeDecision) WHERE $t IS NULL OR m.node_type = $t "
        "RETURN m.node_type AS t, m.left AS l, m.right AS r, m.judgement AS j, m.score AS s, "
        "m.method AS m, m.decided_by AS b, m.decided_at AS a",
        t=node_type,
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
    pairs_scored: int = 0
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


def resolve_type(store: Store, node_type: str, resolver: Resolver | None = None,
                 *, max_rounds: int = 5) -> TypeReport:  # fmt: skip
    report = TypeReport(node_type)
    started = time.perf_counter()
    for _ in range(max_rounds):
        resolver = resolver or Resolver(node_type)
        cands = load_candidates(store, node_type)
        report.nodes = len(cands)
        stored = load_decisions(store, node_type)
        fresh = resolver.resolve(cands)
        report.pairs_scored = resolver.pairs_scored
        known = {d.pair: d for d in stored}
        to_write = [
            d for d in fresh
            if d.pair not in known
            or (not known[d.pair].by_person
                and (known[d.pair].judgement, known[d.pair].score, known[d.pair].method)
                != (d.judgement, d.score, d.method))
        ]  # fmt: skip
        report.decisions_written += write_decisions(store, to_write)
        effective = _effective(stored, fresh)
        report.matches = sum(1 for d in effective.values() if d.judgement == "match")
        report.unsure = sum(1 for d in effective.values() if d.judgement == "unsure")
        groups = _clusters(effective.values(), {c.id for c in cands})
        for group in groups:
            canonical, *duplicates = group  # the smallest id: stable under re-loads
            for dup in duplicates:
                merge_nodes(store, node_type, canonical, dup)
                report.merged += 1
        if not groups:
            break
    report.seconds = time.perf_counter() - started
    return report


def resolve_store(store: Store, types: Sequence[str] = DEFAULT_TYPES) -> ResolveReport:
    """Resolve the nodes of each type in the graph, merging matches; idempotent."""
    return ResolveReport([resolve_type(store, t) for t in types])


def record_decision(store: Store, left: str, right: str, judgement: str, decided_by: str,
                    *, apply: bool = True) -> Decision:  # fmt: skip
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
        decision = Decision(node_type, left, right, judgement, prior.score,
                            prior.method or "review", decided_by)  # fmt: skip
    write_decisions(store, [decision])
    if apply:
        resolve_type(store, node_type)
    return decision


def names_of(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """The label (name) of each id still in the graph, by type."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for i in set(ids):
        by_type[store.schema.type_of_id(i)].append(i)
    out: dict[str, str] = {}
    for t, wanted in by_type.items():
        label = store.schema.node(t).label_property
        for r in store.read(f"MATCH (n:`{t}`) WHERE n.id IN $ids RETURN n.id AS id, n.`{label}` AS name",
                            ids=sorted(wanted)):  # fmt: skip
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


def export_rows(store: Store, node_type: str | None = None,
                judgement: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
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
        Decision(str(r["node_type"]), str(r["left"]), str(r["right"]), str(r["judgement"]),
                 float(r["score"]) if r.get("score") is not None else None, str(r.get("method") or ""),
                 str(r.get("decided_by") or RESOLVER), str(r.get("decided_at") or ""))
        for r in rows
    ]  # fmt: skip
    n = write_decisions(store, decisions)
    if apply:
        for t in sorted({d.node_type for d in decisions}):
            resolve_type(store, t)
    return n
