"""Per-request context: the store and fresh DataLoaders, so no query fans out into N+1.

Every loader batches by node id and runs one Cypher per batch (per node type for
`nodes`, per owner type, relation and direction for `relations`). The store's
driver blocks, so each Cypher runs in a worker thread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from graph.hidden import NOTHING_HIDDEN, Hidden, hidden_cache
from graph.schema import Schema
from graph.store import QueryTimeout, Store, StoreError
from graph.visibility import Role, View

from .errors import TimedOut, Unavailable, log
from .query_limits import QueryLimits

Direction = Literal["out", "in"]
Row = dict[str, Any]


class Loaders:
    """The DataLoaders of one request (their caches live as long as the request)."""

    def __init__(self, store: Store | None, schema: Schema) -> None:
        self.store = store
        self.schema = schema
        self.nodes: DataLoader[str, Row | None] = DataLoader(self._load_nodes)
        self._relations: dict[tuple[str, str, Direction, int], DataLoader[str, list[Row]]] = {}

    async def read(self, query: str, **params: Any) -> list[Row]:
        """Run one read in a worker thread."""
        if self.store is None:
            raise Unavailable()
        try:
            return await run_in_threadpool(self.store.read, query, **params)
        except StoreError as exc:
            log.warning("store read failed: %s", exc)
            raise Unavailable() from exc
        except QueryTimeout as exc:
            log.warning("store read stopped: %s", exc)
            raise TimedOut() from None

    def relations(
        self, owner: str, relation: str, direction: Direction, limit: int
    ) -> DataLoader[str, list[Row]]:
        """The loader of `relation` edges leaving (`out`) or reaching (`in`) `owner` nodes."""
        key = (owner, relation, direction, limit)
        if key not in self._relations:

            async def load(ids: Sequence[str]) -> list[list[Row]]:
                return await self._load_relations(owner, relation, direction, limit, ids)

            self._relations[key] = DataLoader(load)
        return self._relations[key]

    async def _load_nodes(self, ids: Sequence[str]) -> list[Row | None]:
        by_type: dict[str, list[str]] = defaultdict(list)
        for node_id in ids:
            try:
                by_type[self.schema.type_of_id(node_id)].append(node_id)
            except KeyError:
                continue
        found: dict[str, Row] = {}
        for type_name, wanted in by_type.items():
            rows = await self.read(
                f"MATCH (n:`{type_name}`) WHERE n.id IN $ids RETURN properties(n) AS p",
                ids=wanted,
            )
            found.update((r["p"]["id"], r["p"]) for r in rows)
        return [found.get(node_id) for node_id in ids]

    async def _load_relations(
        self, owner: str, relation: str, direction: Direction, limit: int, ids: Sequence[str]
    ) -> list[list[Row]]:
        # Names come from the schema only (checked here), values are parameters.
        self.schema.node(owner)
        self.schema.relation(relation)
        pattern = "-[r:`{rel}`]->" if direction == "out" else "<-[r:`{rel}`]-"
        query = (
            f"MATCH (a:`{owner}`){pattern.format(rel=relation)}(b) "
            "WHERE a.id IN $ids "
            "WITH a.id AS k, r, b ORDER BY b.id "
            "WITH k, collect({r: properties(r), n: properties(b)}) AS items "
            "RETURN k, items[0..$limit] AS items"
        )
        rows = await self.read(query, ids=list(ids), limit=limit)
        found = {r["k"]: list(r["items"]) for r in rows}
        return [found.get(node_id, []) for node_id in ids]


@dataclass
class Context:
    """What resolvers get as `info.context`."""

    store: Store | None
    schema: Schema
    loaders: Loaders
    request: Any = None
    response: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    role: Role = Role.PUBLIC
    #: Largest `first`/`last` of a connection (QueryLimits.max_page, from the app's Settings).
    max_page: int = QueryLimits.max_page
    #: What public may not see: read once per request (the HTTP layer does it off the event
    #: loop); None until then, and read on first use by any other caller, so no caller can
    #: forget it and show a public caller everything.
    hidden: Hidden | None = None
    _view: View | None = None

    @property
    def view(self) -> View:
        """What this request's role sees (graph/visibility.py): every row goes through it."""
        if self.role >= Role.ANALYST or self.store is None:
            hidden = NOTHING_HIDDEN
        else:
            if self.hidden is None:
                self.hidden = hidden_cache(self.store).get(self.store)
            hidden = self.hidden
        if self._view is None or self._view.role != self.role or self._view.hidden is not hidden:
            self._view = View(self.role, hidden, self.schema)
        return self._view

    @classmethod
    def create(
        cls,
        store: Store | None,
        schema: Schema,
        request: Any = None,
        response: Any = None,
        *,
        max_page: int = QueryLimits.max_page,
    ) -> Context:
        return cls(store, schema, Loaders(store, schema), request, response, max_page=max_page)
