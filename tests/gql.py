"""Run a GraphQL document on the schema in process, with the context a role's request gets."""

from __future__ import annotations

import asyncio
from typing import Any

from strawberry.types import ExecutionResult

from api.graphql import build_schema
from api.graphql.context import Context
from graph.store import Store
from graph.visibility import Role

SCHEMA = build_schema()


def run(
    store: Store, query: str, role: Role = Role.PUBLIC, key: str | None = None, /, **variables: Any
) -> ExecutionResult:
    """The result of `query` on the schema with a context of `role` (as the HTTP layer builds),
    and with `key`, the fingerprint of the caller's API key (what saved watches and the audit
    log record as the owner)."""
    ctx = Context.create(store, store.schema)
    ctx.role = role
    if key is not None:
        ctx.key_label = key  # type: ignore[attr-defined]  # the fingerprint the HTTP layer gives
    return asyncio.run(SCHEMA.execute(query, variable_values=variables, context_value=ctx))


def gql(store: Store, query: str, role: Role = Role.PUBLIC, **variables: Any) -> dict[str, Any]:
    """The data of a query that must answer without errors."""
    result = run(store, query, role, **variables)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def gql_error(store: Store, query: str, role: Role = Role.PUBLIC, **variables: Any) -> str:
    """The first error's message of a query that must fail."""
    result = run(store, query, role, **variables)
    assert result.errors, result.data
    return result.errors[0].message
