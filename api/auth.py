"""Who is calling: API keys and their roles, and the middleware that maps each request's
`Authorization: Bearer <key>` to a role.

Roles, from least to most: `public` (no key), `analyst`, `editor`, `admin`.
Keys come from Settings (`TNR_API_KEYS="analyst:KEY,editor:KEY"` or a file named by
`TNR_API_KEYS_FILE`, one `role:key` a line), read once when the app is made; only their
SHA-256 hashes are kept, and a presented key is compared in constant time.

No header: `public`. A key that is not known (or an Authorization header that is not a
bearer key) is refused with 401, `WWW-Authenticate: Bearer` and a body in GraphQL error
form, so a GraphQL client shows it like any other error. The role travels in the ASGI
scope (`scope["tnr.role"]`); `role_of_scope` reads it, PUBLIC when nothing set it.

What each role may call is api/graphql/permissions.py; what it may see of the graph is
decided in one place below the API: graph/visibility.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from graph.settings import Settings
from graph.visibility import Role

__all__ = [
    "CLI_OWNER",
    "KeyAuth",
    "KeyRing",
    "Role",
    "bearer",
    "current_keys",
    "key_hash",
    "owner_refusal",
    "role_of_scope",
]


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

    def role_of_fingerprint(self, fingerprint: str) -> Role | None:
        """The role of the configured key whose SHA-256 begins with `fingerprint` (the 12 hex
        digits the audit log and watches keep of a key); None if no configured key does."""
        roles = [r for known, r in self.hashes if fingerprint and known.startswith(fingerprint)]
        return max(roles) if roles else None


#: The owner of what is saved from the command line: the operator at the terminal.
CLI_OWNER = "cli"


def current_keys(settings: Settings) -> KeyRing | str:
    """The keys as configured now (read again, not the ones the app started with), or why
    they cannot be read."""
    try:
        return KeyRing.from_settings(settings)
    except (OSError, ValueError) as exc:
        return f"the API keys cannot be read to confirm the owner's role ({exc})"


def owner_refusal(keys: KeyRing | str, owner: str, role: Role) -> str | None:
    """Why something saved by the key `owner` (a fingerprint, or CLI_OWNER) may no longer act
    as `role` under `keys` (`current_keys`); None if it may: a key removed or lowered since
    it saved a watch takes the watch's reach down with it."""
    if owner == CLI_OWNER or role <= Role.PUBLIC:
        return None
    if isinstance(keys, str):
        return keys
    now = keys.role_of_fingerprint(owner)
    if now is None:
        return (
            f"the key that saved it ({owner}) is not configured here (TNR_API_KEYS / "
            f"TNR_API_KEYS_FILE), so it is not asked as {role.name.lower()}"
        )
    if now < role:
        return (
            f"the key that saved it is now {now.name.lower()}, below the watch's role "
            f"{role.name.lower()}: it is not asked"
        )
    return None


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


SCOPE_KEY = "tnr.role"
UNKNOWN_KEY = "the API key is not known"
NOT_BEARER = "the Authorization header must be 'Bearer <API key>'"


def role_of_scope(scope: Any) -> Role:
    role = scope.get(SCOPE_KEY) if isinstance(scope, dict) else None
    return role if isinstance(role, Role) else Role.PUBLIC


def unauthenticated_body(message: str) -> bytes:
    body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return json.dumps(body).encode("utf-8")


class KeyAuth:
    """ASGI middleware: sets the caller's role, or answers 401 for a key it does not know."""

    def __init__(self, app: ASGIApp, keyring: KeyRing) -> None:
        self.app = app
        self.keyring = keyring

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        header = headers.get("authorization")
        key = bearer(header)
        role = self.keyring.role_for(key) if (key or not header) else None
        if role is None:
            await self._refuse(scope, send, headers, UNKNOWN_KEY if key else NOT_BEARER)
            return
        scope[SCOPE_KEY] = role
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Send, headers: Headers, message: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401})
            return
        media = "application/graphql-response+json"
        if media not in headers.get("accept", ""):
            media = "application/json"
        body = unauthenticated_body(message)
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", f"{media}; charset=utf-8".encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="tnr-graph"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
