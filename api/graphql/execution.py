"""Executing queries: graphql-core's executor with a fast path for stored scalar fields.

Most of what a large page costs is graphql-core's per-field machinery: for every
`title` of every node it builds a resolve info, calls strawberry's default resolver
(a getattr), checks for awaitables and completes the value through the generic
`complete_value`. A field that strawberry resolves with its default resolver (no
resolver of ours, no permission class, no argument) and whose type is a scalar or an
enum needs none of that: its value is the attribute, coerced by the scalar.

`FastExecutionContext` takes that shortcut, and only when the result is certain to be
the same: a value of a plain type (str, int, float, bool) that the scalar coerces to
something, or null on a nullable field. Anything else (a null on a non-null field, a
value the scalar rejects, an attribute that raises, middleware from an extension that
wraps resolvers) goes through graphql-core's own path, which reports it as before.
An object all of whose selected fields take the shortcut is completed in one loop.

It relies on graphql-core 3.3's executor (`execute_fields`, `execute_field`, field
details with `.node`); with another graphql-core the schema uses strawberry's default.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

import graphql
from graphql import (
    GraphQLID,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    Undefined,
    is_leaf_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: The executor API this module overrides (graphql-core 3.3).
SUPPORTED = graphql.version_info >= (3, 3)
PLAIN = (str, int, float, bool)
#: strawberry's key for the field definition on a graphql-core field (schema_converter).
DEFINITION = "strawberry-definition"


class Leaf(NamedTuple):
    attr: str  # the Python attribute strawberry's default resolver reads
    coerce: Callable[[Any], Any]  # the scalar's (or enum's) coerce_output_value
    nullable: bool
    text: bool  # String or ID: a str comes out as it is


def _plan(parent: GraphQLObjectType, name: str) -> Leaf | None:
    """How to read field `name` of `parent` directly, or None if it needs the full path."""
    field = parent.fields.get(name)
    if field is None or field.args or not getattr(field.resolve, "_is_default", False):
        return None
    definition = (field.extensions or {}).get(DEFINITION)
    attr = getattr(definition, "python_name", None)
    if not isinstance(attr, str):
        return None
    of_type = field.type
    nullable = not isinstance(of_type, GraphQLNonNull)
    if not nullable:
        of_type = of_type.of_type
    if not is_leaf_type(of_type):
        return None
    text = of_type is GraphQLString or of_type is GraphQLID
    return Leaf(attr, of_type.coerce_output_value, nullable, text)  # type: ignore[union-attr]


#: Per schema and object type: the plan of each of its fields (built once).
_PLANS: weakref.WeakKeyDictionary[GraphQLSchema, dict[str, dict[str, Leaf | None]]] = (
    weakref.WeakKeyDictionary()
)


def _plans(schema: GraphQLSchema, parent: GraphQLObjectType) -> dict[str, Leaf | None]:
    by_type = _PLANS.get(schema)
    if by_type is None:
        by_type = _PLANS[schema] = {}
    plans = by_type.get(parent.name)
    if plans is None:
        plans = by_type[parent.name] = {n: _plan(parent, n) for n in parent.fields}
    return plans


#: What `_read` returns when the shortcut is not certain.
SLOW: Any = object()


def _read(leaf: Leaf, source: Any) -> Any:
    """The completed value of a leaf field, or SLOW for graphql-core's own path."""
    try:
        value = getattr(source, leaf.attr)
    except Exception:
        return SLOW
    if value is None:
        return None if leaf.nullable else SLOW
    kind = type(value)
    if kind is str and leaf.text:
        return value
    if kind not in PLAIN:
        return SLOW
    try:
        coerced = leaf.coerce(value)
    except Exception:
        return SLOW
    return SLOW if coerced is None or coerced is Undefined else coerced


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):  # type: ignore[misc]
    """strawberry's execution context, with the shortcut for stored scalar fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Selection sets (memoized by graphql-core, so one object for every item of a
        # list) -> their leaves, or None when one field needs the full path. The set
        # itself is kept alive with its entry, so its id is not reused.
        self._leaf_sets: dict[int, tuple[Any, list[tuple[str, Leaf]] | None]] = {}

    def _shortcut(self) -> bool:
        manager = self.middleware_manager
        return manager is None or not manager.middlewares

    def _leaves(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any
    ) -> list[tuple[str, Leaf]] | None:
        key = id(grouped_field_set)
        cached = self._leaf_sets.get(key)
        if cached is not None:
            return cached[1]
        leaves: list[tuple[str, Leaf]] | None = []
        if self._shortcut():
            plans = _plans(self.schema, parent_type)
            for response_name, details in grouped_field_set.items():
                node = details[0].node
                leaf = plans.get(node.name.value)
                if leaf is None or node.arguments:
                    leaves = None
                    break
                leaves.append((response_name, leaf))  # type: ignore[union-attr]
        else:
            leaves = None
        self._leaf_sets[key] = (grouped_field_set, leaves)
        return leaves

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        leaves = self._leaves(parent_type, grouped_field_set)
        if leaves is not None:
            results: dict[str, Any] = {}
            for response_name, leaf in leaves:
                value = _read(leaf, source_value)
                if value is SLOW:
                    break
                results[response_name] = value
            else:
                return results
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        if not node.arguments and self._shortcut():
            leaf = _plans(self.schema, parent_type).get(node.name.value)
            if leaf is not None:
                value = _read(leaf, source)
                if value is not SLOW:
                    return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
