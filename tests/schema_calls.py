"""GraphQL queries run on the schema directly, with the context the HTTP layer would build."""

from __future__ import annotations

import asyncio
from typing import Any

from api.graphql import build_schema
from api.graphql.context import Context
from graph.store import Store
from graph.visibility import Role

SCHEMA = build_schema()


def _execute(store: Store, query: str, role: Role, variables: dict[str, Any]) -> Any:
    ctx = Context.create(store, store.schema)
    ctx.role = role
    return asyncio.run(SCHEMA.execute(query, variable_values=variables, context_value=ctx))


def gql(store: Store, query: str, role: Role = Role.PUBLIC, **variables: Any) -> dict[str, Any]:
    """The answer's data as `role` gets it; fails the test on any error."""
    result = _execute(store, query, role, variables)
    assert result.errors is None, result.errors
    assert result.data is not None
    data: dict[str, Any] = result.data
    return data


def gql_error(store: Store, query: str, role: Role = Role.PUBLIC, **variables: Any) -> str:
    """The first error's message as `role` gets it; fails the test if there is none."""
    result = _execute(store, query, role, variables)
    assert result.errors, result.data
    message: str = result.errors[0].message
    return message
