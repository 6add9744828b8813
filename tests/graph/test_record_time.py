"""Record time: when the graph first recorded each fact and when a load last confirmed it,
per source and dataset; loads recorded; what a complete load no longer contains marked, not
deleted; the change feed (queries/changes.py) over it, through the visibility rule."""

from __future__ import annotations

from pathlib import Path

from graph.record_time import parse_sighting
from graph.store import Store
from graph.visibility import Role
from graph.writer import Summary, Writer
from loaders import registry
from queries.changes import changes
from tests.gql import gql
from tests.shared import shared_file

VICTIMS = "data-pegasus-victims.csv"


def _load(store: Store, path: Path, loader: str = "spyware-victims") -> Summary:
    spec = registry()[loader]
    return Writer(store, origin=str(path), dataset=f"{loader}:{path.name}", complete=True).write(
        spec.parse(path)
    )


def _times(store: Store) -> dict[str, tuple[str, str, list[str]]]:
    rows = store.read(
        "MATCH (n) WHERE NOT n:Load RETURN n.id AS id, n.first_seen AS f, "
        "n.last_seen AS l, n.sightings AS s"
    )
    rels = store.read(
        "MATCH ()-[r]->() RETURN r.id AS id, r.first_seen AS f, r.last_seen AS l, r.sightings AS s"
    )
    return {str(r["id"]): (r["f"], r["l"], list(r["s"] or [])) for r in [*rows, *rels]}


def _first_lines(tmp_path: Path, n: int) -> Path:
    """The shared victims file cut to its header and first n-1 rows, under its own name."""
    lines = shared_file(VICTIMS).read_text(encoding="utf-8").splitlines(keepends=True)
    out = tmp_path / VICTIMS
    out.write_text("".join(lines[:n]), encoding="utf-8")
    return out


def test_loading_the_same_file_twice_changes_last_seen_only_and_creates_nothing(
    empty_store: Store,
) -> None:
    first = _load(empty_store, shared_file(VICTIMS))
    counts = empty_store.counts()
    before = _times(empty_store)
    assert first.total("created") > 700 and first.load_id
    assert all(f == first.started and last == first.started for f, last, _ in before.values())
    again = _load(empty_store, shared_file(VICTIMS))
    assert again.started > first.started
    assert again.total("created") == 0 and again.total("updated") == 0 and again.lost == 0
    after = _times(empty_store)
    assert after.keys() == before.keys()
    assert all(after[k][0] == first.started and after[k][1] == again.started for k in after)
    # one sighting per source that states the fact, its first time kept
    for key, (_, _, sightings) in after.items():
        assert len(sightings) == len(before[key][2]) >= 1
        for s in sightings:
            _, dataset, seen_first, seen_last, lost = parse_sighting(s)
            assert (dataset, seen_first, seen_last, lost) == (
                f"spyware-victims:{VICTIMS}",
                first.started,
                again.started,
                "",
            )
    got = empty_store.counts()
    assert got.pop("Load") == counts.pop("Load") + 1
    assert got == counts  # nothing else created


def test_a_fact_stated_by_two_sources_has_two_sightings(empty_store: Store) -> None:
    _load(empty_store, shared_file(VICTIMS))
    rows = empty_store.read(
        "MATCH (i:Incident) RETURN i.source_ids AS sources, i.sightings AS sightings"
    )
    many = [r for r in rows if len(r["sources"]) > 1]
    assert many, "the file cites the list and the report of an incident"
    for r in rows:
        assert sorted(parse_sighting(s)[0] for s in r["sightings"]) == sorted(r["sources"])


def test_a_load_that_no_longer_contains_facts_marks_them_and_deletes_nothing(
    empty_store: Store, tmp_path: Path
) -> None:
    full = _load(empty_store, shared_file(VICTIMS))
    counts = {k: v for k, v in empty_store.counts().items() if k != "Load"}
    cut = _load(empty_store, _first_lines(tmp_path, 40))
    assert cut.lost > 100
    after = empty_store.counts()
    assert all(after[k] >= n for k, n in counts.items())  # nothing deleted
    assert {k: n for k, n in after.items() if k not in ("Load", "Source")} == {
        k: n for k, n in counts.items() if k != "Source"
    }  # only the cut file's own Source is new
    lost = empty_store.read(
        "MATCH (i:Incident) WHERE i.lost_at IS NOT NULL RETURN i.lost_at AS at, i.sightings AS s"
    )
    kept = empty_store.read("MATCH (i:Incident) WHERE i.lost_at IS NULL RETURN count(i) AS c")
    assert lost and kept[0]["c"] > 0
    for r in lost:
        assert r["at"] == cut.started
        assert any(parse_sighting(s)[4] == cut.started for s in r["s"])
    [load] = empty_store.read("MATCH (l:Load {id: $id}) RETURN properties(l) AS p", id=cut.load_id)
    assert load["p"]["lost"] == cut.lost and load["p"]["complete"] is True
    # the feed lists them, and the full file confirms them again
    feed = changes(empty_store, full.started, kinds=("lost",), limit=0)
    assert feed.total >= cut.lost and {c.load_id for c in feed.counts} == {cut.load_id}
    back = _load(empty_store, shared_file(VICTIMS))
    assert back.lost == 1  # the cut file's own Source, which the full file does not state
    still = empty_store.read("MATCH (i:Incident) WHERE i.lost_at IS NOT NULL RETURN count(i) AS c")
    assert still[0]["c"] == 0


def test_the_change_feed_lists_additions_per_load_and_source(empty_store: Store) -> None:
    curated = _load(
        empty_store, Path(__file__).resolve().parents[2] / "data" / "curated", "curated"
    )
    victims = _load(empty_store, shared_file(VICTIMS))
    feed = changes(empty_store, curated.started, limit=5000)
    assert [ld.id for ld in feed.loads] == [victims.load_id]
    added = [c for c in feed.changes if c.kind == "added"]
    incidents = {c.id for c in added if c.type == "Incident"}
    stored = empty_store.read(
        "MATCH (i:Incident) WHERE i.first_seen = $t RETURN i.id AS id", t=victims.started
    )
    assert incidents == {r["id"] for r in stored} and incidents
    assert all(c.load_id == victims.load_id and c.at == victims.started for c in added)
    # what curated had stated before and the victims file states again is "confirmed"
    assert all(c.kind in ("added", "confirmed") for c in feed.changes)
    assert not any(c.type == "Load" for c in feed.changes)


def test_the_public_sees_no_record_time_of_a_person_at_risk_and_no_change_to_one(
    empty_store: Store,
) -> None:
    start = _load(empty_store, Path(__file__).resolve().parents[2] / "data" / "curated", "curated")
    _load(empty_store, shared_file(VICTIMS))
    query = "query { persons(first: 100) { edges { node { id isTarget firstSeen sightings } } } }"
    public = gql(empty_store, query, Role.PUBLIC)["persons"]["edges"]
    analyst = gql(empty_store, query, Role.ANALYST)["persons"]["edges"]
    targets = [e["node"] for e in analyst if e["node"]["isTarget"]]
    assert targets and all(t["firstSeen"] and t["sightings"] for t in targets)
    for edge in public:
        if edge["node"]["id"].startswith("anon_"):
            assert edge["node"]["firstSeen"] is None and edge["node"]["sightings"] is None
    feed = "query($s: String!) { changes(since: $s, first: 5000) { total changes { id type } } }"
    seen = gql(empty_store, feed, Role.PUBLIC, s=start.started)["changes"]
    everything = gql(empty_store, feed, Role.ANALYST, s=start.started)["changes"]
    target_ids = {t["id"] for t in targets if t["firstSeen"] > start.started}  # the victims'
    assert target_ids
    assert target_ids <= {c["id"] for c in everything["changes"]}
    assert not target_ids & {c["id"] for c in seen["changes"]}
    assert not any(c["id"].startswith("anon_") for c in seen["changes"])
    assert seen["total"] < everything["total"]
