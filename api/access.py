"""Who may see what: roles, API keys and the redaction of people at risk.

Roles, from least to most: `public` (no key), `analyst`, `editor`, `admin`.
Keys come from configuration (`TNR_API_KEYS="analyst:KEY,editor:KEY"` or a file
named by `TNR_API_KEYS_FILE`, one `role:key` a line); only their SHA-256 hashes
are kept, and a presented key is compared in constant time.

Redaction: for `public`, a Person who is a target (`is_target`) or marked
`protected` is never identified. Every property the schema marks `sensitive`
is dropped, the residence is kept at country level, and the person's label
becomes an anonymous description ("target: journalist, in Poland"). Every
code path that hands node properties to a client goes through
`redact_properties` (or `redact_node`), so there is one rule in one place.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from graph.schema import load_schema


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


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeyRing:
    """Hashes of the configured API keys, with their roles."""

    hashes: tuple[tuple[str, Role], ...] = ()

    @classmethod
    def from_entries(cls, entries: list[str], where: str = "TNR_API_KEYS") -> KeyRing:
        out: list[tuple[str, Role]] = []
        for n, entry in enumerate(entries, 1):
            entry = entry.strip()
            if not entry or entry.startswith("#"):
                continue
            role, sep, key = entry.partition(":")
            if not sep or len(key.strip()) < 16:
                raise ValueError(
                    f"{where}, entry {n}: expected 'role:key' with a key of 16 or more characters"
                )
            key = key.strip()
            digest = key[7:] if key.startswith("sha256:") else key_hash(key)
            out.append((digest, Role.parse(role)))
        return cls(tuple(out))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KeyRing:
        e = os.environ if env is None else env
        entries = [x for x in e.get("TNR_API_KEYS", "").split(",") if x.strip()]
        ring = cls.from_entries(entries)
        path = e.get("TNR_API_KEYS_FILE")
        if path:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
            ring = cls(ring.hashes + cls.from_entries(lines, where=path).hashes)
        return ring

    @classmethod
    def from_settings(cls, settings: Any) -> KeyRing:
        """The ring of `Settings.api_keys` and `Settings.api_keys_file` (read once, at start)."""
        env = {"TNR_API_KEYS": settings.api_keys or ""}
        if settings.api_keys_file is not None:
            env["TNR_API_KEYS_FILE"] = str(settings.api_keys_file)
        return cls.from_env(env)

    def role_for(self, presented: str | None) -> Role | None:
        """The role of a presented key; None if the key is unknown (PUBLIC if none given)."""
        if not presented:
            return Role.PUBLIC
        digest = key_hash(presented)
        found: Role | None = None
        for known, role in self.hashes:  # no early exit: constant time over the ring
            if hmac.compare_digest(known, digest):
                found = role
        return found


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def is_redacted(node_type: str, props: Mapping[str, Any], role: Role) -> bool:
    """True if this node identifies a person at risk and the role may not see who."""
    if role >= Role.ANALYST or node_type != "Person":
        return False
    return bool(props.get("is_target")) or bool(props.get("protected"))


#: Also withheld from a redacted person besides the schema's `sensitive` properties:
#: an official's position names them as surely as their name does.
ALSO_WITHHELD = frozenset({"citations", "position"})
#: Relations of a redacted person that identify them (MEMBER_OF gives the affiliation).
IDENTIFYING_RELATIONS = frozenset({"MEMBER_OF"})
#: The same rule as `is_redacted`, as a Cypher condition on the node `n`.
REDACTED_PERSON_CYPHER = (
    "(coalesce(n.is_target, false) = true OR coalesce(n.protected, false) = true)"
)


def _country_name(code: Any) -> str:
    text = str(code)
    try:
        from loaders.countries import country

        return country(text).name
    except (KeyError, LookupError, ValueError, ImportError):
        return text


def anonymous_label(props: Mapping[str, Any]) -> str:
    roles = [r for r in (props.get("roles") or []) if isinstance(r, str)]
    country = props.get("residence_country")
    label = "target" if props.get("is_target") else "protected person"
    label += f": {', '.join(roles[:3])}" if roles else ""
    return label + (f", in {_country_name(country)}" if country else "")


def redact_properties(node_type: str, props: Mapping[str, Any], role: Role) -> dict[str, Any]:
    """The properties `role` may see. Sensitive ones and citations of a redacted person go."""
    if not is_redacted(node_type, props, role):
        return dict(props)
    nt = load_schema().node(node_type)
    sensitive = {p.name for p in nt.properties.values() if p.sensitive}
    out = {k: v for k, v in props.items() if k not in sensitive and k not in ALSO_WITHHELD}
    out["citations"] = []
    out["source_ids"] = []  # identifying sources (a URL or a report about this person) go too
    out["name"] = anonymous_label(props)
    return out


def label_for(node_type: str, props: Mapping[str, Any], role: Role) -> str:
    """The display label of a node for `role` (the schema's label property, or anonymous)."""
    if is_redacted(node_type, props, role):
        return anonymous_label(props)
    nt = load_schema().node(node_type)
    value = props.get(nt.label_property)
    return str(value) if value is not None else node_type


def _redaction_key() -> bytes:
    """The server's secret for anonymous ids (TNR_REDACTION_KEY, or a file in the data dir)."""
    global _KEY
    if _KEY is None:
        configured = os.environ.get("TNR_REDACTION_KEY")
        if configured:
            _KEY = configured.encode("utf-8")
        else:
            from graph.settings import Settings

            path = Settings.from_env().data_dir / "redaction.key"
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(os.urandom(32).hex())
            _KEY = path.read_text(encoding="utf-8").strip().encode("utf-8")
    return _KEY


_KEY: bytes | None = None


def public_id(node_id: str, node_type: str, props: Mapping[str, Any], role: Role) -> str:
    """The id `role` sees: a redacted person gets a stable id that cannot be linked to a name.

    Node ids are unkeyed hashes of natural keys, so anyone could hash a guessed name
    and look for it; a redacted person's id is instead a keyed HMAC of the real id.
    """
    if not is_redacted(node_type, props, role):
        return node_id
    return anon_id(node_id)


def anon_id(node_id: str) -> str:
    """The keyed, unlinkable id shown for a withheld node or relation (`anon_<hmac>`)."""
    mac = hmac.new(_redaction_key(), node_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"anon_{mac[:20]}"


# -- what public may not see in the graph as it is now --------------------------------------
WITHHELD = "[withheld]"
WITHHELD_SOURCE = "withheld source"

#: One read: the redacted persons' names, the sources cited by exactly one person (who is
#: redacted), and every source's texts (a title or URL may name a redacted person).
REDACTIONS_CYPHER = f"""
MATCH (n:Person) WHERE {REDACTED_PERSON_CYPHER}
RETURN 'person' AS k, n.id AS id, [n.name] + coalesce(n.aliases, []) AS texts
UNION ALL
MATCH (n:Person) UNWIND coalesce(n.source_ids, []) AS sid
WITH sid, collect(n) AS ps WHERE size(ps) = 1
WITH sid, ps[0] AS n WHERE {REDACTED_PERSON_CYPHER}
RETURN 'single' AS k, sid AS id, [] AS texts
UNION ALL
MATCH (n:Source)
RETURN 'source' AS k, n.id AS id, [n.title, n.ref, n.url, n.file] AS texts
"""


#: A cheap fingerprint of what the redactions depend on (persons and sources).
REDACTIONS_STAMP_CYPHER = """
MATCH (n:Person) WITH count(n) AS persons
OPTIONAL MATCH (t:Person) WHERE t.is_target = true OR t.protected = true
WITH persons, count(t) AS hidden
MATCH (s:Source) RETURN persons, hidden, count(s) AS sources
"""


class RedactionCache:
    """The redactions of one store, read again only when the graph has changed.

    Reading them costs a full pass over persons and sources, too much for every public
    request. They are kept and re-read when an edit through this process said the graph
    changed (`changed()`), when the counts of persons, hidden persons or sources moved
    (checked at most once every `check_every` seconds: a load by another process), and
    at the latest after `max_age` seconds (an edit that moved no count).
    """

    def __init__(self, check_every: float = 1.0, max_age: float = 30.0) -> None:
        self.check_every = check_every
        self.max_age = max_age
        self._lock = threading.Lock()
        self._value: Redactions | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._loaded = self._checked = 0.0

    def changed(self) -> None:
        with self._lock:
            self._value = None

    def get(self, store: Any) -> Redactions:
        if store is None:
            return NO_REDACTIONS
        now = time.monotonic()
        with self._lock:
            value, stamp = self._value, self._stamp
            fresh = value is not None and now - self._loaded < self.max_age
            if fresh and now - self._checked < self.check_every:
                return value  # type: ignore[return-value]
        row = store.read(REDACTIONS_STAMP_CYPHER)
        current = tuple(row[0].values()) if row else ()
        with self._lock:
            self._checked = now
            if fresh and current == stamp and self._value is value:
                return value  # type: ignore[return-value]
        loaded = Redactions.load(store)
        with self._lock:
            self._value, self._stamp, self._loaded = loaded, current, time.monotonic()
        return loaded


def _fold(text: str) -> str:
    return " ".join(str(text).casefold().split())


@dataclass(frozen=True)
class Redactions:
    """The redacted persons of a graph, their names, and the sources that would name them.

    A Source is withheld from `public` when a redacted person is the only person it is
    cited for (a web page about that person), or when its title, reference, URL or file
    names a redacted person. Text of any other node that names one is scrubbed.
    """

    person_ids: frozenset[str] = frozenset()
    source_ids: frozenset[str] = frozenset()
    names: tuple[str, ...] = ()  # folded names and aliases, longest first
    anon: Mapping[str, str] = field(default_factory=dict)  # anon id -> real id

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> Redactions:
        persons = {str(r["id"]) for r in rows if r["k"] == "person"}
        names = {_fold(t) for r in rows if r["k"] == "person" for t in r["texts"] or [] if t}
        names = {n for n in names if len(n) >= 3}
        pattern = _pattern(tuple(names))
        sources = {str(r["id"]) for r in rows if r["k"] == "single"}
        for r in rows:
            texts = [str(t) for t in r["texts"] or [] if t] if r["k"] == "source" else []
            if pattern is not None and any(pattern.search(_fold(t)) for t in texts):
                sources.add(str(r["id"]))
        hidden = persons | sources
        return cls(frozenset(persons), frozenset(sources),
                   tuple(sorted(names, key=lambda n: (-len(n), n))),
                   {anon_id(i): i for i in hidden})  # fmt: skip

    @classmethod
    def load(cls, store: Any) -> Redactions:
        """Read them from a store (one Cypher); no store, no redactions beyond persons."""
        if store is None:
            return cls()
        return cls.from_rows(store.read(REDACTIONS_CYPHER))

    def hides(self, node_id: str) -> bool:
        return node_id in self.person_ids or node_id in self.source_ids

    def mentions(self, text: str) -> bool:
        pattern = _pattern(self.names)
        return pattern is not None and pattern.search(_fold(text)) is not None

    def scrub(self, text: str) -> str:
        """The text with every redacted name or alias replaced by [withheld]."""
        pattern = _pattern(self.names)
        if pattern is None or not pattern.search(_fold(text)):
            return text
        out = _raw_pattern(self.names).sub(WITHHELD, text)
        # A name written differently (spacing, case) that the raw pattern missed: all goes.
        return out if not pattern.search(_fold(out)) else WITHHELD


@functools.lru_cache(maxsize=16)
def _pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")


@functools.lru_cache(maxsize=16)
def _raw_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    parts = (r"\s+".join(re.escape(w) for w in n.split()) for n in names)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


NO_REDACTIONS = Redactions()

_CACHES: weakref.WeakKeyDictionary[Any, RedactionCache] = weakref.WeakKeyDictionary()


def redaction_cache(store: Any) -> RedactionCache:
    """The one RedactionCache of a store (made on first use)."""
    cache = _CACHES.get(store)
    if cache is None:
        cache = _CACHES.setdefault(store, RedactionCache())
    return cache


@dataclass(frozen=True)
class View:
    """What one role sees of the graph: the one place that turns stored rows into visible ones."""

    role: Role = Role.PUBLIC
    redactions: Redactions = NO_REDACTIONS

    @property
    def public(self) -> bool:
        return self.role < Role.ANALYST

    def hidden(self, node_type: str, props: Mapping[str, Any]) -> bool:
        """True if this node is shown only anonymously (a redacted person, a withheld source)."""
        if not self.public:
            return False
        if is_redacted(node_type, props, self.role):
            return True
        return node_type == "Source" and self.redactions.hides(str(props.get("id") or ""))

    def node(self, node_type: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """The properties this role sees, `id` the id it sees and `label` its label."""
        real = str(props.get("id") or "")
        if not self.public:
            return {**props, "label": label_for(node_type, props, self.role)}
        if is_redacted(node_type, props, self.role):
            out = redact_properties(node_type, props, self.role)
            return {**out, "id": anon_id(real), "label": anonymous_label(props)}
        if node_type == "Source" and self.redactions.hides(real):
            return {"id": anon_id(real), "ref": WITHHELD, "title": WITHHELD_SOURCE,
                    "kind": props.get("kind"), "label": WITHHELD_SOURCE,
                    "source_ids": [], "citations": []}  # fmt: skip
        out = self._visible(props)
        out["label"] = self._text("", label_for(node_type, props, self.role))
        return out

    def _visible(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Texts scrubbed of redacted names; withheld sources gone from the provenance."""
        out = {k: self._text(k, v) for k, v in props.items()}
        hides = self.redactions.hides
        out["source_ids"] = [s for s in props.get("source_ids") or [] if not hides(str(s))]
        out["citations"] = [self._text("", c) for c in props.get("citations") or []
                            if not hides(str(c).partition("|")[0])]  # fmt: skip
        return out

    def _text(self, key: str, value: Any) -> Any:
        if isinstance(value, str):
            if key in ("url", "ref", "file", "legal_act_url") and self.redactions.mentions(value):
                return None if key != "ref" else WITHHELD
            return self.redactions.scrub(value)
        if isinstance(value, list):
            return [self._text(key, v) for v in value]
        return value

    def relation(self, props: Mapping[str, Any], touches_hidden: bool) -> dict[str, Any]:
        """A relation's properties: one that touches a hidden node keeps no id or citations."""
        if not self.public:
            return dict(props)
        if touches_hidden:
            out = {k: self._text(k, v) for k, v in props.items()}
            return {**out, "id": anon_id(str(props.get("id") or "")), "source_ids": [],
                    "citations": []}  # fmt: skip
        return self._visible(props)

    def shows_relation(self, relation: str, owner_hidden: bool) -> bool:
        return not (self.public and owner_hidden and relation in IDENTIFYING_RELATIONS)

    def real_id(self, given: str) -> str | None:
        """The stored id behind an id a client gives; None when the role may not name it.

        An anonymous id maps back to its node; the real id of a hidden node is refused as if
        it did not exist, so nobody can hash a guessed name and ask whether it is there.
        """
        if given.startswith("anon_"):
            return self.redactions.anon.get(given)
        if self.public and self.redactions.hides(given):
            return None
        return given


_ID = re.compile(r"\b[a-z][a-z_]*_[0-9a-f]{20}\b")


def scrub_response(view: View, value: Any) -> Any:
    """The last line of defence for `public`: every string of a response, scrubbed.

    Whatever a resolver let through (a root field over queries/, an error message that
    echoes its input), a redacted name becomes [withheld] and the real id of a hidden node
    becomes its anonymous id. Analysts' responses pass unchanged.
    """
    if not view.public:
        return value
    hides = view.redactions.hides

    def clean(v: Any) -> Any:
        if isinstance(v, str):
            if "_" in v:
                v = _ID.sub(lambda m: anon_id(m.group(0)) if hides(m.group(0)) else m.group(0), v)
            return view.redactions.scrub(v)
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return clean(value)
