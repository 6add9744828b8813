"""Everything that differs between Neo4j 5 and the embedded ArcadeDB engine.

The rest of the code runs the same Cypher on both; when an engine needs
something else, the difference is named here and nowhere else. `make test` runs
the whole suite on both (the embedded engine, then Neo4j 5.26.30 started by
graph/neo4j_server.py), so a difference that matters shows up as a failing test.

Checked on ArcadeDB 26.10 over Bolt (tests/graph/test_store_contract.py runs them):
- MERGE, OPTIONAL MATCH, `properties(n)` map equality, list comprehensions,
  `SET n += map`, COUNT {}, variable-length paths and shortestPath behave as on Neo4j.
- `CREATE CONSTRAINT ... IF NOT EXISTS` and `SHOW CONSTRAINTS` work. Schema installation:
  neomodel's own installer (install_labels) re-issues CREATE CONSTRAINT / CREATE INDEX
  without IF NOT EXISTS and ignores only Neo4j's already-exists codes
  (Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists, IndexAlreadyExists,
  ConstraintAlreadyExists); ArcadeDB answers an existing index or constraint with
  Neo.ClientError.Statement.SemanticError (GQL 50N42), so install_labels fails on its
  second run there. Store.ensure_schema reads the constraints and indexes off the OGM
  classes and creates them itself with IF NOT EXISTS (on both engines, the same statement).
- `CREATE INDEX name IF NOT EXISTS FOR (n:Label) ON (n.prop)` (range index) and
  `SHOW INDEXES` work on both (Store.ensure_schema indexes the filterable properties);
  ArcadeDB lists the index behind a unique constraint under its own name ("Label[prop]"),
  the other indexes under the given one (26.10).
- `CREATE FULLTEXT INDEX` is refused; search is done in Python (queries/search.py).
- No APOC. Timezone-aware datetimes lose their zone: the schema stores dates as
  ISO strings, so no datetime values reach either engine.
- MERGE on multi-label nodes is much slower: every node has exactly one label.

Found by running the whole suite on Neo4j 5.26.30 (all of it passes on both, with
the same Cypher; these are the differences that remain):
- Access mode: Neo4j refuses a write sent in a read transaction
  (Neo.ClientError.Statement.AccessMode); ArcadeDB runs it and stores the write. Only
  the Neo4j pass can catch a write hidden in a read path (tests/graph/test_neo4j_routing.py
  checks it), and on a cluster such a write would fail on a follower.
  EngineProfile.refuses_writes_in_reads; the store contract checks both behaviours.
- Routing: Neo4j answers the `neo4j://` scheme (a routing table, even from one
  server), so the app can be pointed at a cluster or Aura unchanged; the embedded
  engine is reached by `bolt://` only.
- Notifications: Neo4j sends a warning with every query that names a property key or
  relation type no data has yet (GQL status 01N52/01N51, classification UNRECOGNIZED),
  and the driver logs each at WARNING. Optional properties and not-yet-loaded relation
  types make that the normal case here, so the driver for Neo4j turns that one
  classification off (DRIVER_OPTIONS); ArcadeDB sends no notifications.
- Query planning: Neo4j plans each statement shape once and plans it again when the
  data has grown a lot since (statistics divergence), a few hundred ms a shape on this
  machine; ArcadeDB does not plan ahead. Small loads of many types on a fresh Neo4j
  pay it for every shape, large loads do not notice it (BENCHMARKS.md).
- Transaction memory: Neo4j caps the memory of all transactions (by default 70% of the
  heap, dbms.memory.transaction.total.max) and fails one that would pass it
  (MemoryPoolOutOfMemoryError); a DETACH DELETE of 10,000 nodes that included States
  with 100k relations did at 1M relations. Store.wipe deletes relations in batches first.
- Engine name: ArcadeDB answers Bolt as "Neo4j Kernel 5.26.0" in dbms.components()
  but names itself in the Bolt agent string; profile_for reads the agent.
- shortestPath with a WHERE on the path (`all(x IN nodes(p) WHERE ...)`): Neo4j applies
  the predicate during its search, so it finds the shortest path that satisfies it;
  ArcadeDB (26.10) finds one shortest path first and then filters it, so it answers
  nothing when the shortest path of the whole graph fails the predicate and a longer one
  would pass (found with `asOf`: the shortest path now goes through a node recorded
  later). EngineProfile.filters_shortest_paths; queries/paths.py `shortest_path` then
  searches breadth-first itself (`_walked_path`), on that engine only, when asked as of
  a record time and the shortestPath answered nothing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from neo4j import NotificationDisabledClassification, Query


@dataclass(frozen=True)
class EngineProfile:
    name: str
    #: Nodes deleted per transaction when wiping (both engines want it batched).
    wipe_batch: int
    #: True if a write sent in a read transaction is refused (access mode, see above).
    refuses_writes_in_reads: bool
    #: True if shortestPath applies its WHERE during the search (see above).
    filters_shortest_paths: bool = True


NEO4J = EngineProfile(name="neo4j", wipe_batch=10000, refuses_writes_in_reads=True)

#: Extra driver settings for a Neo4j server (not sent to the embedded engine, whose Bolt
#: server does not take notification filters): no "unknown property key / relation
#: type" warnings, which optional properties make routine (see above).
NEO4J_DRIVER_OPTIONS: dict[str, Any] = {
    "notifications_disabled_classifications": [NotificationDisabledClassification.UNRECOGNIZED],
}
ARCADEDB = EngineProfile(
    name="arcadedb", wipe_batch=10000, refuses_writes_in_reads=False, filters_shortest_paths=False
)


def profile_for(agent: str) -> EngineProfile:
    """The profile for a server's Bolt agent string (ArcadeDB says so in its agent)."""
    return ARCADEDB if "arcadedb" in agent.lower() else NEO4J


# -- query timeouts ---------------------------------------------------------------------------
# Every read carries the store's timeout (TNR_QUERY_TIMEOUT) as the Bolt transaction's
# `tx_timeout` (neo4j.Query(text, timeout=...)). Neo4j 5 stops the transaction itself and
# answers Neo.ClientError.Transaction.TransactionTimedOut(ClientConfiguration).
# ArcadeDB's Bolt plugin (26.10) accepts the field and ignores it: the query runs to its
# end (checked: a 4M-row cartesian product with a 0.5 s tx_timeout ran its 9 s; nor does
# the server's `arcadedb.command.timeout` stop Cypher sent over Bolt). So on ArcadeDB the
# client enforces it (`timed_read`): the read runs on a worker thread and the caller gets
# QueryTimeout when the time is up, so no request hangs. The engine cannot be told to
# stop: it finishes the abandoned query in the background (one core, one pooled
# connection and one worker thread until then). Shutting the connection's socket does
# not stop it either, and the driver then drops every connection to the engine, failing
# the other clients' reads: so the abandoned read is left to end by itself.

#: The engines that ignore the Bolt transaction timeout: the client enforces it.
IGNORES_TX_TIMEOUT = frozenset({ARCADEDB.name})

TIMEOUT_CODES = (
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
)


def client_side_timeout(profile: EngineProfile) -> bool:
    """True when reads on this engine need `timed_read` to keep their timeout."""
    return profile.name in IGNORES_TX_TIMEOUT


def is_timeout(exc: Exception) -> bool:
    """True when a driver error says the server stopped the transaction for its timeout."""
    return getattr(exc, "code", None) in TIMEOUT_CODES


class QueryTimeout(RuntimeError):
    """A read ran longer than the store's timeout (TNR_QUERY_TIMEOUT) and was stopped.

    Not a StoreError: the store is reachable and stays usable; the question was too heavy.
    """


_TIMED_READS = ThreadPoolExecutor(max_workers=64, thread_name_prefix="tnr-timed-read")


def timed_read(
    store: Any, query: str, params: dict[str, Any], timeout: float
) -> list[dict[str, Any]]:
    """One read of `store` that returns, or raises QueryTimeout within `timeout` seconds.

    For an engine that ignores the Bolt timeout: the read runs on a worker thread in a
    session of its own; past the timeout the caller gets QueryTimeout and the worker is
    left to finish (its result is dropped).
    """

    def work() -> list[dict[str, Any]]:
        with store.driver.session(database=store.database, default_access_mode="READ") as session:
            result = session.run(Query(query, timeout=timeout), params)  # type: ignore[arg-type]
            return [r.data() for r in result]

    future = _TIMED_READS.submit(work)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        raise QueryTimeout(f"the query ran longer than {timeout:g} s") from None
