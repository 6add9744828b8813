"""A bound on the requests that work on the store at once, and on those that wait.

`QueryGate` lets at most `limit` requests to the gated paths (`/graphql`) run at a time
(TNR_MAX_CONCURRENT_QUERIES). A request that finds every slot taken waits for one, in a
queue of at most `queue` requests (TNR_MAX_QUEUED_QUERIES) and for at most `wait`
seconds (TNR_QUEUE_WAIT); past either bound it gets 503 with `Retry-After` at once, a
GraphQL-shaped error and nothing sent to the store. So an overloaded server answers
instead of queueing without bound, and the slots left beside one heavy request keep
serving light ones.
"""

from __future__ import annotations

import asyncio
import math

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

OVERLOADED_MESSAGE = "The server is busy answering other questions; try again in a moment."


class QueryGate:
    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        queue: int,
        wait: float,
        paths: tuple[str, ...] = ("/graphql",),
    ) -> None:
        self.app = app
        self.limit = max(1, limit)
        self.queue = max(0, queue)
        self.wait = max(0.0, wait)
        self.paths = paths
        self.running = 0
        self.waiting = 0
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:  # one per event loop (tests make many)
            self._slots, self._loop = asyncio.Semaphore(self.limit), loop
            self.running = self.waiting = 0
        return self._slots

    def _refuse(self) -> JSONResponse:
        retry = max(1, math.ceil(self.wait)) if self.wait else 1
        return JSONResponse(
            {"errors": [{"message": OVERLOADED_MESSAGE, "extensions": {"code": "OVERLOADED"}}]},
            status_code=503,
            headers={"Retry-After": str(retry)},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        slots = self._semaphore()
        if slots.locked():
            if self.waiting >= self.queue or not self.wait:
                await self._refuse()(scope, receive, send)
                return
            self.waiting += 1
            try:
                await asyncio.wait_for(slots.acquire(), self.wait)
            except TimeoutError:
                await self._refuse()(scope, receive, send)
                return
            finally:
                self.waiting -= 1
        else:
            await slots.acquire()
        self.running += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.running -= 1
            slots.release()
