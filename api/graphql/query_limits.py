"""Limits on what one GraphQL request may ask: its depth, aliases, tokens, page sizes and cost.

The settings that tune them (TNR_GRAPHQL_MAX_DEPTH, _COST, _PAGE) reach this module as a
`QueryLimits`, made by `create_app` from its `Settings`: nothing here reads the environment.

The cost of a query is the number of objects it may fetch: every field that
takes `first`/`last` multiplies the objects of its parents by its page size (a
variable counts as the largest page allowed). A query over `max_cost` is refused
during validation, before any Cypher runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
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

#: Default `first`/`last` of a root connection (the largest is QueryLimits.max_page).
DEFAULT_PAGE = 20
#: Largest `first` of a relation field, and its default.
MAX_RELATION_PAGE = 200
DEFAULT_RELATION_PAGE = 50
#: Largest `limit` of an aggregate's `groupBy` (top N groups), and its default.
MAX_GROUPS = 200
DEFAULT_GROUPS = 10

MAX_ALIASES = 30
MAX_TOKENS = 5_000


@dataclass(frozen=True)
class QueryLimits:
    """What one request may ask; the defaults are those of `Settings`."""

    max_depth: int = Settings.graphql_max_depth  # TNR_GRAPHQL_MAX_DEPTH
    max_cost: int = Settings.graphql_max_cost  # TNR_GRAPHQL_MAX_COST
    #: Largest `first`/`last` of a root connection (TNR_GRAPHQL_MAX_PAGE).
    max_page: int = Settings.graphql_max_page
    max_aliases: int = MAX_ALIASES
    max_tokens: int = MAX_TOKENS

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLimits:
        return cls(
            max_depth=settings.graphql_max_depth,
            max_cost=settings.graphql_max_cost,
            max_page=settings.graphql_max_page,
        )


def _page(field: FieldNode, field_def: GraphQLField, max_page: int) -> int | None:
    """The page size a field asks for, or None if it takes no `first`/`last`.

    A list field with a `limit` (an aggregate's `groupBy`: top N groups) counts the same way.
    """
    names: list[str] = [n for n in ("first", "last") if n in field_def.args]
    if not names and "limit" in field_def.args and _is_list(field_def.type):
        names = ["limit"]
    if not names:
        return None
    if names == ["limit"]:
        largest = MAX_GROUPS
    else:
        largest = MAX_RELATION_PAGE if "last" not in field_def.args else max_page
    sizes: list[int] = []
    for arg in field.arguments or ():
        if arg.name.value not in names:
            continue
        if isinstance(arg.value, IntValueNode):
            sizes.append(int(arg.value.value))
        elif isinstance(arg.value, VariableNode):
            sizes.append(largest)
    if sizes:
        return max(sizes)
    default = field_def.args.get(names[0])
    if default is not None and isinstance(default.default_value, int):
        return default.default_value
    return DEFAULT_PAGE


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def make_cost_rule(max_cost: int, max_page: int = QueryLimits.max_page) -> type[ValidationRule]:
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
            cost = _cost(node.selection_set, root, 1, fragments, ctx, set(), {}, max_page)
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
    memo: dict[str, int],
    max_page: int,
) -> int:
    """Objects fetched by `selection_set` under `multiplier` parents.

    A fragment's cost is linear in its multiplier, so it is computed once (for 1) and
    memoized: walking every path through the fragments instead is exponential in a fan
    of spreads and factorial in a wide cycle (a cycle is a validation error anyway).
    """
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
            page = _page(sel, field_def, max_page)
            inner = multiplier * page if page is not None else multiplier
            if page is not None:
                total += inner
                # What a page of none still fetches once (a connection's aggregate) counts.
                inner = max(inner, multiplier)
            total += _cost(
                sel.selection_set,
                get_named_type(field_def.type),
                inner,
                fragments,
                ctx,
                seen,
                memo,
                max_page,
            )
        elif isinstance(sel, InlineFragmentNode):
            target = parent
            if sel.type_condition is not None:
                target = ctx.schema.get_type(sel.type_condition.name.value) or parent
            total += _cost(
                sel.selection_set, target, multiplier, fragments, ctx, seen, memo, max_page
            )
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            frag = fragments.get(name)
            if frag is None or name in seen:
                continue
            if name not in memo:
                target = ctx.schema.get_type(frag.type_condition.name.value) or parent
                memo[name] = _cost(
                    frag.selection_set, target, 1, fragments, ctx, seen | {name}, memo, max_page
                )
            total += multiplier * memo[name]
    return total


def make_alias_rule(max_aliases: int) -> type[ValidationRule]:
    class AliasLimitRule(ValidationRule):
        """Refuse a document with more than `max_aliases` aliased fields (fragments expanded).

        As strawberry's MaxAliasesLimiter counts, with each fragment counted once and
        memoized (strawberry's walks every path: exponential, see make_depth_rule).
        """

        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            fragments = {
                d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)
            }
            memo: dict[str, int] = {}
            total = sum(
                _aliases(d.selection_set, fragments, memo, set())
                for d in node.definitions
                if isinstance(d, OperationDefinitionNode)
            )
            if total > max_aliases:
                self.context.report_error(
                    GraphQLError(f"{total} aliases found. Allowed: {max_aliases}")
                )

    return AliasLimitRule


def _aliases(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    memo: dict[str, int],
    active: set[str],
) -> int:
    total = 0
    for sel in selection_set.selections if selection_set is not None else ():
        if isinstance(sel, FieldNode | InlineFragmentNode):
            if isinstance(sel, FieldNode) and sel.alias:
                total += 1
            total += _aliases(sel.selection_set, fragments, memo, active)
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            if name not in memo:
                if name in active or name not in fragments:
                    continue
                active.add(name)
                memo[name] = _aliases(fragments[name].selection_set, fragments, memo, active)
                active.discard(name)
            total += memo[name]
    return total


def make_depth_rule(max_depth: int) -> type[ValidationRule]:
    class DepthLimitRule(ValidationRule):
        """Refuse an operation nested deeper than `max_depth` (introspection not counted).

        Strawberry's QueryDepthLimiter counts the same way but walks every path through the
        fragments, which is exponential in a fan of spreads and factorial in a wide cycle
        (a few hundred tokens kept a worker busy for minutes); here each fragment's depth
        is computed once.
        """

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                d.name.value: d
                for d in self.context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            if _depth(node.selection_set, fragments, {}, set()) > max_depth:
                name = node.name.value if node.name else "anonymous"
                self.context.report_error(
                    GraphQLError(f"'{name}' exceeds maximum operation depth of {max_depth}", node)
                )

    return DepthLimitRule


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    memo: dict[str, int],
    active: set[str],
) -> int:
    """How many fields deep the selection goes below its parent (a leaf field: 0)."""
    best = 0
    for sel in selection_set.selections if selection_set is not None else ():
        if isinstance(sel, FieldNode):
            if sel.name.value.startswith("__") or sel.selection_set is None:
                continue
            best = max(best, 1 + _depth(sel.selection_set, fragments, memo, active))
        elif isinstance(sel, InlineFragmentNode):
            best = max(best, _depth(sel.selection_set, fragments, memo, active))
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            if name not in memo:
                if name in active or name not in fragments:
                    continue  # a cycle or an unknown fragment: other rules refuse it
                active.add(name)
                memo[name] = _depth(fragments[name].selection_set, fragments, memo, active)
                active.discard(name)
            best = max(best, memo[name])
    return best
