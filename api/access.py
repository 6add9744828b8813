"""Who may see what: roles, API keys and the redaction of people at risk.

Roles, from least to most: `public` (no key), `analyst`, `editor`, `admin`.
Keys come from configuration (`TNR_API_KEYS="analyst:KEY,editor:KEY"` or a file
named by `TNR_API_KEYS_FILE`, one `role:key` a line); only their SHA-256 hashes
are kept, and a presented key is compared in constant time.

What each role may then see of the graph is decided in one place below the API:
`graph/visibility.py`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from graph.settings import Settings
from graph.visibility import Role

__all__ = ["KeyRing", "Role", "bearer", "key_hash"]


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
    def from_settings(cls, settings: Settings) -> KeyRing:
        """The ring of `Settings.api_keys` and `Settings.api_keys_file` (read once, at start)."""
        entries = [x for x in settings.api_keys.split(",") if x.strip()]
        ring = cls.from_entries(entries)
        path = settings.api_keys_file
        if path is not None:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
            ring = cls(ring.hashes + cls.from_entries(lines, where=str(path)).hashes)
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
