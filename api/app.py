"""The Starlette application: `create_app()` with a lifespan that opens the store."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth import KeyAuth, KeyRing
from api.body_limit import BodyLimit
from api.explore import explore_routes
from api.gate import QueryGate
from api.graphql import QueryLimits, create_graphql_app
from api.graphql.ide import ASSET_PREFIX, graphiql_asset
from graph.anonymity import install_redaction_key
from graph.settings import Settings
from graph.store import Store, StoreError
from graph.visibility import Role, View
from queries import search

log = logging.getLogger("tnr.api")


async def health(request: Request) -> JSONResponse:
    store: Store | None = request.app.state.store
    if store is None:
        return JSONResponse({"status": "unavailable", "engine": None}, status_code=503)
    try:
        counts = await run_in_threadpool(store.counts)  # blocking driver calls: off the event loop
    except Exception as exc:  # the engine went away: say so, do not crash
        log.warning("health check failed: %s", exc)
        return JSONResponse(
            {
                "status": "unavailable",
                "engine": store.profile.name,
                "error": "the graph database is not reachable",
            },
            status_code=503,
        )
    # What anyone may count: nodes of the types every reader may see (no audit log, no
    # bookkeeping, no relation counts that would count the links hidden from the public).
    shown = set(View(Role.PUBLIC, schema=store.schema).visible_labels())
    return JSONResponse(
        {
            "status": "ok",
            "engine": store.profile.name,
            "server": store.agent,
            "counts": {k: v for k, v in counts.items() if v and k in shown},
        },
    )


def create_app(settings: Settings | None = None, store: Store | None = None) -> Starlette:
    """The application. With `store` given it uses that store and leaves it open."""
    settings = settings or Settings.from_env()
    # What the settings decide is passed down from here: the redaction key (installed once
    # for the process: here for a store handed in, else by Store.open in the lifespan), the
    # GraphQL limits, the body limit, the keys and the query gate.
    if store is not None:
        install_redaction_key(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = store is None
        if store is None:
            try:
                app.state.store = Store.open(settings)
            except StoreError as exc:
                log.error("%s", exc)
                raise
        else:
            app.state.store = store
        if owned:  # `tnr serve`: answer nothing before the search index is built
            await run_in_threadpool(search.warm(app.state.store).join)
        else:  # a store handed in (tests, tools): build it beside the first requests
            search.warm(app.state.store)
        try:
            yield
        finally:
            if owned:
                app.state.store.close()

    middleware = []
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["*"],
            )
        )
    # After CORS (a browser may read the refusal), before anything reads the body: a body
    # larger than TNR_MAX_BODY_BYTES gets 413.
    middleware.append(Middleware(BodyLimit, max_bytes=settings.max_body_bytes))
    # After CORS (so a preflight needs no key): the caller's role, read from the API key.
    middleware.append(Middleware(KeyAuth, keyring=KeyRing.from_settings(settings)))
    # Innermost: a bounded number of GraphQL requests work on the store at once; beyond a
    # short bounded queue, 503 with Retry-After (api/gate.py).
    middleware.append(
        Middleware(
            QueryGate,
            limit=settings.max_concurrent_queries,
            queue=settings.max_queued_queries,
            wait=settings.queue_wait,
        )
    )
    graphql = create_graphql_app(
        store.schema if store is not None else None, QueryLimits.from_settings(settings)
    )
    routes = [
        Route("/health", health),
        Route("/graphql", graphql, name="graphql"),
        Route(f"{ASSET_PREFIX}/{{name}}", graphiql_asset, name="graphiql-asset"),
        *explore_routes(store.schema if store is not None else None),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.store = store
    app.state.settings = settings
    return app
