"""GraphQL output types of the analytical queries, generated from their result dataclasses.

`queries/` returns frozen dataclasses; `output_type(cls)` makes the strawberry type
of one from its annotations (str/int/float/bool, optionals, tuples as lists,
nested dataclasses as their own generated types, dicts and `Any` as JSON), so
no field is written twice. Resolvers return the dataclass instances themselves:
strawberry's default resolvers read their attributes, nothing is copied.
"""

from __future__ import annotations

import dataclasses
import enum
import sys
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

import strawberry
from strawberry.scalars import JSON

from queries import (
    changes,
    coverage,
    designations,
    hosts,
    licences,
    network,
    search,
    trends,
    vendor_chains,
)
from queries.common import NodeRef, SourceRef

#: GraphQL names of result classes whose Python name is too generic or taken.
NAMES: dict[type[Any], str] = {
    vendor_chains.Hop: "ChainHop",
    vendor_chains.Chain: "VendorChain",
    coverage.Coverage: "SanctionsCoverage",
    coverage.RegimeRef: "RegimeRef",
    designations.OriginState: "OriginStateDesignations",
    trends.Filters: "TrendFilters",
    trends.Trend: "IncidentTrend",
    hosts.HostState: "HostCollaboration",
    licences.LicenceRow: "LicenceRow",
    licences.DestinationGroup: "LicenceDestination",
    network.GraphNode: "NetworkNode",
    network.GraphEdge: "NetworkEdge",
    network.Graph: "NetworkGraph",
    network.Path: "NetworkPath",
    network.LeftOut: "NetworkLeftOut",
}

_GENERATED: dict[type[Any], type[Any]] = {}


def _enum(name: str, values: dict[str, str], description: str) -> Any:
    """A GraphQL enum of the values a result field takes (its Literal), each described."""
    members = enum.Enum(  # type: ignore[misc]
        name,
        {v: strawberry.enum_value(v, description=d) for v, d in values.items()},
    )
    return strawberry.enum(members, name=name, description=description)


#: Result fields typed by a Literal of values a client can switch on: GraphQL enums.
ENUMS: dict[Any, Any] = {
    coverage.Reason: _enum(
        "CoverageReason",
        coverage.REASONS,
        "Why a group of sanctions coverage is, or is not, covered.",
    ),
    changes.Kind: _enum(
        "ChangeKind",
        changes.KIND_DESCRIPTIONS,
        "What a load did to a fact, as the change feed lists it.",
    ),
    designations.Status: _enum(
        "OriginDesignationStatus",
        designations.STATUSES,
        "What an origin state's designations under a regime say about its documented incidents.",
    ),
}


def _graphql_type(hint: Any) -> Any:
    """The strawberry annotation for one dataclass field's type hint."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        if len(inner) != 1:
            return JSON
        return _graphql_type(inner[0]) | None
    if origin is tuple or origin is list:
        args = [a for a in get_args(hint) if a is not Ellipsis]
        return list[_graphql_type(args[0]) if args else JSON]  # type: ignore[misc]
    if origin is Literal:
        return ENUMS.get(hint, str)
    if hint in (str, int, float, bool):
        return hint
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return output_type(hint)
    return JSON  # dict[...], Any


def output_type(
    cls: type[Any], *, extra: dict[str, Any] | None = None, description: str | None = None
) -> type[Any]:
    """The strawberry type of a result dataclass (generated once per class)."""
    if cls in _GENERATED:
        return _GENERATED[cls]
    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    annotations: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        annotations[f.name] = strawberry.ID if f.name == "id" else _graphql_type(hints[f.name])
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    namespace.update(extra or {})
    name = NAMES.get(cls, cls.__name__)
    doc = description or (cls.__doc__ or "").strip()
    if doc.startswith(f"{cls.__name__}("):  # the dataclass's generated signature
        doc = ""
    generated = strawberry.type(type(name, (), namespace), name=name, description=doc or None)
    _GENERATED[cls] = generated
    setattr(sys.modules[__name__], name, generated)
    return generated  # type: ignore[no-any-return]


def _cytoscape(root: strawberry.Parent[Any]) -> JSON:
    return root.to_cytoscape()  # type: ignore[no-any-return]


NetworkGraph = output_type(
    network.Graph,
    extra={
        "cytoscape": strawberry.field(
            resolver=_cytoscape,
            description="The same graph as Cytoscape.js elements: {nodes: [{data}], edges: [{data}]}.",
        )
    },
    description="Nodes and edges (ids, types, labels, properties), as the caller's role may see them.",
)
NetworkPath = output_type(network.Path)
VendorChain = output_type(vendor_chains.Chain)
SanctionsCoverage = output_type(coverage.Coverage)
DesignationsByOrigin = output_type(designations.DesignationsByOrigin)
HostCollaboration = output_type(hosts.HostState)
IncidentTrend = output_type(trends.Trend)
PeriodComparison = output_type(trends.PeriodComparison)
StatedFigure = output_type(trends.StatedFigure)
LicenceDestination = output_type(licences.DestinationGroup)
SearchHit = output_type(search.SearchHit)
ChangeFeed = output_type(changes.Changes)
NodeRefType = output_type(NodeRef)
SourceRefType = output_type(SourceRef)
