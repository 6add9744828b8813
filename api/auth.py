"""Who is calling: `Authorization: Bearer <key>` mapped to a role, for every HTTP request.

The ring of hashed keys is read once, when the app is made. No header: `public`.
A key that is not known (or an Authorization header that is not a bearer key) is
refused with 401, `WWW-Authenticate: Bearer` and a body in GraphQL error form, so a
GraphQL client shows it like any other error. The role travels in the ASGI scope
(`scope["tnr.role"]`); `role_of_scope` reads it, PUBLIC when nothing set it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.access import KeyRing, Role, bearer

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
        await send({
            "type": "http.response.start", "status": 401,
            "headers": [(b"content-type", f"{media}; charset=utf-8".encode()),
                        (b"content-length", str(len(body)).encode()),
                        (b"www-authenticate", b'Bearer realm="tnr-graph"')],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": body})
