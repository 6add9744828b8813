"""The store: one Cypher path (neo4j driver + neomodel) to Neo4j 5 or the embedded engine."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction, Query
from neo4j.exceptions import (
    AuthError,
    ClientError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)
from neomodel import db as ogm_db
from neomodel import get_config

from graph.anonymity import install_redaction_key
from graph.embedded import EmbeddedEngine, EngineError
from graph.engines import (
    NEO4J_DRIVER_OPTIONS,
    EngineProfile,
    QueryTimeout,
    client_side_timeout,
    is_timeout,
    profile_for,
    timed_read,
)
from graph.schema import Schema, load_schema
from graph.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["QueryTimeout", "Store", "StoreError"]
T = TypeVar("T")


class StoreError(RuntimeError):
    """The store is unreachable or refused an operation; the message is for a person."""


class _EngineGone(Exception):
    """Raised inside a transaction function once the embedded engine is dead.

    Not a driver error, so the driver does not retry it: the store restarts the engine.
    """


#: How long the driver retries a failing transaction on the embedded engine. It is one
#: local process: once it is gone, Neo4j's default of 30 s only delays the restart.
EMBEDDED_RETRY_S = 5.0
#: Reads tried again (0.5 s apart) right after the embedded engine was restarted.
REVIVED_RETRIES = 6


class Store:
    """A connection to one graph database, with the engine profile that goes with it."""

    def __init__(
        self,
        driver: Driver,
        database: str,
        engine: EmbeddedEngine | None = None,
        schema: Schema | None = None,
        timeout: float | None = None,
    ) -> None:
        self.driver = driver
        self.database = database
        self.engine = engine
        self.schema = schema or load_schema()
        info = driver.get_server_info()
        self.agent: str = info.agent
        self.profile: EngineProfile = profile_for(info.agent)
        #: Seconds a read may run (None: no limit); every read's transaction carries it.
        self.timeout = timeout if timeout and timeout > 0 else None
        #: The settings the store was opened with (the defaults for a store built directly).
        self.settings = Settings()
        self._ogm_bound = False
        self._revive_lock = threading.Lock()
        #: Seconds the last restart of the embedded engine took (None: never restarted).
        self.last_restart_s: float | None = None
        #: Bumped before and after every write through this store: what was read from the
        #: graph while it moved (the public's hidden set) is known to be stale.
        self.writes = 0
        self._writes_lock = threading.Lock()

    # -- opening and closing -------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings | None = None, *, bind_ogm: bool = True) -> Store:
        """Connect to Neo4j if NEO4J_URI is set, else start (or attach to) the embedded engine."""
        settings = settings or Settings.from_env()
        engine: EmbeddedEngine | None = None
        if settings.uses_neo4j:
            assert settings.neo4j_uri is not None
            uri, auth = settings.neo4j_uri, (settings.neo4j_user, settings.neo4j_password)
            database, where = settings.neo4j_database, f"Neo4j at {settings.neo4j_uri}"
        else:
            engine = EmbeddedEngine(
                settings.engine_dir, settings.engine_heap, settings.engine_start_timeout
            )
            try:
                address = engine.start()
            except EngineError as exc:
                raise StoreError(str(exc)) from exc
            uri, auth = address.uri, (address.user, address.password)
            database, where = address.database, f"the embedded engine in {settings.engine_dir}"
        retry_s = 30.0 if engine is None else EMBEDDED_RETRY_S  # 30 s: the driver's default
        options = NEO4J_DRIVER_OPTIONS if engine is None else {}
        driver = GraphDatabase.driver(
            uri,
            auth=auth,
            max_connection_pool_size=50,
            max_transaction_retry_time=retry_s,
            **options,
        )
        try:
            driver.verify_connectivity()
            store = cls(driver, database, engine, timeout=settings.query_timeout)
            store.settings = settings
        except AuthError as exc:
            driver.close()
            if engine:
                engine.stop()
            raise StoreError(f"{where} refused the credentials: {exc.message}") from exc
        except (ServiceUnavailable, OSError, Neo4jError) as exc:
            driver.close()
            if engine:
                engine.stop()
            raise StoreError(f"cannot reach {where}: {exc}") from exc
        try:  # anonymous ids: the same in every process given the same key (or data dir)
            install_redaction_key(settings)
        except OSError as exc:
            store.close()
            raise StoreError(
                f"cannot make the redaction key in {settings.data_dir}: {exc}"
            ) from exc
        if bind_ogm:
            store.bind_ogm()
        return store

    def bind_ogm(self) -> None:
        """Point neomodel at this store's driver and database."""
        get_config().database_name = self.database
        ogm_db.set_connection(driver=self.driver)
        self._ogm_bound = True

    def close(self) -> None:
        self.driver.close()
        if self.engine is not None:
            self.engine.stop()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running Cypher ------------------------------------------------------------------
    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return self._recovering(lambda: self._execute(query, params, "r"))

    def write(self, query: str, **params: Any) -> list[dict[str, Any]]:
        self._wrote()
        try:
            return self._recovering(lambda: self._execute(query, params, "w"))
        finally:
            self._wrote()

    def _wrote(self) -> None:
        with self._writes_lock:
            self.writes += 1

    def _execute(
        self, query: str, params: dict[str, Any], routing: Literal["r", "w"]
    ) -> list[dict[str, Any]]:
        # Reads carry the timeout (writes are loads and edits: they run to the end).
        timeout = self.timeout if routing == "r" else None
        if timeout is not None and client_side_timeout(self.profile):
            return timed_read(self, query, params, timeout)
        try:
            records, _, _ = self.driver.execute_query(
                Query(query, timeout=timeout),  # type: ignore[arg-type]
                params,
                database_=self.database,
                routing_=routing,
            )
        except ClientError as exc:
            if timeout is not None and is_timeout(exc):
                raise QueryTimeout(f"the query ran longer than {timeout:g} s") from exc
            raise
        return [r.data() for r in records]

    def in_transaction(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run `work` in one write transaction: all of it lands, or none of it.

        The session shares the bookmarks of `read`/`write` (execute_query's bookmark
        manager), so on a cluster a read sent to a follower after this write sees it.
        """

        def once() -> T:
            with self.driver.session(
                database=self.database,
                bookmark_manager=self.driver.execute_query_bookmark_manager,
            ) as session:
                return session.execute_write(self._guarded(work))

        self._wrote()
        try:
            return self._recovering(once)
        finally:
            self._wrote()

    # -- recovery of the embedded engine -------------------------------------------------
    # When the engine process this store started has died (crash, OOM kill, SIGKILL),
    # the next operation restarts it on the same data directory (same ports if free)
    # and runs once more. Anything else that cannot reach the database is a StoreError.

    @property
    def _where(self) -> str:
        if self.engine is None:
            return "the Neo4j server"
        return f"the embedded engine in {self.engine.root}"

    def _engine_dead(self) -> bool:
        return self.engine is not None and self.engine.died()

    def _guarded(
        self, work: Callable[[ManagedTransaction], T]
    ) -> Callable[[ManagedTransaction], T]:
        """`work`, refusing to run (and so ending the driver's retries) once the engine is dead."""

        def run(tx: ManagedTransaction) -> T:
            if self._engine_dead():
                raise _EngineGone("the embedded engine process is gone")
            return work(tx)

        return run

    def _recovering(self, op: Callable[[], T]) -> T:
        revived = False
        if self._engine_dead():
            self._revive()
            revived = True
        driver = self.driver
        try:
            return op()
        except (ServiceUnavailable, SessionExpired, _EngineGone) as exc:
            # Unreachable for real, unless the engine was restarted by this call or by
            # another thread meanwhile (the driver changed): then try again below. A restart
            # under way in another thread is waited for: its engine is up before its driver
            # is, and a read in between would otherwise take the old driver's failure as final.
            if not revived:
                with self._revive_lock:
                    pass
            if not revived and self.driver is driver and not self._engine_dead():
                raise StoreError(f"cannot reach {self._where}: {exc}") from exc
        self._revive()
        # A just restarted engine (by this call or another thread) may take a moment to
        # accept connections: a few short retries before the store says it cannot.
        for attempt in range(REVIVED_RETRIES):
            try:
                return op()
            except (ServiceUnavailable, SessionExpired, _EngineGone) as exc:
                if attempt == REVIVED_RETRIES - 1:
                    raise StoreError(
                        f"{self._where} was restarted but still cannot be reached: {exc}"
                    ) from exc
                time.sleep(0.5)
        raise AssertionError("unreachable")  # pragma: no cover

    def _revive(self) -> None:
        """Restart the dead embedded engine and reconnect; StoreError when it cannot start."""
        engine = self.engine
        assert engine is not None
        with self._revive_lock:
            if not engine.died():  # another thread restarted it meanwhile
                return
            log.warning("%s has stopped; restarting it", self._where)
            t0 = time.monotonic()
            try:
                address = engine.restart()
            except EngineError as exc:
                raise StoreError(
                    f"{self._where} stopped and could not be restarted: {exc}"
                ) from exc
            old, self.driver = (
                self.driver,
                GraphDatabase.driver(
                    address.uri,
                    auth=(address.user, address.password),
                    max_connection_pool_size=50,
                    max_transaction_retry_time=EMBEDDED_RETRY_S,
                ),
            )
            old.close()
            try:
                self.driver.verify_connectivity()
            except (ServiceUnavailable, OSError, Neo4jError) as exc:
                raise StoreError(
                    f"{self._where} was restarted but cannot be reached: {exc}"
                ) from exc
            if self._ogm_bound:
                self.bind_ogm()
            self.last_restart_s = time.monotonic() - t0
            log.warning("%s restarted in %.1fs", self._where, self.last_restart_s)

    # -- schema and housekeeping ---------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the constraints and indexes the OGM classes declare (idempotent).

        Read off the neomodel classes (graph/models.py: `unique_index` and `index=True`)
        but created through this store's own driver with IF NOT EXISTS, not by neomodel's
        installer (install_labels): that one talks to neomodel's process-wide connection,
        not to this store, names relation indexes differently, and re-issues CREATE without
        IF NOT EXISTS, which the embedded engine refuses without the error code it catches
        (graph/engines.py).
        """
        for label, prop_name in self.constraint_plan():
            self.write(
                f"CREATE CONSTRAINT `constraint_unique_{label}_{prop_name}` IF NOT EXISTS "
                f"FOR (n:`{label}`) REQUIRE n.`{prop_name}` IS UNIQUE"
            )
        for label, prop_name in self.index_plan():
            self.write(
                f"CREATE INDEX `index_{label}_{prop_name}` IF NOT EXISTS "
                f"FOR (n:`{label}`) ON (n.`{prop_name}`)"
            )
        for rel, prop_name in self.relation_index_plan():
            self.write(
                f"CREATE INDEX `index_rel_{rel}_{prop_name}` IF NOT EXISTS "
                f"FOR ()-[r:`{rel}`]-() ON (r.`{prop_name}`)"
            )

    def constraint_plan(self) -> list[tuple[str, str]]:
        """(label, stored property) of every unique constraint the OGM classes declare."""
        from graph.models import MODELS

        return [
            (label, prop.get_db_property_name(name))
            for label, model in MODELS.items()
            for name, prop in model.defined_properties(aliases=False, rels=False).items()
            if prop.unique_index
        ]

    def index_plan(self) -> list[tuple[str, str]]:
        """(label, stored property) of every node index the OGM classes declare: each
        property the schema marks filterable, confidence, on which the API filters and
        orders every type, and the record time (graph/models.py)."""
        from graph.models import MODELS

        return [
            (label, prop.get_db_property_name(name))
            for label, model in MODELS.items()
            for name, prop in model.defined_properties(aliases=False, rels=False).items()
            if prop.index
        ]

    def relation_index_plan(self) -> list[tuple[str, str]]:
        """(relation type, stored property) of every relation index the OGM relation
        classes declare: the record time."""
        from graph.models import RELATION_MODELS

        return [
            (rel, prop.get_db_property_name(name))
            for rel, model in RELATION_MODELS.items()
            for name, prop in model.defined_properties(aliases=False, rels=False).items()
            if prop.index
        ]

    def server_version(self) -> str:
        rows = self.read("CALL dbms.components() YIELD name, versions RETURN name, versions")
        return ", ".join(f"{r['name']} {'/'.join(r['versions'])}" for r in rows) or self.agent

    def counts(self) -> dict[str, int]:
        """Nodes per declared type and relations per declared type (zero where none)."""
        out: dict[str, int] = {}
        for name in self.schema.nodes:
            out[name] = int(self.read(f"MATCH (n:`{name}`) RETURN count(n) AS c")[0]["c"])
        rel_rows = self.read("MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS c")
        found = {r["t"]: int(r["c"]) for r in rel_rows}
        for name in self.schema.relations:
            out[name] = found.get(name, 0)
        return out

    def node_count(self) -> int:
        return int(self.read("MATCH (n) RETURN count(n) AS c")[0]["c"])

    def wipe(self) -> int:
        """Delete every node and relation, in batches; returns how many nodes went.

        Relations go first, in batches of their own: a DETACH DELETE of a batch of nodes
        also deletes all their relations in the same transaction, and a few busy nodes
        (a State with 100k incidents) took Neo4j past its transaction memory limit at 1M
        relations (MemoryPoolOutOfMemoryError).
        """
        while self.write(
            "MATCH ()-[r]->() WITH r LIMIT $n DELETE r RETURN count(*) AS c",
            n=self.profile.wipe_batch,
        )[0]["c"]:
            pass
        total = 0
        while True:
            rows = self.write(
                "MATCH (n) WITH n LIMIT $n DETACH DELETE n RETURN count(*) AS c",
                n=self.profile.wipe_batch,
            )
            done = int(rows[0]["c"]) if rows else 0
            total += done
            if done == 0:
                return total
