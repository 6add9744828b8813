"""The graph explorer at /explore: a static page that reads only the public GraphQL API.

The page (`api/web/`) is plain HTML, CSS and JavaScript with no build step. Its one
library, Cytoscape.js, is served from the repository's `node_modules/` (installed by
`npm install` from `package.json`, which `make serve` runs); it is never fetched from a
CDN, and the page's Content-Security-Policy lets it load nothing from anywhere else.

The colour of each node type is the schema's `colour:` (graph/schema.yaml): the page is
served with them in `<body data-colours='{"State": "#2f6db5", ...}'>`, which explore-api.js
reads, so the scripts stay static files and the briefings' figures use the same colours.

The page's scripts, loaded in order by explore.html and sharing one namespace
(`window.tnrExplorer`): explore-api.js (the GraphQL API, the state, small helpers),
explore-graph.js (the Cytoscape view, its styles, layout and export), explore-panels.js (the
side panel) and explore.js (the controls and their wiring). `/explore/static` serves the
scripts and the style sheet of `api/web/` only (not the page without its colours), with the
page's headers.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from graph.schema import Schema, load_schema

WEB_DIR = Path(__file__).resolve().parent / "web"
NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
CYTOSCAPE = Path("cytoscape") / "dist" / "cytoscape.min.js"

#: Everything the page needs comes from this server; graphs are exported as data:/blob: URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
MISSING_LIBRARY = (
    "Cytoscape.js is not installed, so the explorer cannot draw graphs. Run `npm install` "
    "at the root of the tnr-graph repository (`make serve` does it), then reload the page.\n"
)


def _headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


#: The tag of explore.html that receives the colours.
BODY = "<body "


def explore_html(schema: Schema) -> str:
    """explore.html with the schema's type colours in the body's `data-colours`."""
    page = (WEB_DIR / "explore.html").read_text(encoding="utf-8")
    colours = html.escape(json.dumps(schema.colours(), sort_keys=True), quote=True)
    if page.count(BODY) != 1:
        raise RuntimeError(f"explore.html needs exactly one {BODY!r} tag")
    return page.replace(BODY, f'{BODY}data-colours="{colours}" ')


def explore_page_for(schema: Schema) -> Callable[[Request], Awaitable[Response]]:
    async def explore_page(request: Request) -> Response:
        return HTMLResponse(explore_html(schema), headers=_headers())

    return explore_page


async def explore_slash(request: Request) -> Response:
    return RedirectResponse(request.url_for("explore"), status_code=308)


def library_response(node_modules: Path, relative: Path) -> Response:
    """A library file from node_modules, or a plain 503 that says how to install it."""
    path = node_modules / relative
    if not path.is_file():
        return PlainTextResponse(MISSING_LIBRARY, status_code=503)
    return FileResponse(path, media_type="text/javascript", headers=_headers())


async def cytoscape_library(request: Request) -> Response:
    return library_response(NODE_MODULES, CYTOSCAPE)


class Assets(StaticFiles):
    """The page's scripts and style sheet, with its Content-Security-Policy and nosniff."""

    SERVED = (".js", ".css")

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not path.endswith(self.SERVED):
            return PlainTextResponse("Not Found", status_code=404)
        response = await super().get_response(path, scope)
        response.headers.update(_headers())
        return response


def explore_routes(schema: Schema | None = None) -> list[BaseRoute]:
    """The explorer's routes, to add to the application's (colours of `schema`, by default
    graph/schema.yaml)."""
    return [
        Route("/explore", explore_page_for(schema or load_schema()), name="explore"),
        Route("/explore/", explore_slash),
        Route("/explore/lib/cytoscape.min.js", cytoscape_library, name="explore-cytoscape"),
        Mount("/explore/static", Assets(directory=WEB_DIR), name="explore-static"),
    ]
