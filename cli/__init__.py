"""The `tnr` command line.

`cli.main` is the root: it builds the typer app and registers every command group.
`cli.common` is the one module the groups share (the console, `fail`, `open_store`,
`print_summary`). The groups (`load`, `serve`, `admin`, `query`, `review`, `brief`,
`export`) import `cli.common` and the layers below (graph, loaders, queries, exports,
briefings, api.app), never `cli.main`; `tests/project/test_cli_layout.py` checks it.
"""
