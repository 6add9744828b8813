"""The one writer every loader goes through.

It validates records against the schema, merges duplicates, refuses facts
without a known Source, writes in batches (one transaction per batch, so a
failing batch leaves nothing half-written), and counts what it created,
updated, left unchanged and rejected per type. Rejected records go to a report
file with their place and field. Its statements are in graph/upsert.py, the
record time of what it writes in graph/record_time.py.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neo4j import ManagedTransaction
from neo4j.exceptions import Neo4jError

from graph.ids import make_id
from graph.private import open_private
from graph.record_time import next_record_time, record_now, sighting_key
from graph.records import Edge, Node, Rejected
from graph.schema import LOAD, SOURCE
from graph.store import Store, StoreError
from graph.upsert import edge_cypher, edge_id, merge_props, node_cypher
from graph.validate import RecordError, validate_edge, validate_node

Progress = Callable[[int], None]


class WriteError(StoreError):
    """A batch could not be written; nothing of that batch was stored."""


@dataclass
class TypeCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    #: Records of soft-deleted nodes (or relations touching one): kept deleted, not written.
    deleted: int = 0


@dataclass
class Summary:
    counts: dict[str, TypeCounts] = field(default_factory=lambda: defaultdict(TypeCounts))
    rejects: list[Rejected] = field(default_factory=list)
    report_path: Path | None = None
    #: Ids of the nodes this write created or updated, by type (what resolution looks at).
    changed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: The record time of every fact this write wrote, and the Load node that says so.
    started: str = ""
    load_id: str = ""
    #: Facts of this dataset that a complete load no longer contained (marked, not deleted).
    lost: int = 0

    def add(self, type_name: str, status: str, n: int = 1) -> None:
        c = self.counts[type_name]
        setattr(c, status, getattr(c, status) + n)

    def total(self, status: str) -> int:
        return sum(getattr(c, status) for c in self.counts.values())

    def as_rows(self) -> list[tuple[str, int, int, int, int]]:
        return [
            (t, c.created, c.updated, c.unchanged, c.rejected)
            for t, c in sorted(self.counts.items())
        ]


@dataclass
class _Row:
    kind: str  # "node" | "edge"
    type: str
    key: str
    props: dict[str, Any]
    location: str
    source: str = ""
    target: str = ""


class Writer:
    """Write loader records to a store; see the module docstring."""

    def __init__(
        self,
        store: Store,
        *,
        batch_size: int = 2000,
        progress: Progress | None = None,
        origin: str = "",
        report_dir: Path | None = None,
        dataset: str = "",
        complete: bool = False,
    ) -> None:
        """`dataset` names what is loaded ("loader:file"; by default the origin's file name)
        for the record time of each fact; `complete` says the records are the whole
        dataset, so that facts it stated before and no longer states are marked so."""
        self.store = store
        self.schema = store.schema
        self.batch_size = batch_size
        self.progress = progress
        self.origin = origin
        self.report_dir = report_dir
        self.dataset = (dataset or Path(origin).name or "writer").replace("|", "/")
        self.complete = complete
        self.now = ""
        self._known_sources: set[str] = set()
        self._cited: set[str] = set()

    # -- public -------------------------------------------------------------------------
    def write(self, records: Iterable[Node | Edge | Rejected]) -> Summary:
        self.now = next_record_time(self.store)
        self._cited = set()
        summary = Summary(started=self.now)
        deferred: list[_Row] = []
        batch: list[_Row] = []
        for record in records:
            row = self._prepare(record, summary)
            if row is not None:
                batch.append(row)
            if len(batch) >= self.batch_size:
                deferred += self._flush(batch, summary)
                batch = []
        if batch:
            deferred += self._flush(batch, summary)
        if deferred:
            missing = self._flush(deferred, summary, count_progress=False)
            for row in missing:
                summary.add(row.type, "rejected")
                summary.rejects.append(
                    Rejected(
                        self.origin,
                        row.location,
                        "source" if row.source else "target",
                        f"{row.type} points to a record that is not in the graph "
                        f"({row.source} -> {row.target})",
                    )
                )
        summary.report_path = self._report(summary.rejects)
        self._finish(summary)
        return summary

    def _finish(self, summary: Summary) -> None:
        """Mark what a complete load no longer contains, then record the load itself."""
        written = sorted(
            t
            for t, c in summary.counts.items()
            if t in self.schema.nodes or t in self.schema.relations
            if c.created + c.updated + c.unchanged
        )
        if not self.complete and not (summary.total("created") or summary.total("updated")):
            return  # a partial write that only confirmed facts is not a load worth listing
        if self.complete:
            before = self.store.read(
                "MATCH (l:Load {dataset: $d}) RETURN l.types AS types", d=self.dataset
            )
            types = set(written) | {str(t) for r in before for t in r["types"] or ()}
            summary.lost = sum(self._mark_lost(t) for t in sorted(types))
        load_id = make_id(LOAD, self.dataset, self.now)
        props = {
            "dataset": self.dataset,
            "loader": self.dataset.partition(":")[0] if ":" in self.dataset else None,
            "file": Path(self.origin).name or None,
            "started": self.now,
            "finished": record_now(),
            "complete": self.complete,
            "created": summary.total("created"),
            "updated": summary.total("updated"),
            "unchanged": summary.total("unchanged"),
            "rejected": summary.total("rejected"),
            "lost": summary.lost,
            "types": written,
            "source_ids": sorted(self._cited),
            "citations": [],
            "confidence": 1.0,
        }
        self.store.write(
            "MERGE (l:Load {id: $id}) SET l += $props",
            id=load_id,
            props={k: v for k, v in props.items() if v is not None},
        )
        summary.load_id = load_id

    def _mark_lost(self, type_name: str, chunk: int = 5000) -> int:
        """Sightings of `type_name` facts by this dataset that this load did not confirm:
        marked no longer confirmed (now), a chunk per transaction. Returns how many facts."""
        pattern = (
            f"(n:`{type_name}`)" if type_name in self.schema.nodes else f"()-[n:`{type_name}`]->()"
        )
        mine = "split(s, '|')[1] = $d AND s ENDS WITH '|'"
        query = (
            f"MATCH {pattern} WHERE n.last_seen < $now AND any(s IN n.sightings WHERE {mine}) "
            f"WITH n LIMIT $chunk "
            f"SET n.sightings = [s IN n.sightings | CASE WHEN {mine} THEN s + $now ELSE s END], "
            f"n.lost_at = $now RETURN count(n) AS c"
        )
        total = 0
        while True:
            found = self.store.write(query, d=self.dataset, now=self.now, chunk=chunk)
            n = int(found[0]["c"]) if found else 0
            total += n
            if n < chunk:
                return total

    # -- steps --------------------------------------------------------------------------
    def _reject(self, summary: Summary, type_name: str, location: str, err: RecordError) -> None:
        summary.add(type_name, "rejected")
        summary.rejects.append(Rejected(self.origin, location, err.field, err.message))

    def _prepare(self, record: Node | Edge | Rejected, summary: Summary) -> _Row | None:
        if isinstance(record, Rejected):
            summary.add("(unreadable)", "rejected")
            summary.rejects.append(record)
            if self.progress:
                self.progress(1)
            return None
        prov = record.provenance
        location = prov.locator
        try:
            if isinstance(record, Node):
                props = validate_node(record, self.schema)
                if record.type == SOURCE and prov.source_id == record.id:
                    self._known_sources.add(record.id)
            else:
                props = validate_edge(record, self.schema)
        except RecordError as err:
            self._reject(summary, record.type, location, err)
            if self.progress:
                self.progress(1)
            return None
        props["source_ids"] = [prov.source_id]
        props["citations"] = [prov.citation()]
        props["confidence"] = prov.confidence
        if isinstance(record, Node):
            return _Row("node", record.type, record.id, props, location)
        key = edge_id(record.type, record.source, record.target)
        return _Row("edge", record.type, key, props, location, record.source, record.target)

    def _check_sources(self, rows: list[_Row], summary: Summary) -> list[_Row]:
        wanted = {sid for row in rows for sid in row.props["source_ids"]} - self._known_sources
        if wanted:
            found = self.store.read(
                "MATCH (s:Source) WHERE s.id IN $ids RETURN s.id AS id", ids=sorted(wanted)
            )
            self._known_sources.update(r["id"] for r in found)
        kept: list[_Row] = []
        for row in rows:
            sid = row.props["source_ids"][0]
            if sid in self._known_sources:
                kept.append(row)
            else:
                self._reject(
                    summary,
                    row.type,
                    row.location,
                    RecordError("source", f"cites {sid!r}, which is not a Source in the graph"),
                )
        return kept

    def _skip_deleted(self, rows: list[_Row], summary: Summary) -> list[_Row]:
        """Rows of soft-deleted nodes stay out: a re-load does not bring a deleted node back."""
        ids = {i for row in rows for i in (row.key, row.source, row.target) if i}
        found = (
            self.store.read(
                "MATCH (d:DeletedNode) WHERE d.node_id IN $ids RETURN d.node_id AS id",
                ids=sorted(ids),
            )
            if ids
            else []
        )
        gone = {str(r["id"]) for r in found}
        if not gone:
            return rows
        kept = []
        for row in rows:
            if {row.key, row.source, row.target} & gone:
                summary.add(row.type, "deleted")
            else:
                kept.append(row)
        return kept

    def _flush(self, rows: list[_Row], summary: Summary, count_progress: bool = True) -> list[_Row]:
        """Write one batch in one transaction; return the edges whose ends are not there yet."""
        # Source nodes first, so facts in the same batch may cite them.
        merged: dict[tuple[str, str], _Row] = {}
        for row in rows:
            k = (row.kind, row.key)
            if k in merged:
                merged[k].props = merge_props(merged[k].props, row.props)
            else:
                merged[k] = _Row(
                    row.kind,
                    row.type,
                    row.key,
                    dict(row.props),
                    row.location,
                    row.source,
                    row.target,
                )
        unique = self._skip_deleted(self._check_sources(list(merged.values()), summary), summary)
        nodes: dict[str, list[_Row]] = defaultdict(list)
        edges: dict[tuple[str, str, str], list[_Row]] = defaultdict(list)
        for row in unique:
            if row.kind == "node":
                nodes[row.type].append(row)
            else:
                ends = (self.schema.type_of_id(row.source), self.schema.type_of_id(row.target))
                edges[(row.type, *ends)].append(row)

        def work(tx: ManagedTransaction) -> tuple[list[tuple[str, str, str]], list[_Row]]:
            statuses: list[tuple[str, str, str]] = []
            missing: list[_Row] = []
            order = sorted(nodes, key=lambda t: t != SOURCE)
            for type_name in order:
                group = nodes[type_name]
                payload = [
                    {"i": i, "id": r.key, "props": r.props, "seen": self._seen(r)}
                    for i, r in enumerate(group)
                ]
                result = tx.run(
                    node_cypher(self.schema, type_name, True), rows=payload, now=self.now
                )
                statuses += [(type_name, rec["status"], group[int(rec["i"])].key) for rec in result]
            for (rel, s_type, t_type), group in edges.items():
                payload = [
                    {
                        "i": i,
                        "s": r.source,
                        "t": r.target,
                        "props": {**r.props, "id": r.key},
                        "seen": self._seen(r),
                    }
                    for i, r in enumerate(group)
                ]
                result = tx.run(
                    edge_cypher(self.schema, rel, s_type, t_type, True), rows=payload, now=self.now
                )
                done: set[int] = set()
                for rec in result:
                    done.add(int(rec["i"]))
                    statuses.append((rel, rec["status"], ""))
                missing += [r for i, r in enumerate(group) if i not in done]
            return statuses, missing

        try:
            statuses, missing = self.store.in_transaction(work)
        except Neo4jError as exc:
            first, last = rows[0].location, rows[-1].location
            raise WriteError(
                f"{self.origin or 'input'}: the batch from {first or 'start'} to {last or 'end'} "
                f"was not written (nothing of it was stored): {exc.message or exc}"
            ) from exc
        for type_name, status, key in statuses:
            summary.add(type_name, status)
            if key and status != "unchanged":
                summary.changed[type_name].add(key)
        if self.progress and count_progress:
            self.progress(len(rows))
        return missing

    def _seen(self, row: _Row) -> list[str]:
        sources = [str(sid) for sid in row.props["source_ids"]]
        self._cited.update(sources)
        return [sighting_key(sid, self.dataset) for sid in sources]

    def _report(self, rejects: list[Rejected]) -> Path | None:
        if not rejects or self.report_dir is None:
            return None
        stem = Path(self.origin).name or "load"
        path = self.report_dir / f"{stem}.rejected.jsonl"
        with open_private(path) as fh:  # raw rows may name people at risk
            for r in rejects:
                fh.write(
                    json.dumps(
                        {
                            "file": r.file,
                            "location": r.location,
                            "field": r.field,
                            "message": r.message,
                            "raw": r.raw,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        return path
