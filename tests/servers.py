"""Run an ASGI app under uvicorn on a free 127.0.0.1 port, in a thread, for a test."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
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
