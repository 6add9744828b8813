"""The scripting entry point: `connect()` opens the app's store and binds the OGM to it.

For people who script the graph (notebooks, one-off analyses)::

    from graph.ogm import connect

    with connect() as graph:
        russia = graph.State.nodes.get(code="RU")
        for incident in russia.origin_state_from.all():
            print(incident.title, [s.title for s in incident.sources()])

`connect(settings=None)` opens the store the app would open, from the same settings
(graph/settings.py: Neo4j when NEO4J_URI is set, else the embedded engine in TNR_DATA_DIR,
started or attached to), makes sure its constraints and indexes exist (as `tnr` does),
points neomodel's process-wide connection at it, and yields a `Graph` that gives the model
classes by type name (`graph.State`, `graph["State"]`, `graph.relation("PART_OF")`). The
classes, their managers and `sources()` are described in graph/models.py.

This is direct store access: it sees everything, like the analyst and admin roles (names of
people at risk, every source, the internal bookkeeping types), and nothing in it is the
public view (graph/visibility.py). Use it on your own machine or a trusted server; never
expose it, or anything built on it, to untrusted users: serve them through the API.

Writes: the OGM reads facts and refuses to write them (graph/models.py says why); facts are
written through graph/writer.py or a loader, which validate them, check their Source and
keep their record time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from neomodel import StructuredNode, StructuredRel

from graph.models import MODELS, RELATION_MODELS
from graph.settings import Settings
from graph.store import Store


@dataclass(frozen=True)
class Graph:
    """An open store with the OGM bound to it, and the model classes by type name."""

    store: Store

    def __getitem__(self, type_name: str) -> type[StructuredNode]:
        """The OGM class of a node type (`graph["State"]`); KeyError names the declared ones."""
        try:
            return MODELS[type_name]
        except KeyError:
            known = ", ".join(MODELS)
            raise KeyError(f"unknown node type {type_name!r}; declared: {known}") from None

    def __getattr__(self, type_name: str) -> type[StructuredNode]:
        """`graph.State`: the same as `graph["State"]`."""
        if type_name.startswith("_") or type_name not in MODELS:
            raise AttributeError(type_name)
        return MODELS[type_name]

    def relation(self, rel_type: str) -> type[StructuredRel]:
        """The StructuredRel class of a relation type (`graph.relation("PART_OF")`)."""
        try:
            return RELATION_MODELS[rel_type]
        except KeyError:
            known = ", ".join(RELATION_MODELS)
            raise KeyError(f"unknown relation type {rel_type!r}; declared: {known}") from None

    @property
    def types(self) -> tuple[str, ...]:
        """The node types, in the schema's order."""
        return tuple(MODELS)


@contextmanager
def connect(settings: Settings | None = None) -> Iterator[Graph]:
    """Open the app's store (from `settings`, else the environment), bind the OGM to it and
    yield a Graph; the store is closed on leaving (an embedded engine this process started
    stops with it). Direct store access: see the module docstring before sharing it."""
    store = Store.open(settings or Settings.from_env())
    try:
        store.ensure_schema()
        yield Graph(store)
    finally:
        store.close()
