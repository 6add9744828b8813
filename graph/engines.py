"""Everything that differs between Neo4j 5 and the embedded ArcadeDB engine.

The rest of the code runs the same Cypher on both; when an engine needs
something else, the difference is named here and nowhere else.

Checked on ArcadeDB 26.10 over Bolt (tests/test_store_contract.py runs them):
- MERGE, OPTIONAL MATCH, `properties(n)` map equality, list comprehensions,
  `SET n += map`, COUNT {}, variable-length paths and shortestPath behave as on Neo4j.
- `CREATE CONSTRAINT ... IF NOT EXISTS` and `SHOW CONSTRAINTS` work; neomodel's own
  installer re-issues CREATE CONSTRAINT without IF NOT EXISTS, which ArcadeDB refuses
  with an unspecific error once the constraint exists, so Store.ensure_schema creates
  the OGM's constraints itself (on both engines, the same statement).
- `CREATE FULLTEXT INDEX` is refused; search is done in Python (queries/search.py).
- No APOC. Timezone-aware datetimes lose their zone: the schema stores dates as
  ISO strings, so no datetime values reach either engine.
- MERGE on multi-label nodes is much slower: every node has exactly one label.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from neo4j import Query


@dataclass(frozen=True)
class EngineProfile:
    name: str
    #: Nodes deleted per transaction when wiping (both engines want it batched).
    wipe_batch: int


NEO4J = EngineProfile(name="neo4j", wipe_batch=10000)
ARCADEDB = EngineProfile(name="arcadedb", wipe_batch=10000)


def profile_for(agent: str) -> EngineProfile:
    """The profile for a server's Bolt agent string (ArcadeDB says so in its agent)."""
    return ARCADEDB if "arcadedb" in agent.lower() else NEO4J


# -- query timeouts (issue 15) ----------------------------------------------------------------
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


_TIMED_READS = ThreadPoolExecutor(max_workers=64, thread_name_prefix="tnr-timed-read")


def timed_read(store: Any, query: str, params: dict[str, Any], timeout: float) -> list[dict[str, Any]]:
    """One read of `store` that returns, or raises QueryTimeout within `timeout` seconds.

    For an engine that ignores the Bolt timeout: the read runs on a worker thread in a
    session of its own; past the timeout the caller gets QueryTimeout and the worker is
    left to finish (its result is dropped).
    """
    from graph.store import QueryTimeout

    def work() -> list[dict[str, Any]]:
        with store.driver.session(database=store.database, default_access_mode="READ") as session:
            result = session.run(Query(query, timeout=timeout), params)  # type: ignore[arg-type]
            return [r.data() for r in result]

    future = _TIMED_READS.submit(work)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        raise QueryTimeout(f"the query ran longer than {timeout:g} s") from None
