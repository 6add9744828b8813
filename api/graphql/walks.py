"""The fields that walk the graph and search it: neighbourhood, shortestPath, subgraph, search.

A public caller can neither find a redacted person by name (search drops the hit) nor
by real id (refused like an unknown id); an anonymous id (`anon_...`) handed out
earlier is accepted as input.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry
from strawberry.types import Info

from graph.store import Store
from graph.visibility import View
from queries import neighbourhood as neighbours
from queries import network, paths
from queries import search as text_search
from queries.network import Graph

from .answers import AsOf, as_of_argument, run
from .context import Context
from .errors import PublicError

if TYPE_CHECKING:  # the generated types are classes at run time, `Any` for mypy
    NetworkGraph: TypeAlias = Any
    NetworkPath: TypeAlias = Any
    SearchHit: TypeAlias = Any
else:
    from .results import NetworkGraph, NetworkPath, SearchHit

MAX_HITS = 100
#: The search index is rebuilt when the node count changed (before the search), and in the
#: background after this many seconds (an edit that renames without adding or removing a
#: node). A rebuild of the full shared data takes about 10 s of one core in the server
#: process, so not more often.
SEARCH_INDEX_TTL = 600.0


def redact_graph(graph: Graph, view: View) -> Graph:
    """The graph as `view` shows it (`Graph.seen_by`, graph/visibility.py)."""
    return graph.seen_by(view)


#: The id asked for in place of one the caller may not name: well formed, in no graph.
NOWHERE = "_" + "0" * 20


async def resolve_id(info: Info[Context, None], given: str) -> str:
    """The id to ask `queries/` for. A hidden node's real id, an anonymous id handed out
    for nothing, and a node the role may not read become an id that is in no graph, so the
    question runs exactly as it does for an id that does not exist (same answer, same
    error): nothing tells the two apart."""
    given = str(given)
    real = info.context.view.real_id(given)
    if real is not None:
        return real
    try:
        prefix = info.context.schema.node(info.context.schema.type_of_id(given)).id_prefix
    except KeyError:
        return given  # not an id at all: refused as any such string is
    return prefix + NOWHERE


# -- the search index ---------------------------------------------------------------------
def _search(
    store: Store, text: str, types: list[str] | None, limit: int
) -> list[text_search.SearchHit]:
    """Search with an index that follows the graph: rebuilt before the search when the graph
    changed size (an edit shows at once), in the background when it grew old (built warm
    at start, queries/search.py `warm`, so no search waits for a first build)."""
    return text_search.current(store, SEARCH_INDEX_TTL).search(text, types=types, limit=limit)


def _check_types(info: Info[Context, None], types: list[str] | None) -> None:
    view = info.context.view
    if any(not view.may_see_type(t) or info.context.schema.nodes[t].internal for t in types or ()):
        raise PublicError("types: not node types that can be searched or shown here")


@strawberry.field(
    description="The nodes within `depth` (1..3) relations of a node, "
    "optionally only of some types and dated within start..end."
)  # type: ignore[untyped-decorator]
async def neighbourhood(
    info: Info[Context, None],
    id: strawberry.ID,
    depth: int = 1,
    types: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    limit: int = network.DEFAULT_LIMIT,
    as_of: AsOf = None,
) -> NetworkGraph:
    _check_types(info, types)
    when = as_of_argument(as_of)
    real = await resolve_id(info, str(id))
    graph = await run(
        info,
        neighbours.neighbourhood,
        real,
        depth=depth,
        types=types,
        start=start,
        end=end,
        limit=limit,
        avoid=info.context.view.avoid,
        as_of=when,
    )
    return redact_graph(graph, info.context.view)


@strawberry.field(
    description="The shortest chain of relations (either direction) between two nodes."
)  # type: ignore[untyped-decorator]
async def shortest_path(
    info: Info[Context, None],
    source: Annotated[strawberry.ID, strawberry.argument(name="from")],
    to: strawberry.ID,
    max_length: int = network.MAX_PATH,
    as_of: AsOf = None,
) -> NetworkPath:
    when = as_of_argument(as_of)
    a = await resolve_id(info, str(source))
    b = await resolve_id(info, str(to))
    path = await run(
        info, paths.shortest_path, a, b, max_length, avoid=info.context.view.avoid, as_of=when
    )
    return dataclasses.replace(path, graph=redact_graph(path.graph, info.context.view))


@strawberry.field(description="These nodes and every relation among them.")  # type: ignore[untyped-decorator]
async def subgraph(
    info: Info[Context, None], ids: list[strawberry.ID], as_of: AsOf = None
) -> NetworkGraph:
    when = as_of_argument(as_of)
    if len(ids) > network.MAX_LIMIT:
        raise PublicError(f"at most {network.MAX_LIMIT} ids")
    real: list[str] = []
    for given in ids:
        try:
            real.append(await resolve_id(info, str(given)))
        except PublicError:
            continue  # unknown ids are left out, as subgraph() does
    graph = await run(info, network.subgraph, real, as_of=when)
    return redact_graph(graph, info.context.view)


@strawberry.field(description="Fuzzy, cross-script search over names and aliases (best first).")  # type: ignore[untyped-decorator]
async def search(
    info: Info[Context, None],
    text: str,
    types: list[str] | None = None,
    first: int = 20,
) -> list[SearchHit]:
    if not 0 <= first <= MAX_HITS:
        raise PublicError(f"first must be between 0 and {MAX_HITS}")
    _check_types(info, types)
    view = info.context.view
    want = max(first, 1)
    asked = want
    while True:
        hits = await run(info, _search, text, types, asked)
        # A hidden node is not found at all, nor a node by a name that names a redacted
        # person ("Free <name> campaign"): the match itself would say who.
        names = view.hidden.names
        kept = [
            h
            for h in hits
            if not view.is_hidden(h.id)
            and not (view.public and (names.mentions(h.label) or names.mentions(h.matched)))
        ]
        if len(kept) >= want or len(hits) < asked or asked >= MAX_HITS * 10:
            return kept[:first]
        asked *= 4
