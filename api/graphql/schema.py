"""The strawberry schema: generated types, the root Query and the protective extensions."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graph.schema import Schema, load_schema

from .audit import build_audit_query
from .errors import PublicError, is_internal, log, mask_errors
from .execution import SUPPORTED, FastExecutionContext
from .mutations import build_mutation
from .query_limits import QueryLimits, make_alias_rule, make_cost_rule, make_depth_rule
from .root import build_query
from .types import Entity, Node
from .watches import WatchMutation, WatchQuery


class GraphSchema(strawberry.Schema):
    """Logs internal errors with their traceback for operators; client mistakes briefly."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_internal(error):
                log.error(
                    "GraphQL error at %s: %s",
                    error.path,
                    error.message,
                    exc_info=error.original_error,
                )
            elif log.isEnabledFor(logging.DEBUG):
                kind = "client" if isinstance(error.original_error, PublicError) else "request"
                log.debug("GraphQL %s error: %s", kind, error.message)


def build_schema(
    schema: Schema | None = None,
    limits: QueryLimits | None = None,
) -> GraphSchema:
    """The GraphQL schema of `schema` (graph/schema.yaml by default), refusing what is over
    `limits` (the defaults of Settings unless given)."""
    schema = schema or load_schema()
    limits = limits or QueryLimits()
    # Aliases, depth and cost: our rules, linear in the document (query_limits.py says why).
    rules: list[type[ASTValidationRule]] = [
        make_alias_rule(limits.max_aliases),
        make_depth_rule(limits.max_depth),
        make_cost_rule(limits.max_cost, limits.max_page),
    ]
    # Factories: strawberry builds fresh extensions for each request (the parse and
    # validation caches are shared at module level all the same).
    extensions: list[Any] = [
        partial(ParserCache, maxsize=256),
        partial(ValidationCache, maxsize=256),
        partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        partial(AddValidationRules, rules),
        mask_errors,
    ]
    registry_types = [Node, Entity]
    query = merge_types("Query", (build_query(schema), build_audit_query(schema), WatchQuery))
    mutation = merge_types("Mutation", (build_mutation(schema), WatchMutation))
    return GraphSchema(
        query=query,
        mutation=mutation,
        types=registry_types,
        extensions=extensions,
        execution_context_class=FastExecutionContext if SUPPORTED else None,
    )
