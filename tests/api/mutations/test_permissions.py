"""Who may edit: public and analyst callers cannot, only an admin reads the audit log."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from graph.store import Store
from tests.api.mutations.edits import (
    AUDIT_LOG,
    CREATE_INCIDENT,
    LINK,
    SOFT_DELETE,
    audit_log,
    cite,
    gql,
    ok,
    refused,
    snapshot,
)


@pytest.mark.parametrize("role", [None, "analyst"])
def test_public_and_analyst_callers_cannot_edit(
    client: TestClient, empty_store: Store, ids: dict[str, str], role: str | None
) -> None:
    before = snapshot(empty_store)
    body = gql(client, CREATE_INCIDENT, role, input={"ref": "X", "title": "x"}, source=cite(ids))
    assert "editor role" in refused(body, "FORBIDDEN")["message"]
    refused(gql(client, SOFT_DELETE, role, id=ids["incident"], reason="r"), "FORBIDDEN")
    refused(
        gql(
            client,
            LINK,
            role,
            relation="ORIGIN_STATE",
            **{"from": ids["incident"]},
            to=ids["state"],
            source=cite(ids),
        ),
        "FORBIDDEN",
    )
    assert snapshot(empty_store) == before


def test_admin_reads_the_audit_log_and_an_editor_cannot(
    client: TestClient, ids: dict[str, str]
) -> None:
    created = ok(
        client, CREATE_INCIDENT, input={"ref": "INC-2", "title": "Second"}, source=cite(ids)
    )["createIncident"]
    for role in (None, "analyst", "editor"):
        error = refused(gql(client, AUDIT_LOG, role), "FORBIDDEN")
        assert "admin role" in error["message"]
        refused(gql(client, "{ auditRecords { totalCount } }", role), "FORBIDDEN")
        found = gql(client, "query($id: ID!) { node(id: $id) { id } }", role, id=created["auditId"])
        assert found["data"]["node"] is None
    assert [r["id"] for r in audit_log(client)] == [created["auditId"]]
