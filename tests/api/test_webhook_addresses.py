"""A watch's webhook cannot make the server call its own network: loopback, private,
link-local and other non-public addresses are refused when the watch is saved and again
before each delivery, unless TNR_WEBHOOK_PRIVATE allows them."""

from __future__ import annotations

from typing import Any

import pytest

from api.graphql import watching
from api.webhooks import address_refusal, deliver
from graph.records import Node, Provenance, source_node
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role
from graph.watches import Watch, list_notifications, record_notification
from graph.writer import Writer
from tests.gql import SCHEMA, run
from tests.servers import private_webhooks, webhook_receiver

SAVE = """mutation($name: String!, $webhook: String) {
  saveWatch(name: $name, query: "{ states(first: 5) { edges { node { id } } } }", webhook: $webhook) {
    watch { name webhook } secret } }"""

NOT_PUBLIC = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://169.254.169.254/latest/meta-data/",  # a cloud's instance metadata
    "http://10.1.2.3/",
    "http://192.168.0.1/",
    "http://172.16.5.4/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4 loopback written as IPv6
    "http://0.0.0.0/",
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "https://[fd00::1]:8443/",
]


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_non_public_addresses_are_refused_unless_allowed(url: str) -> None:
    refusal = address_refusal(url, allow_private=False)
    assert refusal and "non-public address" in refusal and "TNR_WEBHOOK_PRIVATE" in refusal
    assert address_refusal(url, allow_private=True) is None


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://127.0.0.1/", "http:///nohost", "http://[zz::1]/"]
)
def test_what_is_no_http_url_with_a_host_is_refused(url: str) -> None:
    assert address_refusal(url, allow_private=True)


def test_a_public_address_is_allowed() -> None:
    assert address_refusal("https://93.184.215.14/hook", allow_private=False) is None


def test_the_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).webhook_private is False
    assert Settings.from_env({"TNR_WEBHOOK_PRIVATE": "1"}).webhook_private is True


def _save(store: Store, webhook: str) -> Any:
    return run(store, SAVE, Role.ANALYST, "key-one", name="w", webhook=webhook)


def test_an_analyst_cannot_save_a_watch_that_posts_to_the_servers_own_network(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_webhooks(empty_store, monkeypatch, False)
    result = _save(empty_store, "http://169.254.169.254/latest/meta-data/")
    assert result.data is None or result.data.get("saveWatch") is None
    assert result.errors and "non-public address" in result.errors[0].message
    assert empty_store.read("MATCH (w:Watch) RETURN count(w) AS n")[0]["n"] == 0
    private_webhooks(empty_store, monkeypatch, True)
    saved = _save(empty_store, "http://127.0.0.1:9/hook")
    assert not saved.errors and saved.data["saveWatch"]["watch"]["webhook"]


def test_delivery_checks_the_address_again_and_posts_nothing_when_refused(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with webhook_receiver() as (url, received):
        private_webhooks(empty_store, monkeypatch, True)  # saved while the setting allowed it
        src = source_node("test:webhook", "a test source")
        Writer(empty_store).write(
            [src, Node("State", {"code": "BY", "name": "Belarus"}, Provenance(src.id, "row 1"))]
        )
        watch = watching.save(
            empty_store,
            Watch(
                owner="cli",
                name="w",
                role=Role.ANALYST,
                query="{ states(first: 5) { edges { node { id } } } }",
                owner_role=Role.ADMIN,
                webhook=url,
            ),
            SCHEMA,
        )
        record_notification(
            empty_store,
            watch,
            since="2000-01-01T00:00:00Z",
            until="2000-01-02T00:00:00Z",
            summary="one row more",
            diff={"added": [], "removed": []},
            causes=[],
        )
        private_webhooks(empty_store, monkeypatch, False)  # ... and refused by the time it is sent
        report = deliver(empty_store, backoff=0)
        assert report.sent == [] and len(report.failed) == 1
        assert "non-public address" in report.failed[0][1]
        assert received == []
        [note] = list_notifications(empty_store)
        assert note.last_error and "non-public address" in note.last_error
        private_webhooks(empty_store, monkeypatch, True)
        empty_store.write(
            "MATCH (n:Notification) SET n.next_attempt = $t", t="2000-01-01T00:00:00Z"
        )
        assert len(deliver(empty_store, backoff=0).sent) == 1 and len(received) == 1
