"""Every setting of tnr-graph, read from the environment in one place.

`NEO4J_URI`, `NEO4J_USER`, `NEO4J_PASSWORD` and `NEO4J_DATABASE` pick a Neo4j 5
server; without `NEO4J_URI` the app manages its embedded engine. Everything
else is prefixed `TNR_`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _default_concurrency() -> int:
    """Twice the cores (at least 4): the engine works on as many queries as it has cores,
    and a request spends part of its time in Python, not in the engine."""
    return max(4, 2 * (os.cpu_count() or 2))


@dataclass(frozen=True)
class Settings:
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    data_dir: Path = field(default_factory=lambda: Path(user_data_dir("tnr-graph")))
    engine_heap: str = "2g"
    engine_start_timeout: float = 180.0
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: tuple[str, ...] = ()
    batch_size: int = 2000
    log_level: str = "info"
    graphql_max_depth: int = 12  # TNR_GRAPHQL_MAX_DEPTH: nesting of one query
    graphql_max_cost: int = 50_000  # TNR_GRAPHQL_MAX_COST: objects one query may fetch
    graphql_max_page: int = 100  # TNR_GRAPHQL_MAX_PAGE: largest first/last of a connection
    max_body_bytes: int = 524_288  # TNR_MAX_BODY_BYTES: largest request body the API reads
    api_keys: str = field(default="", repr=False)  # TNR_API_KEYS: "role:key,role:key"
    api_keys_file: Path | None = None  # TNR_API_KEYS_FILE: one "role:key" a line
    query_timeout: float = 30.0  # TNR_QUERY_TIMEOUT: seconds one store read may run (0: none)
    #: TNR_MAX_CONCURRENT_QUERIES: GraphQL requests working on the store at once
    max_concurrent_queries: int = field(default_factory=lambda: _default_concurrency())
    #: TNR_MAX_QUEUED_QUERIES: requests that may wait for a turn; more get 503
    max_queued_queries: int = 64
    queue_wait: float = 30.0  # TNR_QUEUE_WAIT: seconds a request waits for a turn, then 503
    #: TNR_REDACTION_KEY: the secret of anonymous ids and signed cursors; without it, a key
    #: made once in `data_dir/redaction.key` (mode 0600)
    redaction_key: str = field(default="", repr=False)
    #: TNR_NODE_MODULES: the node_modules folder GraphiQL's files come from (else the repo's)
    node_modules: Path | None = None
    #: TNR_WEBHOOK_PRIVATE=1: watches' webhooks may point at loopback, private or link-local
    #: addresses (off: a key that may save a watch cannot make the server call its own network)
    webhook_private: bool = False

    @property
    def uses_neo4j(self) -> bool:
        return bool(self.neo4j_uri)

    @property
    def engine_dir(self) -> Path:
        return self.data_dir / "engine"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        defaults = cls()
        return cls(
            neo4j_uri=e.get("NEO4J_URI") or None,
            neo4j_user=e.get("NEO4J_USER", defaults.neo4j_user),
            neo4j_password=e.get("NEO4J_PASSWORD", defaults.neo4j_password),
            neo4j_database=e.get("NEO4J_DATABASE", defaults.neo4j_database),
            data_dir=Path(e["TNR_DATA_DIR"]).expanduser()
            if e.get("TNR_DATA_DIR")
            else defaults.data_dir,
            engine_heap=e.get("TNR_ENGINE_HEAP", defaults.engine_heap),
            engine_start_timeout=float(
                e.get("TNR_ENGINE_START_TIMEOUT", defaults.engine_start_timeout)
            ),
            host=e.get("TNR_HOST", defaults.host),
            port=int(e.get("TNR_PORT", defaults.port)),
            cors_origins=_list(e.get("TNR_CORS_ORIGINS", "")),
            batch_size=int(e.get("TNR_BATCH_SIZE", defaults.batch_size)),
            log_level=e.get("TNR_LOG_LEVEL", defaults.log_level),
            graphql_max_depth=int(e.get("TNR_GRAPHQL_MAX_DEPTH", defaults.graphql_max_depth)),
            graphql_max_cost=int(e.get("TNR_GRAPHQL_MAX_COST", defaults.graphql_max_cost)),
            graphql_max_page=int(e.get("TNR_GRAPHQL_MAX_PAGE", defaults.graphql_max_page)),
            max_body_bytes=int(e.get("TNR_MAX_BODY_BYTES", defaults.max_body_bytes)),
            api_keys=e.get("TNR_API_KEYS", ""),
            api_keys_file=Path(e["TNR_API_KEYS_FILE"]).expanduser()
            if e.get("TNR_API_KEYS_FILE")
            else None,
            query_timeout=float(e.get("TNR_QUERY_TIMEOUT", defaults.query_timeout)),
            max_concurrent_queries=max(
                1, int(e.get("TNR_MAX_CONCURRENT_QUERIES", defaults.max_concurrent_queries))
            ),
            max_queued_queries=max(
                0, int(e.get("TNR_MAX_QUEUED_QUERIES", defaults.max_queued_queries))
            ),
            queue_wait=float(e.get("TNR_QUEUE_WAIT", defaults.queue_wait)),
            redaction_key=e.get("TNR_REDACTION_KEY", ""),
            node_modules=Path(e["TNR_NODE_MODULES"]).expanduser()
            if e.get("TNR_NODE_MODULES")
            else None,
            webhook_private=e.get("TNR_WEBHOOK_PRIVATE", "") in ("1", "true", "yes"),
        )
