"""Limits on what one request may ask: depth (strawberry), and a cost estimate.

The cost of a query is the number of objects it may fetch: every field that
takes `first`/`last` multiplies the objects of its parents by its page size (a
variable counts as the largest page allowed). A query over `max_cost` is refused
during validation, before any Cypher runs.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)

from graph.settings import Settings

_SETTINGS = Settings.from_env()
#: Largest `first`/`last` of a root connection (TNR_GRAPHQL_MAX_PAGE), and its default.
MAX_PAGE = _SETTINGS.graphql_max_page
DEFAULT_PAGE = 20
#: Largest `first` of a relation field, and its default.
MAX_RELATION_PAGE = 200
DEFAULT_RELATION_PAGE = 50

MAX_DEPTH = _SETTINGS.graphql_max_depth  # TNR_GRAPHQL_MAX_DEPTH
MAX_COST = _SETTINGS.graphql_max_cost  # TNR_GRAPHQL_MAX_COST
MAX_ALIASES = 30
MAX_TOKENS = 5_000


def _page(field: FieldNode, field_def: GraphQLField) -> int | None:
    """The page size a field asks for, or None if it takes no `first`/`last`."""
    if "first" not in field_def.args and "last" not in field_def.args:
        return None
    largest = MAX_RELATION_PAGE if "last" not in field_def.args else MAX_PAGE
    sizes: list[int] = []
    for arg in field.arguments or ():
        if arg.name.value not in ("first", "last"):
            continue
        if isinstance(arg.value, IntValueNode):
            sizes.append(int(arg.value.value))
        elif isinstance(arg.value, VariableNode):
            sizes.append(largest)
    if sizes:
        return max(sizes)
    default = field_def.args.get("first")
    if default is not None and isinstance(default.default_value, int):
        return default.default_value
    return DEFAULT_PAGE


def make_cost_rule(max_cost: int) -> type[ValidationRule]:
    class CostLimitRule(ValidationRule):
        """Refuse a query whose estimated number of fetched objects exceeds `max_cost`."""

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            ctx: ValidationContext = self.context
            schema = ctx.schema
            root = schema.get_root_type(node.operation)
            if root is None:
                return
            fragments = {
                d.name.value: d
                for d in ctx.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            cost = _cost(node.selection_set, root, 1, fragments, ctx, set())
            if cost > max_cost:
                ctx.report_error(
                    GraphQLError(
                        f"Query too expensive: it may fetch about {cost} objects, the limit is "
                        f"{max_cost}. Ask for smaller pages (first/last) or nest fewer lists.",
                        node,
                    )
                )

    return CostLimitRule


def _cost(
    selection_set: SelectionSetNode | None,
    parent: Any,
    multiplier: int,
    fragments: dict[str, FragmentDefinitionNode],
    ctx: ValidationContext,
    seen: set[str],
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                continue
            field_def = parent.fields.get(sel.name.value)
            if field_def is None:
                continue
            page = _page(sel, field_def)
            inner = multiplier * page if page is not None else multiplier
            if page is not None:
                total += inner
            total += _cost(sel.selection_set, get_named_type(field_def.type), inner, fragments,
                           ctx, seen)  # fmt: skip
        elif isinstance(sel, InlineFragmentNode):
            target = parent
            if sel.type_condition is not None:
                target = ctx.schema.get_type(sel.type_condition.name.value) or parent
            total += _cost(sel.selection_set, target, multiplier, fragments, ctx, seen)
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            frag = fragments.get(name)
            if frag is None or name in seen:
                continue
            target = ctx.schema.get_type(frag.type_condition.name.value) or parent
            total += _cost(frag.selection_set, target, multiplier, fragments, ctx, seen | {name})
    return total
