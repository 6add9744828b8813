"""GraphiQL from local files: the page at /graphql for browsers, its assets under /static.

Strawberry's own GraphiQL page loads React and GraphiQL from a CDN, which fails
offline. Here the same UMD builds come from the npm packages in the repository's
`node_modules/` (`npm install` at the root, run by the Makefile): GraphiQL 3
(its bundle includes graphql-js and CodeMirror, fonts are inlined in its CSS)
and React 18. Nothing is fetched from elsewhere. If the packages are missing,
the page and the asset route say how to install them.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

#: URL file name -> path inside node_modules.
ASSETS: dict[str, str] = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}
ASSET_PREFIX = "/static/graphiql"
MISSING = (
    "GraphiQL's files are not installed: run `npm install` in the repository root "
    "(`make serve` does it), or set TNR_NODE_MODULES to a node_modules folder that has "
    "graphiql@3, react@18 and react-dom@18."
)


def node_modules(configured: Path | None = None) -> Path:
    """Where the npm packages are: `configured` (Settings.node_modules: TNR_NODE_MODULES),
    else the repository's node_modules."""
    return configured or Path(__file__).resolve().parents[2] / "node_modules"


def missing_assets(configured: Path | None = None) -> list[str]:
    root = node_modules(configured)
    return [path for path in ASSETS.values() if not (root / path).is_file()]


async def graphiql_asset(request: Request) -> Response:
    """One of the GraphiQL files (the name must be one of ASSETS: no path is taken from the URL)."""
    name = request.path_params["name"]
    if name not in ASSETS:
        return PlainTextResponse("Not found.", status_code=404)
    settings = getattr(request.app.state, "settings", None)
    path = node_modules(getattr(settings, "node_modules", None)) / ASSETS[name]
    if not path.is_file():
        return PlainTextResponse(MISSING, status_code=404)
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(path, media_type=media, headers={"cache-control": "public, max-age=3600"})


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tnr-graph GraphiQL</title>
<link rel="icon" href="data:,">
<style>html, body {{ margin: 0; height: 100%; }} #graphiql {{ height: 100vh; }}</style>
<link rel="stylesheet" href="{prefix}/graphiql.min.css">
</head>
<body>
<div id="graphiql">Loading GraphiQL...</div>
<script src="{prefix}/react.production.min.js"></script>
<script src="{prefix}/react-dom.production.min.js"></script>
<script src="{prefix}/graphiql.min.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname }});
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {{
    fetcher,
    defaultQuery: "# The graph of transnational repression and the surveillance trade.\\n"
      + "{{\\n  search(text: \\"Pegasus\\") {{ id type label }}\\n}}\\n",
  }}));
</script>
</body>
</html>
"""

MISSING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tnr-graph GraphiQL</title></head>
<body><h1>GraphiQL is not installed</h1><p>{message}</p>
<p>The API itself works: POST GraphQL requests to this address.</p></body></html>
"""


def graphiql_page(prefix: str = ASSET_PREFIX, configured: Path | None = None) -> HTMLResponse:
    """The GraphiQL page, or a page that says how to install its files."""
    if missing_assets(configured):
        return HTMLResponse(MISSING_PAGE.format(message=MISSING))
    return HTMLResponse(PAGE.format(prefix=prefix))
