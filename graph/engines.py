"""Everything that differs between Neo4j 5 and the embedded ArcadeDB engine.

The rest of the code runs the same Cypher on both; when an engine needs
something else, the difference is named here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineProfile:
    name: str
    #: Neo4j refuses `MATCH (n)` over a large store in one transaction without
    #: memory to spare; both handle batched DETACH DELETE.
    wipe_batch: int


NEO4J = EngineProfile(name="neo4j", wipe_batch=10000)
ARCADEDB = EngineProfile(name="arcadedb", wipe_batch=10000)


def profile_for(agent: str) -> EngineProfile:
    """The profile for a server's Bolt agent string (ArcadeDB says so in its agent)."""
    return ARCADEDB if "arcadedb" in agent.lower() else NEO4J
