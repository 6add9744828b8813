"""docker-compose.yml gives the API on the Neo4j the suite is tested on (checked without Docker)."""

from __future__ import annotations

from pathlib import Path

import yaml

from graph.neo4j_server import pinned_version

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_neo4j_with_healthcheck_and_the_api_waits_for_it() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    neo4j, api = compose["services"]["neo4j"], compose["services"]["api"]
    assert neo4j["image"] == f"neo4j:{pinned_version()}-community", "the Neo4j the suite runs on"
    assert "healthcheck" in neo4j and "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    assert any(v.endswith(":/data") for v in neo4j["volumes"])
    for service in (neo4j, api):
        assert all(p.startswith("127.0.0.1:") for p in service["ports"]), service["ports"]
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert api["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    assert (ROOT / api["build"] / "Dockerfile").exists()


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_screen = "\n".join(readme.splitlines()[:25])
    assert "make serve" in first_screen and "make test" in first_screen
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
