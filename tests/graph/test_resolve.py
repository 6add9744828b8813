"""Entity resolution over the store: merges, decisions as data, re-loads, incremental runs."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from graph.compare import Candidate
from graph.ids import make_id
from graph.records import Edge, Node, Provenance, source_node
from graph.resolve import ResolveIndex, load_decisions, record_decision, resolve_store
from graph.review import export_rows, import_rows
from graph.store import Store
from graph.writer import Summary, Writer
from tests.shared import shared_file


# -- the store: merging, decisions, re-loads ---------------------------------------------------
def _load_vendors(store: Store, *named: tuple[str, str]) -> dict[str, str]:
    """Write vendors (name, source ref), each with a product it makes; return name -> id."""
    records: list[Node | Edge] = []
    ids: dict[str, str] = {}
    for name, ref in named:
        src = source_node(ref, f"test source {ref}")
        prov = Provenance(src.id, f"{ref}:1")
        v = Node("Vendor", {"name": name, "country": "DE"}, prov)
        p = Node("Product", {"name": f"{name} Spy", "vendor": name}, prov)
        records += [src, v, p, Edge("MAKES", v.id, p.id, prov)]
        ids[name] = v.id
    Writer(store, origin="test").write(records)
    return ids


def _vendors(store: Store) -> list[dict[str, object]]:
    return store.read(
        "MATCH (v:Vendor) RETURN v.id AS id, v.name AS name, v.aliases AS aliases, "
        "v.source_ids AS sources ORDER BY id"
    )


def test_two_vendor_nodes_from_two_sources_merge_into_one(empty_store: Store) -> None:
    ids = _load_vendors(empty_store, ("Gamma", "src-a"), ("Gamma International GmbH", "src-b"))
    report = resolve_store(empty_store, types=("Vendor",))
    assert report.merged == 1
    (v,) = _vendors(empty_store)
    assert v["id"] == min(ids.values())
    names = {str(v["name"]), *(v["aliases"] or [])}  # type: ignore[misc]
    assert {"Gamma", "Gamma International GmbH"} <= names
    assert len(v["sources"]) == 2  # type: ignore[arg-type]
    makes = empty_store.read("MATCH (v:Vendor)-[r:MAKES]->(p:Product) RETURN v.id AS v, r.id AS r")
    assert len(makes) == 2 and {m["v"] for m in makes} == {v["id"]}
    (d,) = load_decisions(empty_store, "Vendor")
    assert (
        d.judgement == "match"
        and d.decided_by == "resolver"
        and d.pair == tuple(sorted(ids.values()))
    )

    # Re-running changes nothing.
    counts = empty_store.counts()
    again = resolve_store(empty_store, types=("Vendor",))
    assert again.merged == 0 and again.decisions_written == 0
    assert empty_store.counts() == counts

    # A re-load recreates the duplicate (same natural key, same id); the stored match merges it again.
    dup = max(ids, key=lambda n: ids[n])
    _load_vendors(empty_store, (dup, "src-a" if dup == "Gamma" else "src-b"))
    assert len(_vendors(empty_store)) == 2
    assert resolve_store(empty_store, types=("Vendor",)).merged == 1
    assert len(_vendors(empty_store)) == 1
    after = empty_store.counts()
    assert after.pop("Load") == counts.pop("Load") + 1  # the re-load is recorded
    assert after == counts


def test_a_human_no_match_prevents_the_merge_and_survives_a_reload(empty_store: Store) -> None:
    ids = _load_vendors(empty_store, ("Gamma", "src-a"), ("Gamma International GmbH", "src-b"))
    left, right = sorted(ids.values())
    record_decision(empty_store, right, left, "no-match", "reviewer:test", apply=True)
    assert len(_vendors(empty_store)) == 2
    _load_vendors(empty_store, ("Gamma", "src-a"), ("Gamma International GmbH", "src-b"))
    assert resolve_store(empty_store, types=("Vendor",)).merged == 0
    assert len(_vendors(empty_store)) == 2
    (d,) = load_decisions(empty_store, "Vendor")
    assert (d.judgement, d.decided_by, d.pair) == ("no-match", "reviewer:test", (left, right))

    # Export and import round-trip the decisions; a human match is applied.
    rows = export_rows(empty_store)
    assert rows[0]["left_name"] in ("Gamma", "Gamma International GmbH")
    rows[0]["judgement"], rows[0]["decided_by"] = "match", "reviewer:other"
    assert import_rows(empty_store, rows) == 1
    assert len(_vendors(empty_store)) == 1


def test_unrelated_vendors_stay_apart_and_decisions_group_by_type(empty_store: Store) -> None:
    _load_vendors(empty_store, ("NSO Group", "src-a"), ("Cytrox", "src-b"))
    report = resolve_store(empty_store)
    assert report.merged == 0 and len(_vendors(empty_store)) == 2
    # the schema's `matchable: true` types, in declaration order
    assert [t.node_type for t in report.types] == ["Person", "Organization", "Vendor"]
    by_type: dict[str, int] = defaultdict(int)
    for d in load_decisions(empty_store):
        by_type[d.node_type] += 1
    assert not by_type


def test_resolving_the_pegasus_victims_merges_no_two_victims(empty_store: Store) -> None:
    from loaders import registry

    path = shared_file("data-pegasus-victims.csv")
    Writer(empty_store).write(registry()["spyware-victims"].parse(path))
    before = empty_store.counts()["Person"]
    with path.open(encoding="utf-8", newline="") as fh:
        distinct = {(r["name"] or r["code_name"]).strip() for r in csv.DictReader(fh)} - {""}
    assert before == len(distinct)
    report = resolve_store(empty_store, types=("Person",))
    assert sum(t.merged for t in report.types) == 0
    assert empty_store.counts()["Person"] == before


# -- incremental resolution: a load resolves what it changed, through the index -------------------
def test_a_load_resolves_only_its_new_nodes_against_the_store(
    empty_store: Store, tmp_path: Path
) -> None:
    index = ResolveIndex(tmp_path / "index.json")
    first = _vendor_load(empty_store, ("Gamma", "src-a"), ("Cytrox", "src-a"))
    assert set(first.changed["Vendor"]) == {make_id("Vendor", "Gamma"), make_id("Vendor", "Cytrox")}
    report = resolve_store(empty_store, types=("Vendor",), changed=first.changed, index=index)
    assert report.types[0].focus == 2 and report.merged == 0
    assert (tmp_path / "index.json").exists()

    # The next load brings one new vendor: only it is compared, and it merges into Gamma.
    second = _vendor_load(empty_store, ("Gamma International GmbH", "src-b"))
    assert set(second.changed["Vendor"]) == {make_id("Vendor", "Gamma International GmbH")}
    again = ResolveIndex(tmp_path / "index.json")  # as the next `tnr load` reads it
    report = resolve_store(empty_store, types=("Vendor",), changed=second.changed, index=again)
    (vendor,) = report.types
    assert vendor.focus == 1 and vendor.merged == 1
    names = sorted(sorted({str(v["name"]), *(v["aliases"] or [])}) for v in _vendors(empty_store))  # type: ignore[misc]
    assert names == [["Cytrox"], ["Gamma", "Gamma International GmbH"]]

    # Loading the same file again changes nothing, so nothing is compared or written.
    third = _vendor_load(empty_store, ("Cytrox", "src-a"))
    assert not third.changed.get("Vendor")
    report = resolve_store(
        empty_store,
        types=("Vendor",),
        changed=third.changed,
        index=ResolveIndex(tmp_path / "index.json"),
    )
    assert report.types[0].pairs_compared == 0 and report.decisions_written == 0


def test_nodes_loaded_without_resolution_are_resolved_by_the_next_load(
    empty_store: Store, tmp_path: Path
) -> None:
    # Two loads with --no-resolve: the index never saw these vendors.
    _vendor_load(empty_store, ("Gamma", "src-a"))
    _vendor_load(empty_store, ("Gamma International GmbH", "src-b"))
    index = ResolveIndex(tmp_path / "index.json")
    report = resolve_store(empty_store, types=("Vendor",), changed={}, index=index)
    assert report.types[0].focus == 2 and report.merged == 1
    # An unreadable index costs time, not correctness: everything is resolved again.
    (tmp_path / "index.json").write_text("{not json", encoding="utf-8")
    report = resolve_store(
        empty_store, types=("Vendor",), changed={}, index=ResolveIndex(tmp_path / "index.json")
    )
    assert report.types[0].focus == 1 and report.merged == 0


def test_a_load_without_resolution_leaves_its_nodes_pending_for_the_next(
    empty_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "index.json"
    first = _vendor_load(empty_store, ("Gamma", "src-a"))
    resolve_store(empty_store, types=("Vendor",), changed=first.changed, index=ResolveIndex(path))
    # a load that changes no vendor skips the type: nothing is read or compared
    report = resolve_store(empty_store, types=("Vendor",), changed={}, index=ResolveIndex(path))
    assert (report.types[0].nodes, report.types[0].focus) == (0, 0)
    # `tnr load --no-resolve`: the writer's changed ids are kept as pending
    second = _vendor_load(empty_store, ("Gamma International GmbH", "src-b"))
    index = ResolveIndex(path)
    index.mark_pending(second.changed)
    index.save()
    report = resolve_store(empty_store, types=("Vendor",), changed={}, index=ResolveIndex(path))
    assert report.types[0].focus == 1 and report.merged == 1
    assert not ResolveIndex(path).pending


def _decisions(store: Store) -> set[tuple[str, str, str, str]]:
    return {(d.node_type, d.left, d.right, d.judgement) for d in load_decisions(store)}


def test_a_load_on_top_resolves_against_the_index_in_memory_as_against_the_store(
    empty_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Pegasus victims in two loads: with one index object the second load reads only
    its own persons and compares them with the first load's in memory; it decides as a
    second load through a fresh index (which reads every person from the store) does."""
    import graph.resolve as resolve_module
    from loaders import registry

    records = list(registry()["spyware-victims"].parse(shared_file("data-pegasus-victims.csv")))
    people = sorted({r.id for r in records if isinstance(r, Node) and r.type == "Person"})
    assert len(people) > 100
    later = set(people[len(people) // 2 :])
    # the first load: everything but the later half's persons (and their relations)
    first = [
        r
        for r in records
        if not (isinstance(r, Node) and r.id in later)
        and not (isinstance(r, Edge) and (r.source in later or r.target in later))
    ]
    read: list[int] = []
    original = resolve_module.load_candidates

    def counting(store: Store, node_type: str, ids: object = None) -> list[Candidate]:
        got = original(store, node_type, ids)  # type: ignore[arg-type]
        if node_type == "Person":
            read.append(len(got))
        return got

    monkeypatch.setattr(resolve_module, "load_candidates", counting)
    outcome = []
    for fresh_index in (False, True):
        empty_store.wipe()
        index = ResolveIndex(tmp_path / f"index-{fresh_index}.json")
        summary = Writer(empty_store, origin="test").write(first)
        resolve_store(empty_store, changed=summary.changed, index=index)
        read.clear()
        summary = Writer(empty_store, origin="test").write(records)
        assert summary.changed["Person"] == later
        if fresh_index:  # as the next `tnr load` reads it: no memory of the persons
            index = ResolveIndex(tmp_path / f"index-{fresh_index}.json")
        report = resolve_store(empty_store, changed=summary.changed, index=index)
        (person_report,) = [t for t in report.types if t.node_type == "Person"]
        assert person_report.focus == len(later)
        assert person_report.nodes == empty_store.counts()["Person"] == len(people)
        assert read == ([len(people)] if fresh_index else [len(later)])
        outcome.append((_decisions(empty_store), person_report.unsure, report.merged))
    assert outcome[0] == outcome[1]
    assert outcome[0][1] > 0  # look-alike victims' names reach review


def test_the_index_in_memory_merges_re_merges_and_sees_nodes_written_behind_it(
    empty_store: Store, tmp_path: Path
) -> None:
    index = ResolveIndex(tmp_path / "index.json")
    load = _vendor_load(empty_store, ("Gamma", "src-a"), ("Cytrox", "src-a"))
    resolve_store(empty_store, types=("Vendor",), changed=load.changed, index=index)
    assert "Vendor" in index.memory
    load = _vendor_load(empty_store, ("Gamma International GmbH", "src-b"))
    report = resolve_store(empty_store, types=("Vendor",), changed=load.changed, index=index)
    assert (report.types[0].focus, report.merged) == (1, 1)
    # a re-load of the merged duplicate changes nothing, so nothing is compared
    load = _vendor_load(empty_store, ("Gamma International GmbH", "src-b"))
    report = resolve_store(empty_store, types=("Vendor",), changed=load.changed, index=index)
    assert report.merged == report.decisions_written == report.types[0].pairs_compared == 0
    assert _vendor_names(empty_store) == [["Cytrox"], ["Gamma", "Gamma International GmbH"]]
    # another client writes two vendors without telling the index; the next load's
    # count of vendors is off, so every vendor is read and the two unknown ones resolved
    _vendor_load(empty_store, ("Hacking Team srl", "src-c"), ("HackingTeam", "src-d"))
    load = _vendor_load(empty_store, ("Candiru", "src-e"))
    report = resolve_store(empty_store, types=("Vendor",), changed=load.changed, index=index)
    assert (report.types[0].focus, report.merged) == (3, 1)
    assert _vendor_names(empty_store) == [
        ["Candiru"],
        ["Cytrox"],
        ["Gamma", "Gamma International GmbH"],
        ["Hacking Team srl", "HackingTeam"],
    ]


def _vendor_names(store: Store) -> list[list[str]]:
    return sorted(
        sorted({str(v["name"]), *(v["aliases"] or [])})  # type: ignore[misc]
        for v in _vendors(store)
    )


def _vendor_load(store: Store, *named: tuple[str, str]) -> Summary:
    records: list[Node | Edge] = []
    for name, ref in named:
        src = source_node(ref, f"test source {ref}")
        records += [
            src,
            Node("Vendor", {"name": name, "country": "DE"}, Provenance(src.id, f"{ref}:1")),
        ]
    return Writer(store, origin="test").write(records)


# -- merging a round of matches at once ---------------------------------------------------------
def _snapshot(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    nodes = store.read("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    rels = store.read(
        "MATCH (a)-[r]->(b) RETURN type(r) AS t, a.id AS a, b.id AS b, properties(r) AS p"
    )
    timed = {*store.schema.record_time}  # when the facts were recorded, not what they say

    def facts(p: dict[str, object]) -> list[tuple[str, object]]:
        return sorted((k, v) for k, v in p.items() if k not in timed)

    return (
        sorted((sorted(r["l"]), facts(r["p"])) for r in nodes if "Load" not in r["l"]),
        sorted((r["t"], r["a"], r["b"], facts(r["p"])) for r in rels),
    )  # type: ignore[misc]


def test_merging_many_pairs_at_once_leaves_what_merging_them_one_by_one_does(
    empty_store: Store,
) -> None:
    from graph.merge import merge_many, merge_nodes
    from loaders import registry

    records: list[Node | Edge] = list(
        registry()["spyware-victims"].parse(shared_file("data-pegasus-victims.csv"))
    )  # type: ignore[arg-type]
    targeted: dict[str, list[Edge]] = defaultdict(list)  # person -> incidents targeting them
    for r in records:
        if isinstance(r, Edge) and r.type == "TARGETED":
            targeted[r.target].append(r)
    people = sorted(targeted)
    one, two = people[:3], people[3:7]
    # the incident of each group's first person also recorded, by other sources, as
    # targeting the others: the relations moved to the canonical node meet and unite
    for k, group in enumerate((one, two)):
        first = targeted[group[0]][0]
        for j, other in enumerate(group[1:]):
            src = source_node(f"test-{k}-{j}", f"test source {k}-{j}")
            records += [
                src,
                Edge("TARGETED", first.source, other, Provenance(src.id, f"t:{k}:{j}")),
            ]
    # a group of three, a group of four, and a pair given as a duplicate of a duplicate
    pairs = [
        (one[0], one[1]),
        (one[0], one[2]),
        (two[0], two[1]),
        (two[1], two[2]),
        (two[0], two[3]),
    ]
    snapshots = []
    for batched in (False, True):
        empty_store.wipe()
        Writer(empty_store, origin="test").write(records)
        before = empty_store.counts()["Person"]
        if batched:
            moved = merge_many(empty_store, "Person", pairs)
        else:
            done: dict[str, str] = {}
            moved = 0
            for canonical, dup in pairs:
                while canonical in done:
                    canonical = done[canonical]
                moved += merge_nodes(empty_store, "Person", canonical, dup)
                done[dup] = canonical
        assert empty_store.counts()["Person"] == before - len(pairs)
        snapshots.append((moved, _snapshot(empty_store)))
    assert snapshots[0][0] > 0
    assert snapshots[0] == snapshots[1]
