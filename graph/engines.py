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
- `CREATE INDEX name IF NOT EXISTS FOR (n:Label) ON (n.prop)` (range index) and
  `SHOW INDEXES` work on both (Store.ensure_schema indexes the filterable properties);
  ArcadeDB lists its indexes under its own names ("Label[prop]"), not the given one.
- `CREATE FULLTEXT INDEX` is refused; search is done in Python (queries/search.py).
- No APOC. Timezone-aware datetimes lose their zone: the schema stores dates as
  ISO strings, so no datetime values reach either engine.
- MERGE on multi-label nodes is much slower: every node has exactly one label.
"""

from __future__ import annotations

from dataclasses import dataclass


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
