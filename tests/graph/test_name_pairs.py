"""The resolver's comparators look at the pairs of names its quick score found alike."""

from __future__ import annotations

from graph import compare
from graph.compare import Candidate, NamePairs, Score
from graph.matching import Resolver


def test_the_comparators_see_only_the_name_pairs_the_quick_score_found_alike() -> None:
    # A person listed under a Cyrillic spelling and an unrelated alias, against a Latin one.
    a = Candidate(
        "person_a", "Person", "Ivan Sergeevich PETROV", ("Иван Сергеевич ПЕТРОВ", "Abu Walid")
    )
    b = Candidate("person_b", "Person", "Ivan Sergeyevich Petrov")
    seen: list[NamePairs | None] = []
    real = compare.transliterated

    def recording(x: Candidate, y: Candidate, pairs: NamePairs | None = None) -> Score:
        seen.append(pairs)
        return real(x, y, pairs)

    resolver = Resolver("Person")
    resolver.name_comparators["transliterated"] = recording
    (decision,) = resolver.resolve([a, b])
    assert decision.judgement == "match"
    (pairs,) = seen
    assert pairs is not None, "the comparator was given every pair of names"
    assert ("Ivan Sergeevich PETROV", "Ivan Sergeyevich Petrov") in pairs
    assert all(x in a.names and y == b.name for x, y in pairs)
    assert not any("Abu Walid" in pair for pair in pairs), "an alias like neither name"


def test_given_pairs_are_the_only_ones_a_comparator_scores() -> None:
    a = Candidate("person_a", "Person", "Ivan PETROV", ("Olga SMIRNOVA",))
    b = Candidate("person_b", "Person", "Olga Smirnova")
    assert compare.transliterated(a, b).value == 1.0  # the alias is the same name
    assert compare.transliterated(a, b, [("Ivan PETROV", "Olga Smirnova")]).value < 0.5
