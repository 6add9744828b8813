"""Servers for tests on a free 127.0.0.1 port, in a thread: an ASGI app under uvicorn, and a
webhook receiver that records what it is sent."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import uvicorn

from graph.embedded import free_port


@contextlib.contextmanager
def running(app: Any, timeout: float = 30.0) -> Iterator[str]:
    """Serve `app` while the block runs; yields its base URL (http://127.0.0.1:PORT)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def private_webhooks(store: Any, monkeypatch: Any, allow: bool) -> None:
    """TNR_WEBHOOK_PRIVATE for `store` during a test (the receiver below is on 127.0.0.1)."""
    monkeypatch.setattr(store, "settings", replace(store.settings, webhook_private=allow))


#: What a webhook receiver was sent: (body, X-TNR-Signature header), in order.
Received = list[tuple[bytes, str | None]]


@contextlib.contextmanager
def webhook_receiver(statuses: list[int] | None = None) -> Iterator[tuple[str, Received]]:
    """Receive POSTs while the block runs; yields its URL and what it was sent. It answers
    with `statuses` in turn, then 204."""
    received: Received = []
    answers = list(statuses or ())

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers.get("X-TNR-Signature")))
            self.send_response(answers.pop(0) if answers else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()
