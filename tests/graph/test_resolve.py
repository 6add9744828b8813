"""Entity resolution: comparators on real names, blocking, decisions as data, merging in the store."""

from __future__ import annotations

import ast
import csv
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

import pytest

from graph.compare import (
    Candidate,
    alias_overlap,
    birth_date,
    country,
    folded_exact,
    token_set,
    transliterated,
)
from graph.ids import make_id
from graph.matching import Decision, Resolver
from graph.records import Edge, Node, Provenance, source_node
from graph.resolve import ResolveIndex, load_decisions, record_decision, resolve_store
from graph.review import export_rows, group_unsure, import_rows
from graph.store import Store
from graph.vocabulary import fold
from graph.writer import Summary, Writer
from tests.shared import shared_file

EU_FILE = "eu_sanctions_merged_dataset_20220913.csv"


def person(i: str, name: str, born: str | None = None, *aliases: str) -> Candidate:
    return Candidate(i, "Person", name, aliases, born)


def vendor(i: str, name: str, *aliases: str, countries: tuple[str, ...] = ()) -> Candidate:
    return Candidate(i, "Vendor", name, aliases, None, countries)


# -- comparators ------------------------------------------------------------------------------
def test_transliterated_matches_cyrillic_and_latin_in_any_order_and_case() -> None:
    cyr = person("a", "Александр Иванович БАСТРЫКИН")
    for latin in (
        "Aleksandr Ivanovich BASTRYKIN",
        "BASTRYKIN Aleksandr Ivanovich",
        "Alexander Ivanovich Bastrykin",
        "A. I. Bastrykin",
    ):
        s = transliterated(cyr, person("b", latin))
        assert s.value >= 0.9, (latin, s)
        assert "BASTRYKIN" in s.detail or "Bastrykin" in s.detail
    assert folded_exact(cyr, person("b", "Aleksandr Ivanovich BASTRYKIN")).value == 1.0


def test_transliterated_handles_romanisation_variants_and_chinese() -> None:
    a = person("a", "Сергей  Геннадьевич  ЦЫПЛАКОВ")
    assert transliterated(a, person("b", "Sergey Gennadevich TSYPLAKOV")).value >= 0.95
    # the Ukrainian form of the Russian names reaches review, not an automatic merge
    assert transliterated(a, person("b", "Serhiy Hennadiyovych TSYPLAKOV")).value >= 0.75
    assert transliterated(person("a", "朱海仑"), person("b", "ZHU Hailun")).value >= 0.95


def test_a_different_surname_or_a_missing_patronymic_is_no_person_match() -> None:
    a = person("a", "Aliaksandr Aliaksandravich VOUK")
    b = person("b", "Aliaksandr Aliaksandravich PIETRASH")
    assert max(transliterated(a, b).value, token_set(a, b).value) < 0.75
    short = transliterated(
        person("a", "Сергей Шаргунов"), person("b", "Шаргунов Сергей Александрович")
    )
    assert 0.75 <= short.value < 0.9  # unsure: needs a birth date to match


def test_birth_date_conflict_vetoes_and_agreement_helps() -> None:
    a, b = person("a", "Ivan Petrov", "1970-03-02"), person("b", "Ivan Petrov", "1971")
    assert birth_date(a, b).veto
    r = Resolver("Person")
    assert r.compare(a, b).score == 0.0
    assert r.judge(r.compare(a, b).score) == "no-match"
    c = person("c", "Ivan Petrov", "1970")
    assert birth_date(a, c).value == 0.9 and not birth_date(a, c).veto
    assert r.compare(a, c).score == 1.0
    assert not birth_date(a, person("d", "Ivan Petrov")).known


def test_country_and_alias_overlap() -> None:
    a = vendor("a", "Gamma Group", "FinFisher", countries=("DE", "GB"))
    b = vendor("b", "FinFisher GmbH", "finfisher", countries=("DE",))
    assert alias_overlap(a, b).value >= 0.9 and "finfisher" in alias_overlap(a, b).detail
    assert country(a, b).value == 1.0
    assert country(a, vendor("c", "X", countries=("IL",))).value == 0.0


@pytest.mark.parametrize(
    "other",
    [
        "Gamma",
        "Gamma International GmbH",
        "FinFisher",
        "Gamma TSE",
        "GAMMA GROUP",
        "Gamma International UK",
    ],
)
def test_vendor_aliases_match_the_canonical_name(other: str) -> None:
    r = Resolver("Vendor")
    cmp = r.compare(vendor("a", "Gamma Group"), vendor("b", other))
    assert r.judge(cmp.score) == "match", cmp.explain()


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ("NSO Group", "Gamma Group"),
        ("Hacking Team", "Team Cymru"),
        ("Cytrox", "Candiru"),
        ("Dana Astra", "Dana Holdings"),
    ],
)
def test_different_vendors_do_not_match(x: str, y: str) -> None:
    r = Resolver("Vendor")
    assert r.judge(r.compare(vendor("a", x), vendor("b", y)).score) != "match"


# -- the EU sanctions file: Cyrillic/Chinese/Arabic names against their Latin aliases ----------
def _latin(text: str) -> bool:
    return not any(ord(c) > 0x24F and c.isalpha() for c in text)


def eu_people() -> tuple[list[Candidate], dict[str, str], list[tuple[str, list[str]]]]:
    """Person candidates: each non-Latin `Naal_wholename` and the Latin `wholeName`s of the
    same `Entity_logical_id...2` (the `nameAlias` column; `nameAlias.wholeName` is mostly NA)."""
    with shared_file(EU_FILE).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cands: list[Candidate] = []
    entity: dict[str, str] = {}
    gold: list[tuple[str, list[str]]] = []
    for row in rows:
        eid, name = row["Entity_logical_id...2"], row["Naal_wholename"].strip()
        if row["Subject_type"] != "P" or eid in ("", "NA") or name in ("", "NA") or _latin(name):
            continue
        aliases = ast.literal_eval(row["nameAlias"]) if row["nameAlias"] not in ("", "NA") else []
        latin = sorted({a["wholeName"].strip() for a in aliases if _latin(a.get("wholeName", "x"))})
        if not latin:
            continue
        born = row["Birt_date"] if row["Birt_date"] not in ("", "NA") else None
        ids = []
        for n in (name, *latin):
            cands.append(person(f"person_{len(cands):05d}", n, born))
            entity[cands[-1].id] = eid
            ids.append(cands[-1].id)
        gold.append((ids[0], ids[1:]))
    # Some people are listed twice under two entity ids with the same name: one person.
    first: dict[str, str] = {}
    same: dict[str, str] = {}
    for c in cands:
        key = fold(c.name)
        if key in first and first[key] != entity[c.id]:
            same[entity[c.id]] = first[key]
        first.setdefault(key, entity[c.id])
    entity = {k: same.get(v, v) for k, v in entity.items()}
    return cands, entity, gold


class EU(NamedTuple):
    resolver: Resolver
    cands: list[Candidate]
    entity: dict[str, str]
    gold: list[tuple[str, list[str]]]
    decisions: list[Decision]


@pytest.fixture(scope="module")
def eu_resolved() -> EU:
    cands, entity, gold = eu_people()
    resolver = Resolver("Person")
    return EU(resolver, cands, entity, gold, resolver.resolve(cands))


def test_eu_non_latin_names_find_their_latin_alias(eu_resolved: EU) -> None:
    gold, decisions = eu_resolved.gold, eu_resolved.decisions
    found = {d.pair: d.judgement for d in decisions}
    assert len(gold) > 1000

    def hit(judgements: set[str]) -> float:
        ok = 0
        for x, ys in gold:
            pairs = [(min(x, y), max(x, y)) for y in ys]
            ok += any(found.get(p, "") in judgements for p in pairs)
        return ok / len(gold)

    assert hit({"match", "unsure"}) >= 0.98  # nearly all reach review or merge
    assert hit({"match"}) >= 0.65  # a name without patronymic or birth date stays unsure


def test_eu_no_false_matches_between_different_people_in_one_block(eu_resolved: EU) -> None:
    cands, entity, decisions = eu_resolved.cands, eu_resolved.entity, eu_resolved.decisions
    names = {c.id: c.name for c in cands}
    false = [
        (names[d.left], names[d.right])
        for d in decisions
        if d.judgement == "match" and entity[d.left] != entity[d.right]
    ]
    matches = sum(1 for d in decisions if d.judgement == "match")
    # "Maxim Ivanov" ~ "Maksim Ivanov" (aliases of two different Ivanovs) is the known one.
    assert len(false) <= 0.002 * matches, false


def test_skeletons_of_many_names_at_once_equal_those_of_each_name_alone() -> None:
    from graph import compare

    names = [c.name for c in eu_people()[0]]
    names += ["Zhang\nWei", "Ли Мин", "習近平", "Abd al-Rahman", ""]  # a line break: one by one
    compare.clear_caches()
    compare.prime_skeletons(names)
    batch = {n: compare.skeleton_tokens(n) for n in names}
    compare.clear_caches()
    assert batch == {n: compare.skeleton_tokens(n) for n in names}
    assert batch["Ли Мин"] == ("li", "min")


def test_blocking_scores_a_small_fraction_of_all_pairs(eu_resolved: EU) -> None:
    resolver, cands = eu_resolved.resolver, eu_resolved.cands
    n = len(cands)
    assert resolver.pairs_scored < 0.05 * n * (n - 1) // 2  # name pairs given a quick score
    # only the short list reaches the comparators: far fewer pairs than the blocks hold
    assert resolver.pairs_compared == len(resolver.shortlist(cands)) < resolver.pairs_scored


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


# -- numbered code names ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x", "y"),
    [("Al Jazeera #15", "Al Jazeera #36"), ("USJRN1", "USJRN2"), ("Staff 3", "Staff 12")],
)
def test_code_names_that_differ_only_in_their_number_are_different_people(x: str, y: str) -> None:
    verdict = Resolver([]).compare(person("p1", x), person("p2", y))
    assert verdict.score == 0.0 and "numbers=veto" in verdict.method


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


# -- the review queue ------------------------------------------------------------------------------
def test_the_review_queue_groups_connected_unsure_pairs_closest_to_a_match_first() -> None:
    def unsure(a: str, b: str, score: float) -> Decision:
        return Decision("Person", a, b, "unsure", score, "transliterated")

    decisions = [
        unsure("p1", "p2", 0.8),
        unsure("p2", "p3", 0.86),
        unsure("p4", "p5", 0.88),
        unsure("p6", "p7", 0.77),
        unsure("p6", "gone", 0.89),
        unsure("p3", "p8", 0.76),
        Decision("Person", "p8", "p9", "match", 0.95),
    ]
    names = {f"p{i}": f"name {i}" for i in range(1, 10)}
    queue = group_unsure(decisions, names)
    # p6~gone is about a node merged away; the match is no question; p2 is unsure about p1
    # and p3, and p3 about p8 too: a chain, but two questions (p3 has p2 and p8, p2 has p1)
    # (on a tie, the larger id leads: p5 and p7)
    assert [g.ids for g in queue] == [["p5", "p4"], ["p3", "p2", "p8"], ["p2", "p1"], ["p7", "p6"]]
    assert [d.score for d in queue[1].decisions] == [0.86, 0.76]
    assert queue[1].names["p8"] == "name 8"
    assert sum(len(g.decisions) for g in queue) == 5  # each pending decision once


def test_the_eu_review_queue_is_a_small_share_of_the_names(eu_resolved: EU) -> None:
    """Of the EU names (every alias its own candidate), few pairs are left unsure, and most
    of those are the same entity: a reviewer's time goes to real questions."""
    cands, entity, decisions = eu_resolved.cands, eu_resolved.entity, eu_resolved.decisions
    queue = group_unsure(decisions, {c.id: c.name for c in cands})
    pending = [d for g in queue for d in g.decisions]
    assert len(pending) == sum(1 for d in decisions if d.judgement == "unsure")
    same = sum(1 for d in pending if entity[d.left] == entity[d.right])
    assert same > len(pending) / 2, (same, len(pending))


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
