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

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
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


def anonymous_label(props: Mapping[str, Any]) -> str:
    roles = [r for r in (props.get("roles") or []) if isinstance(r, str)]
    country = props.get("residence_country")
    label = "target" + (f": {', '.join(roles[:3])}" if roles else "")
    return label + (f", in {country}" if country else "")


def redact_properties(node_type: str, props: Mapping[str, Any], role: Role) -> dict[str, Any]:
    """The properties `role` may see. Sensitive ones and citations of a redacted person go."""
    if not is_redacted(node_type, props, role):
        return dict(props)
    nt = load_schema().node(node_type)
    sensitive = {p.name for p in nt.properties.values() if p.sensitive}
    out = {k: v for k, v in props.items() if k not in sensitive and k not in ("citations",)}
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
    mac = hmac.new(_redaction_key(), node_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"anon_{mac[:20]}"
