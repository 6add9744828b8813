"""The concurrency step: C clients against a GraphQL page and the trivial endpoint."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import httpx

from benchmarks.figures import Concurrency, pct
from benchmarks.server import TRIVIAL_PATH

PAGE = "{ incidents(first: 20) { edges { node { id title year } } } }"


async def _hammer(
    base: str, path: str, body: dict[str, Any] | None, clients: int, per_client: int, timeout: float
) -> Concurrency:
    latencies: list[float] = []
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for _ in range(per_client):
            t0 = time.perf_counter()
            try:
                if body is None:
                    r = await client.get(path)
                    ok = r.status_code == 200
                else:
                    r = await client.post(path, json=body)
                    ok = r.status_code == 200 and not r.json().get("errors")
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - t0)
            errors += not ok

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        t0 = time.perf_counter()
        tasks = [asyncio.ensure_future(worker(client)) for _ in range(clients)]
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:  # out of time: what did not finish counts as errors
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        seconds = time.perf_counter() - t0
    name = "GraphQL incidents(first: 20)" if body else f"trivial Starlette {path}"
    unfinished = clients * per_client - len(latencies)
    return Concurrency(
        name, clients, clients * per_client, errors + unfinished, seconds, latencies or [seconds]
    )


def bench_concurrency(base: str, clients: int, per_client: int) -> list[Concurrency]:
    out = []
    for path, body in ((TRIVIAL_PATH, None), ("/graphql", {"query": PAGE})):
        out.append(asyncio.run(_hammer(base, path, body, clients, per_client, timeout=120)))
        c = out[-1]
        print(
            f"    {c.endpoint}: {c.throughput:.0f} req/s, p99 "
            f"{pct(c.latencies, 99) * 1e3:.1f} ms, {c.errors} errors",
            file=sys.stderr,
        )
    return out
