"""Who sees what: the one rule, below every reader (GraphQL, search, networks, exports,
briefings, /health).

A reader asks the store for `view(store, role)` and passes every stored row through it:
`View.node`, `View.relation`, `View.real_id`, and, for Cypher it builds, the conditions and
expressions `View.filter_guard` / `View.order_key` / `View.visible_labels`.

What the public role never sees (the inputs are `graph/schema.yaml`'s `visibility` blocks):
- **Redacted nodes**: a node whose `redact_when` property is true (a Person who is a target
  or protected). It keeps only its type's `public` allow-list, a generated label
  ("target: journalist, in Poland"), an anonymous id (`anon_<hmac>`), no sources and no
  citations; its identifying relations (MEMBER_OF) are not shown from either end.
- **Tied nodes**: a node linked to a redacted one by a `tied_by` relation (an incident that
  targeted them). Same treatment, with a label generated from public facts only
  ("Digital Surveillance against a target (journalist) in Mexico, 2019").
- **Withheld sources**: every Source cited by a redacted or tied node, or by a relation
  touching one, or whose title, reference, URL or file names a redacted person (folded,
  transliterated, by whole name or by identifying token: "...-jane-doe-..." counts), unless
  an editor marked it `public_safe` (which never overrides a name in its texts). They are
  shown as "withheld source" with an anonymous id and no locator.
- **Mentions**: any other text naming a redacted person is scrubbed (second line); a node
  that has such a text is left out of every public filter on a text field and sorts as if
  the text were absent, so no filter or ordering can test for a name.
- Admin-only and internal types (the audit log, merge decisions, deleted nodes) are not
  reachable through anything but their admin fields; a hidden node's real id is answered
  exactly like an id that does not exist.
Analysts and above see stored values, except admin-only and internal types.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import os
import re
import threading
import time
import unicodedata
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

from anyascii import anyascii

from graph.schema import SOURCE, NodeType, Schema, load_schema
from graph.settings import Settings

T = TypeVar("T")


class Role(IntEnum):
    PUBLIC = 0
    ANALYST = 1
    EDITOR = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(r.name.lower() for r in cls)
            raise ValueError(f"unknown role {text!r}; roles are {names}") from None


WITHHELD = "[withheld]"
WITHHELD_SOURCE = "withheld source"
#: Relations of a redacted node that identify it (MEMBER_OF gives the affiliation).
IDENTIFYING_RELATIONS = frozenset({"MEMBER_OF"})
#: Source properties that may name a person (checked against the redacted names).
SOURCE_TEXTS = ("title", "ref", "url", "file")


# -- anonymous ids ----------------------------------------------------------------------------
_KEY: bytes | None = None
_KEY_LOCK = threading.Lock()


def install_redaction_key(settings: Settings) -> bytes:
    """Install the server's secret for anonymous ids and signed cursors, once per process:
    `settings.redaction_key` (TNR_REDACTION_KEY), else a key made once in the data dir
    (`redaction.key`, mode 0600), so every process with the same key (or data dir) shows the
    same anonymous ids. `Store.open` and `create_app` install it; a later call keeps the key
    already installed (ids and cursors must not change under a running process)."""
    global _KEY
    with _KEY_LOCK:
        if _KEY is None:
            if settings.redaction_key:
                _KEY = settings.redaction_key.encode("utf-8")
            else:
                path = settings.data_dir / "redaction.key"
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                if not path.exists():
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "w", encoding="utf-8") as fh:
                        fh.write(os.urandom(32).hex())
                _KEY = path.read_text(encoding="utf-8").strip().encode("utf-8")
        return _KEY


def redaction_key() -> bytes:
    """The installed secret; a process that opened no store and made no app (a tool computing
    ids by hand) installs it from the environment's settings on first use."""
    with _KEY_LOCK:
        key = _KEY
    if key is None:
        key = install_redaction_key(Settings.from_env())
    return key


def anon_id(real_id: str) -> str:
    """The keyed, unlinkable id shown for a hidden node or relation (`anon_<hmac>`)."""
    return _anon_id(redaction_key(), real_id)


@functools.lru_cache(maxsize=1 << 16)
def _anon_id(key: bytes, real_id: str) -> str:
    mac = hmac.new(key, real_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"anon_{mac[:20]}"


def sign(payload: str) -> str:
    """A short HMAC of `payload` with the server's key (for opaque cursors)."""
    return hmac.new(redaction_key(), payload.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


# -- names ------------------------------------------------------------------------------------
def tokens(text: str) -> list[str]:
    """Folded, transliterated word tokens: any script, case, accents and separators."""
    return list(_tokens(str(text)))


@functools.lru_cache(maxsize=262_144)
def _tokens(text: str) -> tuple[str, ...]:
    latin = anyascii(unicodedata.normalize("NFKC", text)).casefold()
    return tuple(re.findall(r"[a-z0-9]+", latin))


def _country_name(code: Any) -> str:
    try:
        import pycountry

        found = pycountry.countries.get(alpha_2=str(code).upper())
        return str(found.name) if found is not None else str(code)
    except (KeyError, LookupError):
        return str(code)


def anonymous_label(props: Mapping[str, Any]) -> str:
    """The label of a redacted person, from public facts only."""
    roles = [r for r in (props.get("roles") or []) if isinstance(r, str)]
    country = props.get("residence_country")
    label = "target" if props.get("is_target") else "protected person"
    label += f": {', '.join(roles[:3])}" if roles else ""
    return label + (f", in {_country_name(country)}" if country else "")


@dataclass(frozen=True)
class Names:
    """The redacted persons' names as folded token sequences, and their identifying tokens.

    A text mentions a redacted person when it holds one of the names' token sequences as a
    run of words (in that order or reversed: "Jane Roe", "ROE JANE", "jane-roe"), or an
    identifying token: a surname (a name's last word) or a word rare among all the graph's
    person names (in at most `RARE` of them). A code name ("Amnesty International #1") is
    identifying only as a whole: its words alone name nobody. Nor does a word inside a public
    name that names no person (a state's: "El Salvador" is no mention of a Salvador).
    """

    sequences: frozenset[tuple[str, ...]] = frozenset()
    identifying: frozenset[str] = frozenset()
    #: token sequences of public names (states, tactics, regimes) holding an identifying word
    places: frozenset[tuple[str, ...]] = frozenset()

    RARE = 2

    @classmethod
    def build(
        cls, redacted: Iterable[str], everyone: Iterable[str], public: Iterable[str] = ()
    ) -> Names:
        seen: Counter[str] = Counter()
        for name in everyone:
            seen.update(set(tokens(name)))
        seqs: set[tuple[str, ...]] = set()
        ident: set[str] = set()
        for name in redacted:
            toks = tokens(name)
            if not toks:
                continue
            seqs.add(tuple(toks))
            if any(t.isdigit() for t in toks):
                continue  # a code name
            long = [t for t in toks if len(t) >= 3]
            if long:
                ident.add(long[-1])  # the surname (or the only word)
            ident.update(t for t in long if seen[t] <= cls.RARE)
        places = {
            tuple(toks)
            for toks in map(tokens, public)
            if len(toks) > 1 and ident & set(toks) and tuple(toks) not in seqs
        }
        return cls(frozenset(seqs), frozenset(ident), frozenset(places))

    @functools.cached_property
    def _by_first(self) -> dict[str, list[tuple[str, ...]]]:
        """Every name sequence, in both orders, by its first word."""
        out: dict[str, list[tuple[str, ...]]] = {}
        for seq in self.sequences:
            for form in {seq, seq[::-1]}:
                out.setdefault(form[0], []).append(form)
        return out

    @functools.cached_property
    def _places_by_first(self) -> dict[str, list[tuple[str, ...]]]:
        out: dict[str, list[tuple[str, ...]]] = {}
        for seq in self.places:
            out.setdefault(seq[0], []).append(seq)
        return out

    def _in_places(self, toks: list[str]) -> set[int]:
        """Positions of `toks` inside a public name that names no person."""
        inside: set[int] = set()
        if not self.places:
            return inside
        by_first = self._places_by_first
        for i, t in enumerate(toks):
            for form in by_first.get(t, ()):
                if tuple(toks[i : i + len(form)]) == form:
                    inside.update(range(i, i + len(form)))
        return inside

    def _runs(self, toks: list[str]) -> list[tuple[int, int]]:
        """(start, end) of every run of `toks` that is a name or identifying word."""
        found = []
        by_first = self._by_first
        places = self._in_places(toks)
        for i, t in enumerate(toks):
            if t in self.identifying and i not in places:
                found.append((i, i + 1))
            for form in by_first.get(t, ()):
                if tuple(toks[i : i + len(form)]) == form:
                    found.append((i, i + len(form)))
        return found

    @functools.cached_property
    def _seen(self) -> dict[str, bool]:
        return {}

    def mentions(self, text: str) -> bool:
        if not self.identifying and not self.sequences:
            return False
        seen = self._seen
        found = seen.get(text)
        if found is None:
            found = bool(self._runs(tokens(text)))
            if len(seen) < 500_000:
                seen[text] = found
        return found

    def scrub(self, text: str) -> str:
        """The text with the words that name a redacted person replaced by [withheld] (all
        of it when they cannot be told apart)."""
        if not self.mentions(text):
            return text
        words = list(re.finditer(r"[^\W_]+", text))
        per_word = [tokens(w.group(0)) for w in words]
        flat = [t for ts in per_word for t in ts]
        owner = [k for k, ts in enumerate(per_word) for _ in ts]
        bad = {owner[i] for a, b in self._runs(flat) for i in range(a, b)}
        out, last = [], 0
        for k, w in enumerate(words):
            if k in bad:
                out += [text[last : w.start()], WITHHELD]
                last = w.end()
        out.append(text[last:])
        shown = "".join(out)
        return shown if not self.mentions(shown.replace(WITHHELD, " ")) else WITHHELD


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


def view(store: Any, role: Role, schema: Schema | None = None) -> View:
    """What `role` sees of the graph in `store` (the public's hidden set read, or cached)."""
    schema = schema or getattr(store, "schema", None) or load_schema()
    if role >= Role.ANALYST or store is None:
        return View(role, NOTHING_HIDDEN, schema)
    return View(role, hidden_cache(store).get(store), schema)


# -- the view ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    """What one role sees of the graph: every stored row goes through it on its way out."""

    role: Role = Role.PUBLIC
    hidden: Hidden = NOTHING_HIDDEN
    schema: Schema = field(default_factory=load_schema)

    @property
    def public(self) -> bool:
        return self.role < Role.ANALYST

    # which types and ids a role may reach
    def may_see_type(self, type_name: str) -> bool:
        """Admin-only and internal types: admin only, and only through their own fields."""
        try:
            nt = self.schema.node(type_name)
        except KeyError:
            return False
        return not (nt.admin_only or nt.internal) or self.role >= Role.ADMIN

    def visible_labels(self) -> list[str]:
        """The node types every general reader (search, networks, exports) may return."""
        return [n.name for n in self.schema.nodes.values() if not (n.admin_only or n.internal)]

    def real_id(self, given: str) -> str | None:
        """The stored id behind an id a client gives; None when the role may not name it.

        An anonymous id maps back to its node; the real id of a hidden node, and the id of a
        type the role may not read, are refused exactly like an id that does not exist.
        """
        given = str(given)
        if given.startswith("anon_"):
            return self.hidden.anon.get(given)
        try:
            type_name = self.schema.type_of_id(given)
        except KeyError:
            return None
        nt = self.schema.node(type_name)
        if nt.admin_only or nt.internal:
            return None  # never through a general field (their own fields check the role)
        if self.public and given in self.hidden.ids:
            return None
        return given

    def shown_id(self, real: str) -> str:
        return anon_id(real) if self.public and real in self.hidden.ids else real

    def label_of(self, node_id: str, label: str) -> str:
        """The label this role sees for a node whose stored label is `label`."""
        if not self.public:
            return label
        return self.hidden.labels.get(str(node_id)) or self.text(label)

    def is_hidden(self, node_id: str) -> bool:
        return self.public and str(node_id) in self.hidden.ids

    # rows
    def node(self, type_name: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """The properties this role sees, with `id` the id it sees and `label` its label."""
        nt = self.schema.node(type_name)
        real = str(props.get("id") or "")
        if not self.public:
            value = props.get(nt.label_property)
            return {**props, "label": str(value) if value is not None else type_name}
        h = self.hidden
        if real in h.redacted:
            out = {k: props[k] for k in nt.public if k in props}
            label = anonymous_label(props)
        elif real in h.tied:
            out = {k: props[k] for k in nt.public if k in props}
            label = h.tied[real]
            if nt.label_property in nt.properties:
                out[nt.label_property] = label
        elif real in h.sources:
            out = {"kind": props.get("kind")}
            label = WITHHELD_SOURCE
            out["title"] = out["ref"] = WITHHELD_SOURCE
        else:
            out = self._visible(nt, props)
            value = out.get(nt.label_property)
            label = str(value) if value is not None else type_name
            return {**out, "label": label}
        if nt.label_property in nt.properties and nt.properties[nt.label_property].required:
            out.setdefault(nt.label_property, label)
        for key in nt.keys:
            if nt.properties[key].required and key not in out:
                out[key] = WITHHELD
        return {**out, "id": anon_id(real), "label": label, "source_ids": [], "citations": []}

    def _visible(self, nt: NodeType, props: Mapping[str, Any]) -> dict[str, Any]:
        scrub = nt.mentions_people and bool(self.hidden.names.identifying)
        out = {k: self._text(v) if scrub and k != "id" else v for k, v in props.items()}
        out["source_ids"] = self.sources_of(props.get("source_ids"))
        out["citations"] = self.citations_of(props.get("citations"))
        if "sightings" in props:
            out["sightings"] = self.sightings_of(props.get("sightings"))
        return out

    def _text(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.hidden.names.scrub(value)
        if isinstance(value, list):
            return [self._text(v) for v in value]
        return value

    def text(self, value: str) -> str:
        """Any other text for this role: for public, a hidden node's stored label becomes
        the label shown, and the names of redacted persons are scrubbed."""
        if not self.public:
            return value
        return self.hidden.names.scrub(self.hidden.relabel(value))

    def source_ref(self, ref: Any) -> Any:
        """A citation (a `SourceRef`-like dataclass) as this role may see it."""
        if not (self.public and str(ref.id) in self.hidden.sources):
            return ref
        return type(ref)(id=anon_id(str(ref.id)), title=WITHHELD_SOURCE)

    def _is_id(self, value: str) -> bool:
        if "_" not in value or " " in value:
            return False
        try:
            self.schema.type_of_id(value)
        except KeyError:
            return False
        return True

    def apply(self, obj: T) -> T:
        """Any result (dataclasses, lists, tuples, dicts, strings) as this role sees it: node
        ids of hidden nodes anonymous, a hidden node's `label`/`title`/`name` its label shown,
        every other text through `text`. Analysts get `obj` back unchanged."""
        if not self.public:
            return obj
        shown: T = self._apply(obj)
        return shown

    def _apply(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.shown_id(obj) if self._is_id(obj) else self.text(obj)
        if isinstance(obj, tuple):
            return tuple(self._apply(x) for x in obj)
        if isinstance(obj, list):
            return [self._apply(x) for x in obj]
        if isinstance(obj, dict):
            return {k: self._apply(v) for k, v in obj.items()}
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes: dict[str, Any] = {}
            own = getattr(obj, "id", None) or getattr(obj, "key", None)
            hidden = isinstance(own, str) and self.is_hidden(own)
            for f in dataclasses.fields(obj):
                value = getattr(obj, f.name)
                if hidden and f.name in ("label", "title", "name") and isinstance(value, str):
                    new: Any = self.hidden.labels.get(str(own)) or self.text(value)
                else:
                    new = self._apply(value)
                if new is not value and new != value:
                    changes[f.name] = new
            return dataclasses.replace(obj, **changes) if changes else obj
        return obj

    def sources_of(self, source_ids: Any) -> list[str]:
        ids = [str(s) for s in source_ids or []]
        return [s for s in ids if s not in self.hidden.sources] if self.public else ids

    def sightings_of(self, sightings: Any) -> list[str]:
        """Record-time sightings ("source|dataset|first|last|lost"): none by a withheld
        source; dataset names through `text`."""
        if not self.public:
            return [str(s) for s in sightings or []]
        out = []
        for s in sightings or []:
            source, _, rest = str(s).partition("|")
            if source in self.hidden.sources:
                continue
            dataset, _, times = rest.partition("|")  # only the dataset is text: scrub it once
            out.append(f"{source}|{self.hidden.dataset(dataset)}|{times}")
        return out

    def citations_of(self, citations: Any) -> list[str]:
        """Public citations: none of a withheld source; no editor's name or edit time."""
        out = []
        for c in citations or []:
            c = str(c)
            if not self.public:
                out.append(c)
                continue
            sid, _, locator = c.partition("|")
            if sid in self.hidden.sources:
                continue
            if locator.startswith("edit by "):
                out.append(f"{sid}|edit")
                continue
            out.append(self.text(c))
        return out

    def relation(
        self, rel_type: str, props: Mapping[str, Any], ends: Iterable[str]
    ) -> dict[str, Any] | None:
        """A relation's properties for this role; None when it must not be shown at all."""
        if not self.public:
            return dict(props)
        ends = [str(e) for e in ends]
        h = self.hidden
        if rel_type in IDENTIFYING_RELATIONS and any(e in h.redacted for e in ends):
            return None
        if any(e in h.ids for e in ends):
            rt = self.schema.relations.get(rel_type)
            keep = {k: v for k, v in props.items() if rt is None or k in rt.properties}
            keep = {k: self._text(v) for k, v in keep.items()}
            return {
                **keep,
                "id": anon_id(str(props.get("id") or "")),
                "source_ids": [],
                "citations": [],
            }
        out = {k: self._text(v) for k, v in props.items() if k not in ("source_ids", "citations")}
        out["source_ids"] = self.sources_of(props.get("source_ids"))
        out["citations"] = self.citations_of(props.get("citations"))
        if "sightings" in props:
            out["sightings"] = self.sightings_of(props.get("sightings"))
        return out

    @property
    def avoid(self) -> tuple[frozenset[str], frozenset[str]]:
        """(relation types, node ids) a network walk must not follow for this role."""
        if not self.public:
            return frozenset(), frozenset()
        return IDENTIFYING_RELATIONS, self.hidden.redacted

    def shows_relation(self, rel_type: str, owner: str) -> bool:
        return not (
            self.public and rel_type in IDENTIFYING_RELATIONS and str(owner) in self.hidden.redacted
        )

    # Cypher the readers build (names from the schema only; values are parameters)
    def masked_ids(self, nt: NodeType) -> list[str]:
        """Ids of `nt` nodes whose non-public fields the public may not test or sort by."""
        if not self.public:
            return []
        h = self.hidden
        ids = set(h.mentioning) if nt.mentions_people else set()
        if nt.can_hide:
            ids |= h.ids
        prefix = nt.id_prefix + "_"
        return sorted(i for i in ids if i.startswith(prefix))

    def anonymous_ids(self, nt: NodeType) -> list[str]:
        """Ids of `nt` nodes this role sees only under an anonymous id."""
        if not self.public or not nt.can_hide:
            return []
        prefix = nt.id_prefix + "_"
        return sorted(i for i in self.hidden.ids if i.startswith(prefix))

    def field_is_public(self, nt: NodeType, prop: str) -> bool:
        """True if the public sees this property of every node of the type as stored."""
        if not self.public or prop == "id":
            return True
        p = nt.properties.get(prop)
        if p is not None and p.type not in ("string", "text", "url", "list[string]"):
            return not nt.can_hide or prop in nt.public
        return not nt.mentions_people and not nt.can_hide
