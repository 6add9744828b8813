"""Watches: saved questions re-asked after each load; a notification when the answer changes
because of new evidence, naming it and its sources; through the visibility rule; delivered
to a signed webhook, retried after a failure; refused when they could not be answered."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.graphql import watching
from api.graphql.watching import ReadOnlyStore, WatchRefused
from api.webhooks import deliver, verify
from cli.main import app
from graph.ids import make_id
from graph.settings import Settings
from graph.store import Store
from graph.visibility import Role
from graph.watches import Watch, list_notifications, list_watches
from graph.writer import Summary, Writer
from loaders import registry
from loaders.incidents import FIELDS
from tests.gql import SCHEMA, run
from tests.servers import private_webhooks, webhook_receiver
from tests.shared import shared_file

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"
BELARUS = make_id("State", "BY")
SOURCE_URL = "https://spring96.org/en/news/transnational-repression-2025"
INCIDENTS_OF_A_STATE = """
query($state: ID!) {
  incidents(first: 100, filter: {relatedTo: $state}) {
    edges { node { id title sources { id title } } }
  }
}
"""
runner = CliRunner()


def save(store: Store, watch: Watch) -> Watch:
    return watching.save(store, watch, SCHEMA)


def check_watches(store: Store, watches: list[Watch] | None = None) -> list[watching.Checked]:
    return watching.check_watches(store, lambda: SCHEMA, watches)


def _load(store: Store, path: Path, loader: str) -> Summary:
    return Writer(store, origin=str(path), dataset=f"{loader}:{path.name}", complete=True).write(
        registry()[loader].parse(path)
    )


def _incidents(tmp_path: Path, n: int) -> Path:
    """A case file (docs/incidents-format.md) of n incidents of Belarus against exiles."""
    hosts = ["Lithuania", "Poland", "Latvia", "Georgia", "Ukraine"]
    path = tmp_path / "belarus-cases.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(FIELDS))
        writer.writeheader()
        for i in range(n):
            writer.writerow(
                {
                    "date": f"2024-0{i + 1}",
                    "origin_state": "Belarus",
                    "host_state": hosts[i],
                    "tactics": "threats-to-family",
                    "target_profile": "exile",
                    "outcome": "attempted",
                    "source_url": SOURCE_URL,
                    "source_title": "Viasna: transnational repression of Belarusian exiles, 2025",
                    "verification": "reported",
                    "ref": f"viasna-2025-{i + 1}",
                    "description": f"Relatives of an exile in {hosts[i]} questioned by the KGB.",
                }
            )
    return path


def _watch(name: str = "belarus", role: Role = Role.ANALYST, **kw: Any) -> Watch:
    return Watch(
        owner="cli",
        name=name,
        role=role,
        query=INCIDENTS_OF_A_STATE,
        variables={"state": BELARUS},
        owner_role=Role.ADMIN,
        **kw,
    )


def gql(store: Store, document: str, role: Role, key: str = "key-one", /, **variables: Any) -> Any:
    return run(store, document, role, key, **variables)


def _fact_counts(store: Store) -> dict[str, int]:
    return {k: v for k, v in store.counts().items() if k not in ("Watch", "Notification")}


@pytest.fixture
def belarus(empty_store: Store, tmp_path: Path) -> Store:
    _load(empty_store, CURATED, "curated")
    _load(empty_store, _incidents(tmp_path, 3), "incidents")
    return empty_store


# -- the "done when" ----------------------------------------------------------------
def test_loading_the_same_file_twice_fires_no_watch(belarus: Store, tmp_path: Path) -> None:
    save(belarus, _watch())
    _load(belarus, _incidents(tmp_path, 3), "incidents")
    done = check_watches(belarus)
    assert [c.error for c in done] == [None]
    assert [c.notification for c in done] == [None]
    assert list_notifications(belarus) == []


def test_one_new_incident_fires_one_notification_naming_it_and_its_source(
    belarus: Store, tmp_path: Path
) -> None:
    save(belarus, _watch())
    _load(belarus, _incidents(tmp_path, 4), "incidents")
    check_watches(belarus)
    [note] = list_notifications(belarus)
    new_id = make_id("Incident", "viasna-2025-4")
    rows = [r for r in note.diff["added"] if r["path"] == "incidents.edges"]
    assert [r["key"] for r in rows] == [new_id]
    assert rows[0]["row"]["node"]["title"].endswith("in Georgia (2024-04)")
    # the new version of the file is a new Source: the other incidents now cite it too
    file_source = {
        s["id"]
        for s in rows[0]["row"]["node"]["sources"]
        if s["title"].startswith("Incident database")
    }
    assert {r["key"] for r in note.diff["added"] if r not in rows} == file_source
    assert note.diff["removed"] == [] and note.diff["moved"] == []
    [cause] = [c for c in note.causes if c["id"] == new_id]
    assert cause["kind"] == "added" and cause["type"] == "Incident"
    assert "Georgia" in cause["label"]
    by_id = {s["id"]: s for s in cause["sources"]}
    viasna = by_id[make_id("Source", SOURCE_URL)]
    assert viasna["title"].startswith("Viasna: transnational repression")
    assert all(s["citations"] and s["title"] for s in cause["sources"])
    cited = {s["id"] for c in note.causes for s in c["sources"]}
    assert make_id("Source", SOURCE_URL) in cited
    assert all(s["citations"] for c in note.causes if c["type"] == "Incident" for s in c["sources"])
    # its relations to the state are causes too; nothing about the other incidents
    assert {c["type"] for c in note.causes} >= {"Incident", "ORIGIN_STATE"}
    assert not any(c["id"] == make_id("Incident", "viasna-2025-1") for c in note.causes)
    # checked again with nothing new: nothing more
    check_watches(belarus)
    assert len(list_notifications(belarus)) == 1


def test_an_analytical_field_without_ids_fires_with_its_figures_moved_and_the_new_incident(
    belarus: Store, tmp_path: Path
) -> None:
    save(
        belarus,
        Watch(
            owner="cli",
            name="trend",
            role=Role.PUBLIC,
            owner_role=Role.ADMIN,
            query='{ incidentsPerYear(origin: "BY") { total years { year count } } }',
        ),
    )
    _load(belarus, _incidents(tmp_path, 3), "incidents")
    assert [c.notification for c in check_watches(belarus)] == [None]
    _load(belarus, _incidents(tmp_path, 4), "incidents")
    [done] = check_watches(belarus)
    assert done.notification is not None
    moved = {m["path"]: (m["before"], m["after"]) for m in done.notification.diff["moved"]}
    assert moved["incidentsPerYear.total"][1] == moved["incidentsPerYear.total"][0] + 1
    assert moved["incidentsPerYear.years[2024].count"] == (3, 4)
    assert "2 figures moved" in done.notification.summary
    assert make_id("Incident", "viasna-2025-4") in {c["id"] for c in done.notification.causes}
    assert {c["type"] for c in done.notification.causes} == {"Incident"}


def test_a_public_watch_never_reveals_what_the_public_may_not_see(empty_store: Store) -> None:
    _load(empty_store, CURATED, "curated")
    mexico = make_id("State", "MX")
    query = """query($state: ID!) { incidents(first: 100, filter: {relatedTo: $state}) {
      edges { node { id title description targeted(first: 5) { node { id label } }
                     sources { id title } } } } }"""
    for role in (Role.PUBLIC, Role.ANALYST):
        save(
            empty_store,
            Watch(
                owner="cli",
                name=role.name,
                role=role,
                query=query,
                variables={"state": mexico},
                owner_role=Role.ADMIN,
            ),
        )
    _load(empty_store, shared_file("data-pegasus-victims.csv"), "spyware-victims")
    check_watches(empty_store)
    notes = {n.watch_name: n for n in list_notifications(empty_store)}
    assert set(notes) == {"PUBLIC", "ANALYST"}
    targets = empty_store.read(
        "MATCH (i:Incident)-[:TARGETED]->(p:Person) "
        "WHERE (i)-[:HOST_STATE|ORIGIN_STATE]->(:State {code: 'MX'}) "
        "AND p.is_target RETURN p.id AS id, p.name AS name, i.id AS incident"
    )
    assert targets
    analyst = json.dumps(notes["ANALYST"].payload(), ensure_ascii=False)
    public = json.dumps(notes["PUBLIC"].payload(), ensure_ascii=False)
    assert any(t["name"] in analyst for t in targets)  # what the analyst sees ...
    for t in targets:  # ... the public does not: no name, no real id of them or their incidents
        assert t["name"] not in public
        assert t["id"] not in public and t["incident"] not in public
    assert "anon_" in public and notes["PUBLIC"].diff["added"]


def test_the_webhook_is_delivered_signed_and_retried_after_a_failure(
    belarus: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_webhooks(belarus, monkeypatch, True)  # the receiver is on 127.0.0.1
    with webhook_receiver([500, 200]) as (url, received):
        watch = save(belarus, _watch(webhook=url))
        _load(belarus, _incidents(tmp_path, 4), "incidents")
        check_watches(belarus)
        first = deliver(belarus, backoff=60)
        assert len(first.failed) == 1 and first.failed[0][1] == "HTTP 500"
        [note] = list_notifications(belarus)
        assert note.status == "pending" and note.attempts == 1 and note.last_error == "HTTP 500"
        assert note.next_attempt and note.next_attempt > note.at  # backed off: a minute on
        assert deliver(belarus).sent == [] and len(received) == 1  # not due yet
        belarus.write("MATCH (n:Notification) SET n.next_attempt = $t", t="2000-01-01T00:00:00Z")
        second = deliver(belarus, backoff=60)
        assert second.sent == [note.id]
        [note] = list_notifications(belarus)
        assert note.status == "delivered" and note.attempts == 2 and note.delivered_at
        assert deliver(belarus, backoff=0).sent == []  # delivered once, not again
    assert len(received) == 2 and received[0] == received[1]
    body, header = received[1]
    assert header is not None and verify(watch.secret, body, header)
    assert not verify("another secret", body, header)
    assert make_id("Incident", "viasna-2025-4") in json.loads(body)["diff"]["added"][0]["key"]


def test_a_digest_watch_sends_one_delivery_per_day(
    belarus: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_webhooks(belarus, monkeypatch, True)  # the receiver is on 127.0.0.1
    with webhook_receiver() as (url, received):
        save(belarus, _watch(webhook=url, digest=True))
        _load(belarus, _incidents(tmp_path, 4), "incidents")
        check_watches(belarus)
        _load(belarus, _incidents(tmp_path, 5), "incidents")
        check_watches(belarus)
        assert len(list_notifications(belarus)) == 2
        assert deliver(belarus).waiting == 2 and received == []  # today is not over
        sent = deliver(belarus, digest_now=True)
    assert len(sent.sent) == 2 and len(received) == 1
    digest = json.loads(received[0][0])
    assert digest["watch"] == "belarus" and len(digest["notifications"]) == 2


def test_nothing_a_watch_does_writes_to_the_graph(belarus: Store, tmp_path: Path) -> None:
    save(belarus, _watch())
    _load(belarus, _incidents(tmp_path, 4), "incidents")
    before = _fact_counts(belarus)
    props = belarus.read("MATCH (i:Incident) RETURN i.id AS id, properties(i) AS p ORDER BY id")
    check_watches(belarus)
    assert len(list_notifications(belarus)) == 1
    assert _fact_counts(belarus) == before
    with pytest.raises(PermissionError):  # what a watch's query runs on
        ReadOnlyStore(belarus).write("CREATE (:State {id: 'state_x'})")
    assert (
        belarus.read("MATCH (i:Incident) RETURN i.id AS id, properties(i) AS p ORDER BY id")
        == props
    )


# -- bad input ------------------------------------------------------------------------------
SAVE = """mutation($name: String!, $query: String!, $variables: JSON, $role: String) {
  saveWatch(name: $name, query: $query, variables: $variables, role: $role) {
    watch { name owner role } secret } }"""


def _refusal(
    store: Store,
    query: str,
    role: str | None = None,
    key_role: Role = Role.ANALYST,
    **variables: Any,
) -> str:
    result = gql(
        store, SAVE, key_role, name="w", query=query, variables=variables or None, role=role
    )
    assert result.errors, result.data
    return str(result.errors[0].message)


def test_a_watch_that_cannot_be_answered_is_refused_with_the_reason(belarus: Store) -> None:
    assert "not valid GraphQL" in _refusal(belarus, "query { incidents(first: 1) {")
    assert "may only read" in _refusal(
        belarus, 'mutation { softDelete(id: "incident_x", reason: "no") { id } }'
    )
    costly = (
        "{ incidents(first: 100) { edges { node { targeted(first: 200) { node { id } } "
        "usedTactic(first: 200) { node { id } } hostState(first: 200) { node { id } } } } } }"
    )
    assert "too expensive" in _refusal(belarus, costly)
    assert "needs a key of that role" in _refusal(
        belarus, "{ states(first: 1) { edges { node { id } } } }", role="admin"
    )
    assert "admin role" in _refusal(belarus, "{ auditLog(first: 5) { edges { node { id } } } }")
    assert "Cannot query field" in _refusal(belarus, "{ noSuchField }")
    assert list_watches(belarus) == []
    with pytest.raises(WatchRefused, match="exactly one operation"):
        save(
            belarus,
            Watch(
                owner="cli",
                name="two",
                role=Role.PUBLIC,
                query="query a { states(first: 1) { edges { node { id } } } } query b { __typename }",
            ),
        )
    # the public holds no key, so saves no watch
    public = gql(belarus, SAVE, Role.PUBLIC, name="w", query="{ __typename }")
    assert public.errors and "analyst role" in public.errors[0].message


def test_owners_see_their_own_watches_and_an_admin_sees_all(belarus: Store, tmp_path: Path) -> None:
    saved = gql(
        belarus,
        SAVE,
        Role.ANALYST,
        "key-one",
        name="mine",
        query=INCIDENTS_OF_A_STATE,
        variables={"state": BELARUS},
        role="public",
    )
    assert saved.errors is None, saved.errors
    assert saved.data["saveWatch"]["watch"] == {
        "name": "mine",
        "owner": "key-one",
        "role": "public",
    }
    theirs = gql(
        belarus,
        SAVE,
        Role.ANALYST,
        "key-two",
        name="theirs",
        query="{ states(first: 1) { edges { node { id } } } }",
    )
    assert theirs.errors is None, theirs.errors
    _load(belarus, _incidents(tmp_path, 4), "incidents")
    check_watches(belarus)
    listed = "{ watches { name owner } notifications { watch summary causes diff } }"
    one = gql(belarus, listed, Role.ANALYST, "key-one").data
    two = gql(belarus, listed, Role.ANALYST, "key-two").data
    admin = gql(belarus, listed, Role.ADMIN, "key-admin").data
    assert [w["name"] for w in one["watches"]] == ["mine"]
    assert [n["watch"] for n in one["notifications"]] == ["mine"]
    assert [w["name"] for w in two["watches"]] == ["theirs"] and two["notifications"] == []
    assert {w["name"] for w in admin["watches"]} == {"mine", "theirs"}
    assert make_id("Incident", "viasna-2025-4") in json.dumps(one["notifications"][0]["diff"])
    deleted = gql(belarus, 'mutation { deleteWatch(name: "mine") }', Role.ANALYST, "key-two")
    assert deleted.errors and "no watch named" in deleted.errors[0].message
    assert gql(belarus, 'mutation { deleteWatch(name: "mine") }', Role.ANALYST, "key-one").data == {
        "deleteWatch": True
    }
    assert [w.name for w in list_watches(belarus)] == ["theirs"]


# -- the command line -----------------------------------------------------------------------
def _env(settings: Settings) -> dict[str, str]:
    env = {"TNR_DATA_DIR": str(settings.data_dir), "TNR_ENGINE_HEAP": settings.engine_heap}
    if settings.neo4j_uri:
        env.update(
            NEO4J_URI=settings.neo4j_uri,
            NEO4J_USER=settings.neo4j_user,
            NEO4J_PASSWORD=settings.neo4j_password,
        )
    return env


def test_the_cli_adds_a_watch_a_load_fires_it_and_changes_lists_what_came(
    belarus: Store, test_settings: Settings, tmp_path: Path
) -> None:
    env = _env(test_settings)
    query = tmp_path / "belarus.graphql"
    query.write_text(INCIDENTS_OF_A_STATE, encoding="utf-8")
    added = runner.invoke(
        app,
        [
            "watch",
            "add",
            "belarus",
            "--query",
            str(query),
            "--variables",
            json.dumps({"state": BELARUS}),
        ],
        env=env,
    )
    assert added.exit_code == 0, added.output
    since = belarus.read("MATCH (l:Load) RETURN max(l.started) AS t")[0]["t"]
    again = runner.invoke(
        app, ["load", "incidents", str(_incidents(tmp_path, 3)), "--no-resolve"], env=env
    )
    assert again.exit_code == 0, again.output
    assert "watch belarus" not in again.output
    more = runner.invoke(
        app, ["load", "incidents", str(_incidents(tmp_path, 4)), "--no-resolve"], env=env
    )
    assert more.exit_code == 0, more.output
    assert "watch belarus: 1 added" in more.output
    belarus.bind_ogm()
    shown = runner.invoke(app, ["watch", "notifications", "belarus", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    [note] = json.loads(shown.stdout)
    assert note["diff"]["added"][0]["key"] == make_id("Incident", "viasna-2025-4")
    feed = runner.invoke(app, ["changes", "--since", since, "--json", "--kind", "added"], env=env)
    assert feed.exit_code == 0, feed.output
    data = json.loads(feed.stdout)
    assert make_id("Incident", "viasna-2025-4") in {c["id"] for c in data["changes"]}
    table = runner.invoke(app, ["changes", "--since", since], env=env)
    assert table.exit_code == 0 and "Incident" in table.stdout
    refused = runner.invoke(app, ["watch", "add", "bad", "--query", "mutation { x }"], env=env)
    assert refused.exit_code == 1 and "may only read" in refused.output
    gone = runner.invoke(app, ["watch", "remove", "belarus"], env=env)
    assert gone.exit_code == 0 and "1 notifications" in gone.output
    belarus.bind_ogm()
