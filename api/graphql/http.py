"""GraphQL over HTTP: strawberry's ASGI view with content negotiation and spec status codes.

* GET runs queries only: a mutation over GET is refused with 405.
* `Accept: application/graphql-response+json` gets that media type, and a request
  error (syntax, validation, variable coercion: no `data`) gets 400 without `data`.
* `application/json` (also for `*/*` or no Accept header) always gets 200 for a
  well-formed request, as the GraphQL-over-HTTP spec says for that media type.
* A field whose store read ran past TNR_QUERY_TIMEOUT is a field error (null, and an
  error with `extensions.code` TIMEOUT): 200 for both media types, as the spec asks
  of a response that has `data` (a "partial response", even when every field is null).
* Neither acceptable: 406. A browser asking for text/html gets GraphiQL.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from api.auth import role_of_scope
from graph.hidden import hidden_cache
from graph.schema import Schema, load_schema
from graph.store import QueryTimeout, StoreError
from graph.visibility import Role

from .context import Context
from .errors import TIMEOUT_MESSAGE, UNAVAILABLE_MESSAGE, log
from .ide import ASSET_PREFIX, graphiql_page
from .query_limits import QueryLimits

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None if we offer nothing it accepts."""
    if not accept or not accept.strip():
        return JSON
    best: tuple[float, str] | None = None
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        if media == GRAPHQL_RESPONSE_JSON:
            offer = GRAPHQL_RESPONSE_JSON
        elif media in (JSON, "application/*", "*/*"):
            offer = JSON
        else:
            continue
        if q > 0 and (best is None or q > best[0]):
            best = (q, offer)
    return best[1] if best else None


def unavailable(result: ExecutionResult) -> bool:
    """True when the store could not be reached and nothing was answered."""
    errors = result.errors or []
    return (
        bool(errors)
        and all(e.message == UNAVAILABLE_MESSAGE for e in errors)
        and (result.data is None or all(v is None for v in result.data.values()))
    )


def refused(result: ExecutionResult) -> bool:
    """True when the role may run none of the operation: every root field was refused.

    Then `application/graphql-response+json` gets 403 without `data`; a request that got
    some of its fields is a partial success (200), as the GraphQL-over-HTTP spec says.
    """
    errors = result.errors or []
    forbidden = {
        str(e.path[0])
        for e in errors
        if e.path and len(e.path) == 1 and (e.extensions or {}).get("code") == "FORBIDDEN"
    }
    if not forbidden or len(forbidden) != len(errors):
        return False
    return result.data is None or all(
        value is None and key in forbidden for key, value in result.data.items()
    )


class GraphQLApp(GraphQL[Context, None]):
    """Mounted at /graphql; gives every request a Context with fresh DataLoaders."""

    def __init__(
        self,
        schema: Any,
        graph_schema: Schema | None = None,
        limits: QueryLimits | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, **kwargs)
        self.graph_schema = graph_schema or load_schema()
        self.limits = limits or QueryLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            accept = request.headers.get("accept")
            wants_ide = request.method == "GET" and "text/html" in (accept or "")
            if negotiate(accept) is None and not wants_ide:
                response = PlainTextResponse(
                    f"Not acceptable: this endpoint answers {GRAPHQL_RESPONSE_JSON} or {JSON}.",
                    status_code=406,
                )
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Any, response: Any) -> Context:
        store = getattr(request.app.state, "store", None)
        context = Context.create(
            store, self.graph_schema, request, response, max_page=self.limits.max_page
        )
        context.role = role_of_scope(request.scope)
        if context.role < Role.ANALYST and store is not None:  # what public may not see, once
            try:
                context.hidden = await run_in_threadpool(hidden_cache(store).get, store)
            except StoreError as exc:  # no answer for public without its redactions
                log.warning("cannot read the redactions: %s", exc)
                raise HTTPException(503, UNAVAILABLE_MESSAGE) from exc
            except QueryTimeout as exc:
                log.warning("reading the redactions stopped: %s", exc)
                raise HTTPException(503, TIMEOUT_MESSAGE) from exc
        return context

    async def render_graphql_ide(self, request: Any) -> Response:
        """GraphiQL from the repository's node_modules (never a CDN): see ide.py."""
        settings = getattr(request.app.state, "settings", None)
        return graphiql_page(
            request.scope.get("root_path", "") + ASSET_PREFIX,
            getattr(settings, "node_modules", None),
        )

    async def get_sub_response(self, request: Any) -> Response:
        sub = await super().get_sub_response(request)
        sub.media_type = negotiate(request.headers.get("accept")) or JSON
        request.state.sub_response = sub
        return sub

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: Any,
    ) -> Any:
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as exc:
            if request_adapter.method == "GET" and isinstance(
                exc.__cause__, InvalidOperationTypeError
            ):
                raise HTTPException(405, "Only queries may be sent with GET; use POST.") from exc
            raise

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        sub: Response | None = getattr(request.state, "sub_response", None)
        request_error = (
            result.data is None
            and bool(result.errors)
            and all(e.path is None for e in result.errors or ())
        )
        if sub is not None and sub.media_type == GRAPHQL_RESPONSE_JSON and request_error:
            data.pop("data", None)  # type: ignore[misc]
            sub.status_code = 400
        elif sub is not None and sub.media_type == GRAPHQL_RESPONSE_JSON and refused(result):
            data.pop("data", None)  # type: ignore[misc]
            sub.status_code = 403
        if sub is not None and unavailable(result):
            sub.status_code = 503  # the store is down: the client may retry, as for any 503
        return data

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        media = sub_response.media_type or JSON
        response.media_type = media
        response.headers["content-type"] = f"{media}; charset=utf-8"
        return response
