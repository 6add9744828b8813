"""What the public role may not see of one graph (`Hidden`), read in a few queries and
cached per store until the graph changes (`HiddenCache`); graph/visibility.py applies it."""

from __future__ import annotations

import functools
import re
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.anonymity import anon_id
from graph.names import WITHHELD_SOURCE, Names, anonymous_label
from graph.schema import SOURCE, NodeType, Schema, load_schema

#: Relations of a redacted node that identify it (MEMBER_OF gives the affiliation).
IDENTIFYING_RELATIONS = frozenset({"MEMBER_OF"})
#: Source properties that may name a person (checked against the redacted names).
SOURCE_TEXTS = ("title", "ref", "url", "file")


# -- what is hidden in the graph as it is now ----------------------------------------------------
def redact_condition(nt: NodeType, var: str = "n") -> str:
    """The schema's `redact_when` as a Cypher condition on `var` ('false' if none)."""
    if not nt.redact_when:
        return "false"
    return "(" + " OR ".join(f"coalesce({var}.`{p}`, false) = true" for p in nt.redact_when) + ")"


@dataclass(frozen=True)
class Hidden:
    """Everything the public role may not see of one graph, read in a few Cypher queries."""

    redacted: frozenset[str] = frozenset()  # redacted nodes (persons at risk)
    tied: Mapping[str, str] = field(default_factory=dict)  # tied node id -> generated label
    sources: frozenset[str] = frozenset()  # withheld Source ids
    mentioning: frozenset[str] = frozenset()  # nodes whose texts name a redacted person
    names: Names = field(default_factory=Names)
    anon: Mapping[str, str] = field(default_factory=dict)  # anon id -> real id
    labels: Mapping[str, str] = field(default_factory=dict)  # hidden id -> label shown
    #: (stored label, label shown) of hidden nodes, longest first: a stored label quoted in
    #: any text (a briefing's table, a result's title) is replaced by the label shown.
    stored_labels: tuple[tuple[str, str], ...] = ()

    @functools.cached_property
    def ids(self) -> frozenset[str]:
        """Every node shown only anonymously."""
        return self.redacted | frozenset(self.tied) | self.sources

    @functools.cached_property
    def _stored_label_pattern(self) -> re.Pattern[str] | None:
        """One alternation of the stored labels, longest first (one scan of a text)."""
        if not self.stored_labels:
            return None
        return re.compile("|".join(re.escape(stored) for stored, _ in self.stored_labels))

    @functools.cached_property
    def _datasets(self) -> dict[str, str]:
        return {}

    def dataset(self, name: str) -> str:
        """A dataset's name (loader:file, in record-time sightings) as the public sees it,
        scrubbed once per hidden set."""
        shown = self._datasets
        if name not in shown:
            shown[name] = self.names.scrub(self.relabel(name))
        return shown[name]

    def relabel(self, value: str) -> str:
        """`value` with every hidden node's stored label replaced by the label shown,
        longest first (one scan finds whether any occurs: most texts quote none)."""
        pattern = self._stored_label_pattern
        if pattern is None or pattern.search(value) is None:
            return value
        for stored, shown in self.stored_labels:
            if stored in value:
                value = value.replace(stored, shown)
        return value

    @classmethod
    def load(cls, store: Any, schema: Schema | None = None) -> Hidden:
        schema = schema or load_schema()
        redacted: dict[str, dict[str, Any]] = {}
        all_names: list[str] = []
        cited: set[str] = set()
        for nt in schema.nodes.values():
            if not nt.redact_when:
                continue
            cond = redact_condition(nt)
            label = nt.label_property
            for r in store.read(
                f"MATCH (n:`{nt.name}`) RETURN n.id AS id, {cond} AS hidden, "
                f"n.`{label}` AS name, coalesce(n.aliases, []) AS aliases, "
                "coalesce(n.source_ids, []) AS sids, n.roles AS roles, "
                "n.residence_country AS residence_country, n.is_target AS is_target"
            ):
                known = [str(x) for x in [r["name"], *r["aliases"]] if x]
                all_names += known
                if r["hidden"]:
                    redacted[str(r["id"])] = {**r, "names": known}
                    cited.update(str(s) for s in r["sids"])
        public_names: list[str] = []
        for nt in schema.nodes.values():  # names that name no person: a state's, a tactic's
            if not nt.mentions_people and nt.label_property == "name":
                for r in store.read(
                    f"MATCH (n:`{nt.name}`) RETURN n.name AS name, "
                    "coalesce(n.aliases, []) AS aliases"
                ):
                    public_names += [str(x) for x in [r["name"], *r["aliases"]] if x]
        names = Names.build(
            (n for p in redacted.values() for n in p["names"]), all_names, public_names
        )
        ids = sorted(redacted)
        tied: dict[str, str] = {}
        stored: dict[str, str] = {}  # a hidden node's stored label -> the label shown
        for nt in schema.nodes.values():
            for rel in nt.tied_by:
                for r in store.read(
                    f"MATCH (t:`{nt.name}`)-[r:`{rel}`]-(p) WHERE p.id IN $ids "
                    "WITH t, collect(DISTINCT p.id) AS who, "
                    "collect(coalesce(r.source_ids, [])) AS rsids "
                    "OPTIONAL MATCH (t)-[x]->(m) WHERE type(x) IN ['USED_TACTIC', 'HOST_STATE'] "
                    f"RETURN t.id AS id, t.`{nt.label_property}` AS stored, t.year AS year, "
                    "t.date AS date, who, rsids, "
                    "coalesce(t.source_ids, []) AS sids, "
                    "collect([type(x), m.name]) AS about",
                    ids=ids,
                ):
                    tied[str(r["id"])] = _tied_label(nt, r, redacted)
                    if r["stored"]:
                        stored[str(r["stored"])] = tied[str(r["id"])]
                    cited.update(str(s) for s in r["sids"])
                    cited.update(str(s) for group in r["rsids"] for s in group)
        for nt in schema.nodes.values():
            if nt.redact_when:
                for r in store.read(
                    f"MATCH (p:`{nt.name}`)-[r]-() WHERE p.id IN $ids "
                    "RETURN coalesce(r.source_ids, []) AS sids",
                    ids=ids,
                ):
                    cited.update(str(s) for s in r["sids"])
        sources: set[str] = set()
        for r in store.read(
            "MATCH (s:Source) RETURN s.id AS id, coalesce(s.public_safe, false) AS safe, "
            + ", ".join(f"s.`{p}` AS `{p}`" for p in SOURCE_TEXTS)
        ):
            sid = str(r["id"])
            if any(names.mentions(str(r[p])) for p in SOURCE_TEXTS if r[p]) or (
                sid in cited and not r["safe"]
            ):
                sources.add(sid)
        mentioning = cls._mentioning(store, schema, names) if names.identifying else set()
        hidden = set(redacted) | set(tied) | sources
        labels = {i: anonymous_label(p) for i, p in redacted.items()}
        for i, p in redacted.items():
            stored.update((n, labels[i]) for n in p["names"] if len(n) >= 3)
        labels.update(tied)
        labels.update((s, WITHHELD_SOURCE) for s in sources)
        return cls(
            frozenset(redacted),
            tied,
            frozenset(sources),
            frozenset(mentioning),
            names,
            {anon_id(i): i for i in hidden},
            labels,
            tuple(sorted(stored.items(), key=lambda kv: -len(kv[0]))),
        )

    @staticmethod
    def _mentioning(store: Any, schema: Schema, names: Names) -> set[str]:
        """Nodes (of types whose text may name people) with a text naming a redacted person."""
        out: set[str] = set()
        for nt in schema.nodes.values():
            if not nt.mentions_people or nt.admin_only or nt.internal or nt.name == SOURCE:
                continue
            texts = [
                p.name
                for p in nt.properties.values()
                if p.type in ("string", "text", "url", "list[string]")
            ]
            if not texts:
                continue
            cols = ", ".join(f"n.`{p}`" for p in texts)
            for r in store.read(
                f"MATCH (n:`{nt.name}`) RETURN n.id AS id, [{cols}] AS texts, "
                "coalesce(n.citations, []) AS cites"
            ):
                values = [*r["texts"], *r["cites"]]
                flat = [v for x in values for v in (x if isinstance(x, list) else [x]) if v]
                if any(names.mentions(str(v)) for v in flat):
                    out.add(str(r["id"]))
        return out


def _tied_label(nt: NodeType, row: Mapping[str, Any], redacted: Mapping[str, Any]) -> str:
    """A label from public facts only: tactic, the targets' public profile, host state, year."""
    about: dict[str, list[str]] = {}
    for kind, name in row["about"] or []:
        if kind and name:
            about.setdefault(str(kind), []).append(str(name))
    what = ", ".join(sorted(set(about.get("USED_TACTIC", [])))) or nt.name
    who = [anonymous_label(redacted[w]).split(", in ")[0] for w in row["who"] if w in redacted]
    label = f"{what} against a {who[0] if len(set(who)) == 1 else 'group of targets'}"
    hosts = sorted(set(about.get("HOST_STATE", [])))
    if hosts:
        label += f" in {', '.join(hosts)}"
    year = row.get("year") or (str(row.get("date") or "")[:4] or None)
    return label + (f", {year}" if year else "")


@functools.cache
def stamp_cypher(schema: Schema) -> str:
    """The counts another process moves when it changes who is hidden, from the schema's
    `visibility` blocks: the nodes of each type that can be a person at risk (all, and those
    redacted), the sources, and the nodes of each type a `tied_by` relation ties to them."""
    at_risk = [schema.node(name) for name in schema.people_at_risk]
    counted: list[tuple[str, NodeType | None]] = [(nt.name, None) for nt in at_risk]
    counted += [(nt.name, nt) for nt in at_risk]  # the redacted ones
    counted += [(SOURCE, None)] + [(nt.name, None) for nt in schema.nodes.values() if nt.tied_by]
    clauses: list[str] = []
    for k, (type_name, redacted) in enumerate(counted):
        var = f"n{k}"
        where = f" WHERE {redact_condition(redacted, var)}" if redacted else ""
        match = "MATCH" if k == 0 else "OPTIONAL MATCH"
        keep = ", ".join([*(f"c{j}" for j in range(k)), f"count({var}) AS c{k}"])
        end_ = "RETURN" if k == len(counted) - 1 else "WITH"
        clauses.append(f"{match} ({var}:`{type_name}`){where} {end_} {keep}")
    return "\n".join(clauses)


class HiddenCache:
    """The `Hidden` of one store, read again only when the graph has changed.

    Re-read before answering when anything was written through the store since it was read
    (`Store.writes`), when an edit said so (`changed()`), or when the counts of persons,
    hidden persons, sources or incidents moved (checked at most once every `check_every`
    seconds: a load by another process). After `max_age` seconds with nothing moved it is
    read again in the background while the last one still serves (an edit by another
    process that moves no count is seen within about `max_age`).

    A read is kept only if the graph did not move while it ran (same stamp before and
    after, no `changed()` in between): a set read half-way through a wipe and reload of the
    same data would otherwise be kept under the stamp of the full graph and show the public
    what it hides.
    """

    #: Reads of a moving graph before one is served without being kept.
    TRIES = 3

    def __init__(self, check_every: float = 2.0, max_age: float = 30.0) -> None:
        self.check_every = check_every
        self.max_age = max_age
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._value: Hidden | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._generation = 0
        self._loaded = self._checked = 0.0
        self._refreshing = False

    def changed(self) -> None:
        with self._lock:
            self._value = None
            self._generation += 1

    @staticmethod
    def stamp(store: Any) -> tuple[Any, ...]:
        """Writes through this store so far, then the counts another process moves."""
        writes = getattr(store, "writes", 0)
        row = store.read(stamp_cypher(getattr(store, "schema", None) or load_schema()))
        return (writes, *(row[0].values() if row else ()))

    def get(self, store: Any) -> Hidden:
        now = time.monotonic()
        writes = getattr(store, "writes", 0)
        with self._lock:
            value, stamp = self._value, self._stamp
            fresh = stamp is not None and stamp[0] == writes
            if value is not None and fresh and now - self._checked < self.check_every:
                return value
        current = self.stamp(store)
        with self._lock:
            self._checked = now
            if value is not None and current == stamp and self._value is value:
                if now - self._loaded > self.max_age and not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh, args=(store,), daemon=True).start()
                return value
        return self._load(store, value)

    def _load(self, store: Any, old: Hidden | None) -> Hidden:
        schema = getattr(store, "schema", None)
        with self._load_lock:  # one load at a time; the others wait for it
            for _ in range(self.TRIES):
                with self._lock:
                    generation = self._generation
                before = self.stamp(store)
                with self._lock:
                    if self._value is not None and self._value is not old and self._stamp == before:
                        return self._value  # read by another caller while this one waited
                loaded = Hidden.load(store, schema)
                after = self.stamp(store)
                with self._lock:
                    if before == after and generation == self._generation:
                        now = time.monotonic()
                        self._value, self._stamp = loaded, after
                        self._loaded = self._checked = now
                        return loaded
            return loaded  # the graph kept moving: this answer uses it, nothing keeps it

    def _refresh(self, store: Any) -> None:
        try:
            self._load(store, self._value)
        except Exception:  # the next request reads it again; nothing is served stale long
            with self._lock:
                self._value = None
        finally:
            with self._lock:
                self._refreshing = False


_CACHES: weakref.WeakKeyDictionary[Any, HiddenCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def hidden_cache(store: Any) -> HiddenCache:
    """The one HiddenCache of a store (made on first use)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(store)
        if cache is None:
            cache = _CACHES[store] = HiddenCache()
        return cache


def changed(store: Any) -> None:
    """Say that the graph of `store` changed in a way visibility depends on."""
    hidden_cache(store).changed()


NOTHING_HIDDEN = Hidden()
