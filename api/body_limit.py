"""A limit on the size of a request body, checked before any of it reaches the app.

`BodyLimit` answers 413 with a GraphQL-shaped error when the body is larger than
`max_bytes` (`TNR_MAX_BODY_BYTES`): at once from Content-Length, or, for a body sent
without one (chunked), as soon as the bytes read pass the limit; nothing is parsed and
the store is never asked.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refuse(self) -> JSONResponse:
        return JSONResponse(
            {
                "errors": [
                    {
                        "message": f"Request body too large: the limit is {self.max_bytes} bytes.",
                        "extensions": {"code": "BODY_TOO_LARGE"},
                    }
                ]
            },
            status_code=413,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            try:
                too_large = int(length) > self.max_bytes
            except ValueError:
                too_large = True
            if too_large:
                await self._refuse()(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # No Content-Length: read the body here, up to the limit, then hand it on.
        chunks: list[Message] = []
        size = 0
        while True:
            message = await receive()
            chunks.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse()(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)
