"""The attacker's client: GraphQL over HTTP as a role, the editor's mutations, the command line."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from graph.settings import Settings
from graph.store import Store

from .checker import Secrets
from .people import KEYS


@dataclasses.dataclass
class Client:
    """GraphQL over HTTP against the running server, as a role (None = public)."""

    base: str
    http: httpx.Client

    def post(self, query: str, role: str | None = None, **variables: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {KEYS[role]}"} if role else {}
        return self.http.post(
            f"{self.base}/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    def gql(self, query: str, role: str | None = None, **variables: Any) -> dict[str, Any]:
        r = self.post(query, role, **variables)
        assert r.headers.get("content-type", "").startswith("application/"), r.text[:300]
        body: dict[str, Any] = r.json()
        return body

    def ok(self, query: str, role: str | None = None, **variables: Any) -> dict[str, Any]:
        body = self.gql(query, role, **variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data


UPDATE_PERSON = """mutation($id: ID!, $patch: PersonPatch!, $source: SourceRefInput!) {
  updatePerson(id: $id, patch: $patch, source: $source) { id auditId } }"""
UPDATE_INCIDENT = """mutation($id: ID!, $patch: IncidentPatch!, $source: SourceRefInput!) {
  updateIncident(id: $id, patch: $patch, source: $source) { id auditId } }"""
SOFT_DELETE = """mutation($id: ID!, $reason: String!) {
  softDelete(id: $id, reason: $reason) { id auditId } }"""


@dataclasses.dataclass
class Attack:
    """What the attacker's tests get: the client, the store (for the test's own oracle
    only), the settings, and the secrets."""

    client: Client
    store: Store
    settings: Settings
    secrets: Secrets
    analyst_secrets: Secrets
    audit_ids: list[str]
    deleted_ids: list[str]


TARGETED_OF = """query($ref: String!) { incidents(filter: {ref: {eq: $ref}}) {
  edges { node { id targeted { node { id } } } } } }"""


def public_ids_of_targets(client: Client, ref: str, role: str | None = None) -> list[str]:
    """The ids a role is shown for the persons an incident targeted (anonymous for public)."""
    data = client.ok(TARGETED_OF, role, ref=ref)["incidents"]["edges"]
    return [t["node"]["id"] for e in data for t in e["node"]["targeted"]]


def cli(settings: Settings, store: Store, *args: str) -> tuple[int, str]:
    """Run `tnr ARGS` against the fixture's engine (as the command line does), in-process."""
    from typer.testing import CliRunner

    from cli.main import app

    env = {"TNR_DATA_DIR": str(settings.data_dir), "TNR_ENGINE_HEAP": settings.engine_heap}
    if settings.neo4j_uri:
        env.update(
            NEO4J_URI=settings.neo4j_uri,
            NEO4J_USER=settings.neo4j_user or "",
            NEO4J_PASSWORD=settings.neo4j_password or "",
        )
    try:
        result = CliRunner().invoke(app, list(args), env=env)
    finally:
        store.bind_ogm()  # the command line binds the OGM to its own store
    return result.exit_code, result.output
