"""Filter and order inputs shared by every connection, and the Cypher a filter means.

Property names come only from the schema; every value is a Cypher parameter.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

import strawberry

from graph.hidden import IDENTIFYING_RELATIONS
from graph.schema import NodeType
from graph.visibility import View
from queries.common import all_recorded, recorded

from .errors import PublicError

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_PARAM = re.compile(r"\$(p\d+)\b")


# -- GraphQL inputs shared by every connection --------------------------------------------
@strawberry.enum(description="Sort direction; nulls come last either way.")
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input(description="Conditions on a string property (all given must hold).")
class StringFilter:
    eq: str | None = None
    in_: list[str] | None = strawberry.field(name="in", default=None)
    contains: str | None = strawberry.field(default=None, description="case-insensitive")


@strawberry.input(description="Conditions on a list of strings: some element matches.")
class StringListFilter:
    eq: str | None = strawberry.field(default=None, description="an element equals (any case)")
    contains: str | None = strawberry.field(default=None, description="an element contains")


@strawberry.input(description="A range on an integer property (bounds inclusive for gte/lte).")
class IntFilter:
    eq: int | None = None
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


@strawberry.input(description="A range on a float property.")
class FloatFilter:
    eq: float | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


@strawberry.input(
    description="A range on an ISO date (YYYY, YYYY-MM or YYYY-MM-DD), compared as text: "
    "a partial date sorts before the full dates that begin with it."
)
class DateFilter:
    eq: str | None = None
    gt: str | None = None
    gte: str | None = None
    lt: str | None = None
    lte: str | None = None


# -- what a type's filter and order inputs mean -------------------------------------------
_OPS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class FilterField:
    attr: str  # Python attribute of the filter input
    kind: str  # string | list | int | float | date | bool | year | related | ids | has
    prop: str  # the stored property ('' for related/ids/has)
    relation: str = ""  # for `has`: the relation type
    direction: str = ""  # for `has`: "out" (n is its source) or "in" (n is its target)


@dataclass(frozen=True)
class TypeSpec:
    """How one node type is filtered and ordered."""

    node_type: NodeType
    filters: tuple[FilterField, ...]
    orderable: frozenset[str]

    @property
    def year_expression(self) -> str:
        props = self.node_type.properties
        parts = []
        if "year" in props:
            parts.append("n.`year`")
        for name in ("date", "decision_date", "listing_date"):
            if name in props:
                parts.append(f"toInteger(substring(n.`{name}`, 0, 4))")
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


class Params:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"

    def used_in(self, query: str) -> dict[str, Any]:
        """The parameters `query` names (a large unused map costs its transfer)."""
        return {name: self.values[name] for name in set(_PARAM.findall(query))}


def _check_date(value: str) -> str:
    if not _DATE.match(value):
        raise PublicError("a date filter takes YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def where_clauses(
    spec: TypeSpec,
    flt: Any,
    params: Params,
    schema: Any,
    view: View | None = None,
    as_of: str | None = None,
) -> list[str]:
    """Cypher conditions on `n` for a filter input (None: no condition).

    `as_of` (the parameter, e.g. "$p0", holding a record time at full precision: see
    queries.common.check_as_of): `n`, and the relations and nodes a filter tests, were
    recorded by then.

    For `public` (the default view) no filter can find what it may not see: ids of hidden
    nodes match nothing, and a filter on a property the public does not see as stored
    never matches a node whose value is withheld or scrubbed (graph/visibility.py).
    """
    view = view or View(schema=schema)
    out: list[str] = []
    if as_of is not None:
        out.append(recorded("n", as_of))
    if flt is None:
        return out
    for f in spec.filters:
        value = getattr(flt, f.attr, None)
        if value is None:
            continue
        col = f"n.`{f.prop}`" if f.prop else ""
        if f.prop and not view.field_is_public(spec.node_type, f.prop):
            masked = view.masked_ids(spec.node_type)
            if masked:
                out.append(f"{params.add(dict.fromkeys(masked, True))}[n.id] IS NULL")
        if f.kind == "ids":
            wanted = [view.real_id(str(v)) for v in value]
            out.append(f"n.id IN {params.add([v for v in wanted if v])}")
        elif f.kind == "related":
            other = view.real_id(str(value))
            if other is None:  # unknown, hidden or not for this role: as if there were none
                out.append("false")
                continue
            other_type = schema.type_of_id(other)
            when = f" WHERE {all_recorded('e', 'm', param=as_of)}" if as_of is not None else ""
            out.append(
                f"EXISTS {{ MATCH (n)-[e]-(m:`{other_type}` {{id: {params.add(other)}}}){when} }}"
            )
        elif f.kind == "bool":
            out.append(f"{col} = {params.add(bool(value))}")
        elif f.kind == "has":
            out.append(has_relation(f.relation, f.direction, bool(value), params, view, as_of))
        elif f.kind == "string":
            if value.eq is not None:
                out.append(f"{col} = {params.add(value.eq)}")
            if value.in_ is not None:
                out.append(f"{col} IN {params.add(list(value.in_))}")
            if value.contains is not None:
                out.append(f"toLower({col}) CONTAINS {params.add(value.contains.lower())}")
        elif f.kind == "list":
            if value.eq is not None:
                p = params.add(value.eq.lower())
                out.append(f"any(x IN coalesce({col}, []) WHERE toLower(x) = {p})")
            if value.contains is not None:
                p = params.add(value.contains.lower())
                out.append(f"any(x IN coalesce({col}, []) WHERE toLower(x) CONTAINS {p})")
        else:  # int, float, date, year: ranges
            target = spec.year_expression if f.kind == "year" else col
            for op, sym in _OPS.items():
                bound = getattr(value, op, None)
                if bound is None:
                    continue
                if f.kind == "date":
                    bound = _check_date(bound)
                out.append(f"{target} {sym} {params.add(bound)}")
    return out


def has_relation(
    relation: str,
    direction: str,
    present: bool,
    params: Params,
    view: View,
    as_of: str | None = None,
) -> str:
    """`n` has (or has not) a relation of this type in this direction, as `view` sees it
    (and, given the parameter `as_of` holding a record time, recorded by then).

    For the public, an identifying relation (MEMBER_OF) of a redacted person is not there
    at all (View.relation shows it from neither end), so it neither makes nor breaks a match.
    """
    arrow = f"-[e:`{relation}`]->" if direction == "out" else f"<-[e:`{relation}`]-"
    tests = [all_recorded("e", "m", param=as_of)] if as_of else []
    if view.public and relation in IDENTIFYING_RELATIONS and view.hidden.redacted:
        red = params.add(dict.fromkeys(sorted(view.hidden.redacted), True))
        tests.append(f"{red}[n.id] IS NULL AND {red}[m.id] IS NULL")
    guard = f" WHERE {' AND '.join(tests)}" if tests else ""
    exists = f"EXISTS {{ MATCH (n){arrow}(m){guard} }}"
    return exists if present else f"NOT {exists}"
