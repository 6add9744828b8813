"""`tnr serve`: the API on the store, with the bundled data loaded into an empty store."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import console, open_store
from cli.load import bundled_paths, run_load
from graph.settings import Settings


def serve(
    host: Annotated[
        str, typer.Option(help="address to bind (keep 127.0.0.1 unless behind a proxy)")
    ] = "",
    port: Annotated[int, typer.Option(help="port to listen on")] = 0,
) -> None:
    """Run the API (embedded engine unless NEO4J_URI is set); loads the bundled data into an empty store."""
    # uvicorn and the application (strawberry, the GraphQL schema: about a second) are
    # imported only by this command, so that the others and `tnr --help` start without them.
    import uvicorn

    from api.app import create_app

    settings = Settings.from_env()
    store = open_store(settings)
    try:
        if store.node_count() == 0:
            console.print("The store is empty: loading the bundled dataset first.")
            for fmt, path in bundled_paths():
                run_load(store, settings, fmt, path)
        application = create_app(settings, store=store)
        bind_host, bind_port = host or settings.host, port or settings.port
        console.print(f"Serving on http://{bind_host}:{bind_port} (health: /health). Ctrl-C stops.")
        uvicorn.run(application, host=bind_host, port=bind_port, log_level=settings.log_level)
    finally:
        store.close()
