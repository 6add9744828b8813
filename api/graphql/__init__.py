"""The GraphQL API: types generated from graph/schema.yaml, served at /graphql.

`types.py` (the factory of node and relation types), `inputs.py` (filters and
orderings of each type), `filters.py`, `cursors.py`, `paging.py` and `connections.py`
(Relay pages in Cypher), `context.py` (the store and per-request DataLoaders), `root.py`
(the root Query), `analysis.py` (its analytical fields: `answers.py`, `trade.py`,
`sanctions.py`, `feed.py`, `incidents.py`, `walks.py`), `query_limits.py` and
`errors.py` (what a request may ask and what a client sees), `schema.py`,
`http.py` (GraphQL over HTTP), `mutations.py` (audited edits, generated from the
schema; `editor.py` runs them, `edit_inputs.py` checks their input), `audit.py` (the
audit records and `auditLog`), `permissions.py` (what each role may call).
"""

from __future__ import annotations

from graph.schema import Schema

from .http import GraphQLApp
from .query_limits import QueryLimits
from .schema import build_schema


def create_graphql_app(
    schema: Schema | None = None, limits: QueryLimits | None = None
) -> GraphQLApp:
    """The ASGI app to mount at /graphql (GraphiQL for browsers, queries over GET and POST)."""
    limits = limits or QueryLimits()
    return GraphQLApp(build_schema(schema, limits), schema, limits, graphql_ide="graphiql")


__all__ = ["GraphQLApp", "QueryLimits", "build_schema", "create_graphql_app"]
