"""Search: fuzzy and across scripts on the small graph; short codes match whole words only."""

from __future__ import annotations

from graph.store import Store
from queries.search import SearchIndex, search


# -- search ------------------------------------------------------------------------------------
def test_search_is_fuzzy_and_cross_script(g: dict[str, str], store: Store) -> None:
    index = SearchIndex(store).refresh()
    hits = {h.id: h for h in index.search("Bastrykin")}
    assert hits[g["official"]].matched.startswith("БАСТРЫКИН") and hits[g["official"]].score >= 90
    assert hits[g["listing"]].matched == "BASTRYKIN"  # the sanctions list's own spelling
    assert index.search("Pegasus")[0].id == g["pegasus"]
    assert index.search("Gama Grup")[0].id == g["gamma"]  # misspelt
    fsb = index.search("ФСБ", types=["Agency"])
    assert fsb[0].id == g["fsb"] and fsb[0].matched == "ФСБ"
    assert index.search("Russian Federation")[0].id == g["RU"]
    assert search(store, "Kyrgyzstan", types=["State"], refresh=True)[0].id == g["KG"]
    assert index.search("zzzzqqq") == []


def test_short_codes_match_only_as_whole_words() -> None:
    from graph.vocabulary import fold
    from queries.search import _Data, _Entry

    names = [
        "Dobrokhotov",
        "KH",
        "Gamma",
        "AM",
        "NGA",
        "FSB",
        "FSB of Russia",
        "Bastrykin Aleksandr Ivanovich",
        "RU",
    ]
    data = _Data.build([_Entry(f"n{i}", "Agency", n, n) for i, n in enumerate(names)])

    def score(query: str, name: str) -> float:
        return data.score(fold(query), 0.0).get(names.index(name), 0.0)

    assert score("dobrokhotov", "KH") == 0.0  # Cambodia's code inside a surname
    assert score("kh", "Dobrokhotov") == 0.0
    assert score("gamma", "AM") == 0.0 and score("gamma", "NGA") == 0.0
    assert score("fsb", "FSB") == 100.0 and score("ru", "RU") == 100.0
    assert score("fsb", "FSB of Russia") >= 90.0
    assert score("bastrykin", "Bastrykin Aleksandr Ivanovich") >= 90.0
