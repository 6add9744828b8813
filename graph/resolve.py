"""Entity resolution over the store: candidates read from it, decisions kept as data.

The resolver (graph/matching.py) decides; decisions are written as `MergeDecision`
nodes (see graph/schema.yaml). `resolve_store` runs it over the graph and merges
every match into its canonical node (graph/merge.py). It repeats until nothing
merges, so a second call changes nothing; on a re-load that recreates a merged
duplicate (same natural key, same id), the stored match is applied again. What a
person reviews is graph/review.py.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.compare import (
    Candidate,
)
from graph.decisions import RESOLVER, Decision, resolver_source, review_source
from graph.matching import Resolver
from graph.merge import merge_many
from graph.private import write_private
from graph.records import Node
from graph.schema import load_schema
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer

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
        pending = {t: sorted(v) for t, v in self.pending.items()}
        write_private(  # ids of people at risk among them: the owner's only
            self.path,
            json.dumps({"version": self.VERSION, "types": self.seen, "pending": pending}),
        )


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
