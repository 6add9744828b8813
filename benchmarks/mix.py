"""The serving benchmark's clients: the query mix, the trivial endpoint, heavy beside light."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

KEY = "bench-serving-analyst-key-0123456789"

MIX: dict[str, tuple[str, dict[str, Any]]] = {
    "licences 5A001 page + totalCount": (
        'query { exportLicences(first: 20, filter: {controlCode: {eq: "5A001"}}) '
        "{ totalCount edges { node { id value decision } } } }",
        {},
    ),
    "persons page + totalCount": (
        "query { persons(first: 50) { totalCount edges { node { id label roles } } } }",
        {},
    ),
    "incidents with targets": (
        "query { incidents(first: 20) { edges { node { id label year targeted { node { id label } } "
        "} } } }",
        {},
    ),
    "neighbourhood depth 1": (
        "query($id: ID!) { neighbourhood(id: $id, depth: 1, limit: 500) { nodes { id label } "
        "edges { id type } } }",
        {"id": "state"},
    ),
    "sanctionsCoverage by origin": (
        "query { sanctionsCoverage(by: ORIGIN) { incidents groups { key incidents } } }",
        {},
    ),
    "search Gamma Group": ('query { search(text: "Gamma Group") { id label } }', {}),
}
LIGHT = "query { persons(first: 20) { edges { node { id label } } } }"
HEAVY = (
    "query($id: ID!) { neighbourhood(id: $id, depth: 3, limit: 2000) { nodes { id label } "
    "edges { id type } truncated } }"
)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Mixed:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    timeouts: int = 0
    overloaded: int = 0
    requests: int = 0
    seconds: float = 0.0
    samples: list[str] = field(default_factory=list)


async def mixed(
    base: str,
    clients: int,
    per_client: int,
    seconds: float,
    ids: dict[str, str],
    public: bool = True,
) -> Mixed:
    out = Mixed()
    names = list(MIX)
    deadline = time.perf_counter() + seconds

    async def worker(n: int, client: httpx.AsyncClient) -> None:
        analyst = bool(n % 2) or not public
        headers = {"Authorization": f"Bearer {KEY}"} if analyst else {}
        for k in range(per_client):
            if time.perf_counter() > deadline:
                return
            name = names[(n + k) % len(names)]
            query, variables = MIX[name]
            given = {key: ids.get(v, v) for key, v in variables.items()}
            t0 = time.perf_counter()
            try:
                r = await client.post(
                    "/graphql", json={"query": query, "variables": given}, headers=headers
                )
                body = r.json()
                codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
                if "TIMEOUT" in codes:
                    out.timeouts += 1
                if r.status_code == 503:
                    out.overloaded += 1
                ok = r.status_code == 200 and not body.get("errors")
                if not ok and len(out.samples) < 3:
                    out.samples.append(f"{name}: {r.status_code} {str(body)[:200]}")
            except httpx.HTTPError as exc:
                ok = False
                out.timeouts += isinstance(exc, httpx.TimeoutException)
            out.latencies[f"{name} ({'analyst' if analyst else 'public'})"].append(
                time.perf_counter() - t0
            )
            out.requests += 1
            out.errors[name] += not ok

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(n, client) for n in range(clients)))
        out.seconds = time.perf_counter() - t0
    return out


async def trivial(base: str, clients: int, requests: int) -> tuple[list[float], int, float]:
    from benchmarks.server import TRIVIAL_PATH

    latencies: list[float] = []
    errors = 0
    per_client = max(1, requests // clients)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for _ in range(per_client):
            t0 = time.perf_counter()
            try:
                errors += (await client.get(TRIVIAL_PATH)).status_code != 200
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - t0)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        return latencies, errors, time.perf_counter() - t0


def starvation(base: str, state: str, runs: int) -> dict[str, float]:
    """A light page's latencies alone, then while one client loops on a heavy neighbourhood."""
    out: dict[str, float] = {}
    with httpx.Client(base_url=base, timeout=120) as client:

        def light() -> float:
            t0 = time.perf_counter()
            r = client.post("/graphql", json={"query": LIGHT})
            if r.status_code != 200 or r.json().get("errors"):
                raise RuntimeError(f"the light query failed: {r.status_code} {r.text[:200]}")
            return time.perf_counter() - t0

        for _ in range(5):
            light()
        alone = [light() for _ in range(runs)]
        stop = threading.Event()
        heavy_t: list[float] = []

        def heavy() -> None:
            with httpx.Client(base_url=base, timeout=120) as other:
                while not stop.is_set():
                    t0 = time.perf_counter()
                    other.post("/graphql", json={"query": HEAVY, "variables": {"id": state}})
                    heavy_t.append(time.perf_counter() - t0)

        worker = threading.Thread(target=heavy, daemon=True)
        worker.start()
        time.sleep(0.5)
        beside = [light() for _ in range(runs)]
        stop.set()
        worker.join(180)
    out["alone p50"], out["alone p99"] = pct(alone, 50), pct(alone, 99)
    out["beside p50"], out["beside p99"] = pct(beside, 50), pct(beside, 99)
    out["heavy p50"] = pct(heavy_t, 50) if heavy_t else float("nan")
    out["heavy runs"] = float(len(heavy_t))
    return out
