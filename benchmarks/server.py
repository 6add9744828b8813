"""The app the benchmarks serve: the product app plus one benchmark-only route.

    python -m uvicorn benchmarks.server:make_app --factory --host 127.0.0.1 --port P

`/bench/trivial` answers a constant JSON body through the same server and middleware,
so the concurrency benchmark can put the GraphQL endpoint beside the cheapest
possible Starlette endpoint. The product app (`api.app.create_app`) never has it.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.app import create_app
from graph.settings import Settings

TRIVIAL_PATH = "/bench/trivial"


async def trivial(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def make_app() -> Starlette:
    """The product app for the settings of the environment, with the benchmark-only route."""
    app = create_app(Settings.from_env())
    app.router.routes.append(Route(TRIVIAL_PATH, trivial))
    return app
