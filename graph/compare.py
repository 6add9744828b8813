"""Small, explainable comparators for entity resolution.

Each comparator takes two `Candidate`s and returns a `Score`: a value in 0..1
and a one-line detail saying why, so that every merge decision can be read by
a person (see nomenklatura's `matching/compare`). `Score.veto` marks evidence
that two records cannot be the same entity (two different birth dates).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from anyascii import anyascii
from rapidfuzz import fuzz

from graph.vocabulary import VENDOR_ALIASES, canonical_vendor, fold


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the resolver knows of one node: its names and a few discriminating facts."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...] = ()
    birth_date: str | None = None
    countries: tuple[str, ...] = ()
    sources: int = 0
    names: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for n in (self.name, *self.aliases):
            if n and n.strip():
                seen.setdefault(folded(n), n)
        object.__setattr__(self, "names", tuple(seen.values()))

    def narrowed(self, keep: Collection[str]) -> Candidate:
        """This candidate with its primary name and only the other names in `keep` (its
        names are already distinct when folded, so they are not folded again)."""
        out = object.__new__(Candidate)
        for f in Candidate.__slots__:
            object.__setattr__(out, f, getattr(self, f))
        aliases = tuple(n for n in self.names[1:] if n in keep)
        object.__setattr__(out, "aliases", aliases)
        object.__setattr__(out, "names", (*self.names[:1], *aliases))
        return out


@dataclass(frozen=True, slots=True)
class Score:
    value: float
    detail: str
    veto: bool = False
    known: bool = True  # False when one side lacks the fact (the score is then neutral)


Comparator = Callable[[Candidate, Candidate], Score]
#: Pairs of names (one of each side) to compare; None: every name with every name.
NamePairs = Sequence[tuple[str, str]]


class NameComparator(Protocol):
    """A comparator of names. The resolver tells it which pairs of names its quick score
    found alike (every other pair scored below the floor); a comparator that takes the best
    of several pairs looks at those only, one that reads the names as a whole ignores them."""

    def __call__(self, a: Candidate, b: Candidate, pairs: NamePairs | None = None) -> Score: ...


#: Legal forms and filler words that say nothing about which company is meant.
ORG_NOISE = frozenset(
    "gmbh ag ltd limited llc inc incorporated corp corporation co company sa srl spa bv nv oy ab "
    "plc sarl sas kg ug holding holdings group international intl technologies technology "
    "of the and for".split()
)
#: Particles of Arabic and other names that every transliteration spells differently.
NAME_PARTICLES = frozenset(
    "al el ad ed ar as at az ash ibn bin ben bint abu abou von van der de".split()
)

#: The most a single-token person name inside a longer one scores (below `Resolver.low`:
#: tuned on the EU list, where such pairs were nearly all two people; benchmarks/resolver.py).
ONE_NAME_CAP = 0.7
#: The most two equal one-word person names score (unsure: "Bilal", "Abu Hamza" name many
#: people; an agreeing birth date can still make it a match).
ONE_TOKEN_EQUAL = 0.85

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        # consonant digraphs first, to upper-case markers the later rules leave alone;
        # a lone h is the Ukrainian/Belarusian spelling of Russian g (Hennadiy/Gennadiy)
        ("shch|sch|sh", "S"),
        ("tch|ch", "C"),
        ("dzh|dj|zh", "J"),
        ("kh", "H"),
        ("ts|tz", "Z"),
        ("ph", "f"),
        ("h", "g"),
        ("w", "v"),
        ("q", "k"),
        ("x", "ks"),
        ("ck", "k"),
        ("j", "y"),
        # iotated vowels: ye/ie/ey/ei -> e, ya/ia -> a, yu/iu -> u, yo/io -> o
        ("ye|ey", "e"),
        ("ya", "a"),
        ("yu", "u"),
        ("yo", "o"),
        ("ie|ei", "e"),
        ("ia", "a"),
        ("iu", "u"),
        ("io", "o"),
        ("y", "i"),
        (r"(.)\1+", r"\1"),
    )
)
_MARKERS = str.maketrans({"S": "sh", "C": "ch", "J": "j", "H": "h", "Z": "c"})
_ABJAD = frozenset({"ARABIC", "HEBREW", "SYRIAC"})
_NO_SPACE = frozenset({"CJK", "HIRAGANA", "KATAKANA", "THAI"})
#: Scripts whose names are also compared without spaces or vowels (see `transliterated`).
SPACELESS_SCRIPTS = _ABJAD | _NO_SPACE


@lru_cache(maxsize=200_000)
def scripts(text: str) -> frozenset[str]:
    """The Unicode scripts (first word of the character names) of the letters in `text`."""
    if text.isascii():
        return _LATIN if any(ch.isalpha() for ch in text) else frozenset()
    return frozenset(_script(ch) for ch in text if ch.isalpha())


@lru_cache(maxsize=20_000)
def _script(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split()[0]


_LATIN = frozenset({"LATIN"})


@lru_cache(maxsize=200_000)
def folded(name: str) -> str:
    return fold(name)


#: Skeletons of the names seen (name -> tokens): filled one name at a time by
#: `skeleton_tokens`, or many at once by `prime_skeletons`; emptied by `clear_caches`.
_SKELETONS: dict[str, tuple[str, ...]] = {}
_SKELETONS_MAX = 400_000


def skeleton_tokens(name: str) -> tuple[str, ...]:
    """Tokens of a name reduced so that common romanisations of one spelling coincide.

    Any script becomes ASCII (anyascii); CJK syllables are split; apostrophes and
    hyphens go; then digraphs of the usual transliteration schemes (kh/h, ts/c,
    zh/j, ye/e, ya/a, y/i/j ...) are folded and doubled letters collapsed.
    """
    got = _SKELETONS.get(name)
    if got is None:
        if len(_SKELETONS) >= _SKELETONS_MAX:
            _SKELETONS.clear()
        got = _SKELETONS[name] = _skeleton_of(name)
    return got


def _latin(name: str) -> str:
    latin = anyascii(unicodedata.normalize("NFKC", name))
    return _CAMEL.sub(" ", latin) if scripts(name) & _NO_SPACE else latin


def _skeleton_of(name: str) -> tuple[str, ...]:
    latin = _DROP.sub("", _latin(name).casefold())
    # The rules never match across a space, so they run once on the whole name.
    text = " ".join(t for t in _SPLIT.split(latin) if t)
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return tuple(text.translate(_MARKERS).split())


def prime_skeletons(names: Iterable[str]) -> None:
    """`skeleton_tokens` of many names at once: the same steps, each run once over all the
    names joined by newlines (no rule matches across a newline, as none does across a
    space), so the regular expressions run in C over one text instead of once per name."""
    missing = [n for n in dict.fromkeys(names) if n not in _SKELETONS]
    if len(missing) < 8:
        for n in missing:
            skeleton_tokens(n)
        return
    if len(_SKELETONS) + len(missing) >= _SKELETONS_MAX:
        _SKELETONS.clear()
    text = _DROP.sub("", "\n".join(_latin(n) for n in missing).casefold())
    text = _SPLIT_LINES.sub(" ", text)
    lines = text.split("\n")
    if len(lines) != len(missing):  # a name held a line break: one at a time
        for n in missing:
            skeleton_tokens(n)
        return
    text = "\n".join(" ".join(line.split()) for line in lines)
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    for n, line in zip(missing, text.translate(_MARKERS).split("\n"), strict=True):
        _SKELETONS[n] = tuple(line.split())


def clear_caches() -> None:
    """Empty every per-name cache of this module (benchmarks time a cold start)."""
    _SKELETONS.clear()
    for fn in (folded, scripts, significant_skeleton, significant_folded, numbers_in):
        fn.cache_clear()


_DROP = re.compile(r"['`’ʼ‘\-]")
_SPLIT = re.compile(r"[^a-z0-9]+")
_SPLIT_LINES = re.compile(r"[^a-z0-9\n]+")
_VOWELS = str.maketrans("", "", "aeiou")


def consonants(token: str) -> str:
    return token.translate(_VOWELS)


def significant(tokens: Iterable[str], node_type: str) -> tuple[str, ...]:
    noise = ORG_NOISE if node_type != "Person" else NAME_PARTICLES
    tokens = tuple(tokens)
    kept = tuple(t for t in tokens if t not in noise)
    return kept or tokens


@lru_cache(maxsize=400_000)
def significant_skeleton(name: str, node_type: str) -> tuple[str, ...]:
    """`significant` of the name's skeleton tokens, once per name."""
    return significant(skeleton_tokens(name), node_type)


@lru_cache(maxsize=400_000)
def significant_folded(name: str, node_type: str) -> tuple[str, ...]:
    """`significant` of the name's folded tokens, once per name."""
    return significant(folded(name).split(), node_type)


def _token_sim(a: str, b: str) -> float:
    if len(a) == 1 or len(b) == 1:  # an initial agrees with any token it begins
        return 0.9 if a[0] == b[0] else 0.0
    return fuzz.ratio(a, b) / 100.0


def _align(short: Sequence[str], long: Sequence[str]) -> tuple[float, float]:
    """Mean and worst best-similarity of each token of the shorter name in the longer."""
    free = list(long)
    total, worst = 0.0, 1.0
    ratio = fuzz.ratio
    for tok in sorted(short, key=len, reverse=True):
        if len(tok) > 1 and tok in free:  # an equal token is the best (only it scores 1)
            free.remove(tok)
            total += 1.0
            continue
        best, at = 0.0, -1
        for i, other in enumerate(free):
            if len(tok) == 1 or len(other) == 1:  # an initial agrees with a token it begins
                s = 0.9 if tok[0] == other[0] else 0.0
            else:
                s = ratio(tok, other) / 100.0
            if s > best:
                best, at = s, i
        if at >= 0:
            free.pop(at)
        total += best
        worst = min(worst, best)
    return total / len(short), worst


def _pairs(a: Candidate, b: Candidate, pairs: NamePairs | None = None) -> Iterable[tuple[str, str]]:
    if pairs is not None:
        yield from pairs
        return
    for x in a.names:
        for y in b.names:
            yield x, y


# -- name comparators ---------------------------------------------------------------------
def folded_exact(a: Candidate, b: Candidate, pairs: NamePairs | None = None) -> Score:
    """The primary names are equal once case, accents, punctuation and script are folded."""
    if folded(a.name) and folded(a.name) == folded(b.name):
        if a.type == "Person" and len(significant_folded(a.name, a.type)) <= 1:
            return Score(ONE_TOKEN_EQUAL, f"one-word names equal when folded: {folded(a.name)!r}")
        return Score(1.0, f"names equal when folded: {folded(a.name)!r}")
    return Score(0.0, "names differ when folded")


def alias_overlap(a: Candidate, b: Candidate, pairs: NamePairs | None = None) -> Score:
    """A name or alias of one is a name or alias of the other (folded)."""
    shared = sorted({folded(n) for n in a.names} & {folded(n) for n in b.names})
    if not shared:
        return Score(0.0, "no shared name or alias")
    best = max(shared, key=lambda s: (len(significant(s.split(), a.type)), len(s)))
    # A shared one-word alias ("Abubakar", "Abu Hamza": particles do not count) is weak
    # evidence for a person.
    value = 0.95 if len(significant(best.split(), a.type)) > 1 or a.type != "Person" else 0.8
    return Score(
        value, f"shared name/alias {best!r}" + (f" (+{len(shared) - 1})" if len(shared) > 1 else "")
    )


def _org_token_score(tx: Sequence[str], ty: Sequence[str]) -> tuple[float, str]:
    if set(tx) == set(ty) or "".join(tx) == "".join(ty):
        return 1.0, "equal without legal forms"
    s = fuzz.token_set_ratio(" ".join(tx), " ".join(ty)) / 100.0
    only_x, only_y = sorted(set(tx) - set(ty)), sorted(set(ty) - set(tx))
    if not only_x or not only_y:  # "Dana" inside "Dana Astra": maybe a sibling company
        return min(s, 0.85), "one name inside the other"
    # what differs must itself be alike ("BELAZ" vs "AGAT Plant" is another company)
    d = fuzz.ratio(" ".join(only_x), " ".join(only_y)) / 100.0
    return min(s, 0.5 + 0.5 * d), "token-set"


def token_set(a: Candidate, b: Candidate, pairs: NamePairs | None = None) -> Score:
    """rapidfuzz token-set ratio of the folded names without legal forms ("GmbH", "Group").

    Equal token sets score 1; a name wholly inside the other at most 0.85; the
    tokens that differ must be alike. For people the token-sort ratio, capped by
    the worst token: a shared given name and patronymic inside two full names
    ("Aliaksandr Aliaksandravich VOUK" / "... PIETRASH") is no match.
    """
    best, shown, kind = 0.0, ("", ""), ""
    for x, y in _pairs(a, b, pairs):
        tx, ty = significant_folded(x, a.type), significant_folded(y, a.type)
        if not tx or not ty:
            continue
        if a.type == "Person":
            short, long = (tx, ty) if len(tx) <= len(ty) else (ty, tx)
            s = min(
                fuzz.token_sort_ratio(" ".join(tx), " ".join(ty)) / 100.0,
                _align(short, long)[1] + 0.05,
            )
            if len(short) == 1:  # one word: "Bilal" ~ "Abu Bilal" is no person match
                s = min(s, ONE_TOKEN_EQUAL if len(long) == 1 else ONE_NAME_CAP)
            how = "token-sort"
        else:
            s, how = _org_token_score(tx, ty)
        if s > best:
            best, shown, kind = s, (x, y), how
    return Score(round(best, 4), f"{kind} {best:.2f} for {shown[0]!r} ~ {shown[1]!r}")


def known_alias(a: Candidate, b: Candidate, pairs: NamePairs | None = None) -> Score:
    """Both are names of one vendor in the shared vocabulary (graph/vocabulary.py)."""
    if a.type != "Vendor":
        return Score(0.0, "no vocabulary for this type", known=False)
    ca = {canonical_vendor(n) for n in a.names} & set(VENDOR_ALIASES)
    shared = sorted(ca & {canonical_vendor(n) for n in b.names})
    if shared:
        return Score(1.0, f"both named as vendor {shared[0]!r} in the vocabulary")
    return Score(0.0, "not names of one known vendor")


def transliterated(a: Candidate, b: Candidate, pairs: NamePairs | None = None) -> Score:
    """Names compared after transliteration to a romanisation-insensitive skeleton.

    Token order does not matter ("BASTRYKIN Aleksandr" ~ "Александр Иванович
    БАСТРЫКИН"), initials match their token, a missing patronymic costs a little,
    and names written without spaces (Chinese, some Arabic) are compared whole.
    Names from Arabic or Hebrew script are also compared on consonants only.
    """
    best, how, shown = 0.0, "", ("", "")
    for x, y in _pairs(a, b, pairs):
        sx = significant_skeleton(x, a.type)
        sy = significant_skeleton(y, a.type)
        if not sx or not sy:
            continue
        short, long = (sx, sy) if len(sx) <= len(sy) else (sy, sx)
        mean, worst = _align(short, long)
        cover = len(short) / len(long)
        person = a.type == "Person"
        # one clearly different token (another surname) outweighs two equal ones
        aligned = min(mean * ((0.9 + 0.1 * cover) if person else (0.7 + 0.3 * cover)), worst + 0.08)
        if person and len(short) < len(long):
            # a name missing a part (patronymic) needs another agreeing fact to match; one
            # given name or surname alone ("Hani", "Abdul") is shared by too many people
            aligned = min(aligned, ONE_NAME_CAP if len(short) == 1 else 0.88)
        candidates = [(aligned, "tokens")]
        if len(sx) == 1 or len(sy) == 1 or (scripts(x) | scripts(y)) & _NO_SPACE:
            whole = fuzz.ratio("".join(sx), "".join(sy)) / 100.0
            candidates.append(
                (whole * (1.0 if len(short) > 1 or len(long) == 1 else 0.92), "whole")
            )
        if (scripts(x) | scripts(y)) & _ABJAD:
            cx, cy = "".join(consonants(t) for t in sx), "".join(consonants(t) for t in sy)
            if cx and cy:
                candidates.append((0.97 * fuzz.ratio(cx, cy) / 100.0, "consonants"))
        value, kind = max(candidates)
        if person and len(sx) == 1 and len(sy) == 1 and not (scripts(x) | scripts(y)) & _ABJAD:
            value = min(value, ONE_TOKEN_EQUAL)  # two one-word names: never enough alone
        if value > best:
            best, how, shown = value, kind, (x, y)
    best = round(min(best, 1.0), 4)
    return Score(best, f"transliterated ({how}) {best:.2f} for {shown[0]!r} ~ {shown[1]!r}")


# -- fact comparators ---------------------------------------------------------------------
def birth_date(a: Candidate, b: Candidate) -> Score:
    """Birth dates agree to the precision both give; a disagreement vetoes a match."""
    if not a.birth_date or not b.birth_date:
        return Score(0.5, "birth date unknown on one side", known=False)
    n = min(len(a.birth_date), len(b.birth_date))
    if a.birth_date[:n] == b.birth_date[:n]:
        return Score(1.0 if n >= 10 else 0.9, f"born {a.birth_date[:n]} on both sides")
    return Score(0.0, f"born {a.birth_date} vs {b.birth_date}", veto=True)


def country(a: Candidate, b: Candidate) -> Score:
    """The countries (headquarters, nationality, residence) overlap."""
    if not a.countries or not b.countries:
        return Score(0.5, "country unknown on one side", known=False)
    shared = sorted(set(a.countries) & set(b.countries))
    if shared:
        return Score(1.0, f"country {', '.join(shared)} on both sides")
    return Score(0.0, f"countries differ: {'/'.join(a.countries)} vs {'/'.join(b.countries)}")


_NUMBER = re.compile(r"\d+")


@lru_cache(maxsize=200_000)
def numbers_in(name: str) -> frozenset[str]:
    return frozenset(_NUMBER.findall(name))


def numbers(a: Candidate, b: Candidate) -> Score:
    """Numbers in names must agree: "Al Jazeera #15" and "#36", or code names USJRN1 and
    USJRN2, are different people however alike the letters are (a disagreement vetoes)."""
    na = {numbers_in(n) for n in a.names} - {frozenset()}
    nb = {numbers_in(n) for n in b.names} - {frozenset()}
    if not na or not nb:
        return Score(0.5, "no number in the names of one side", known=False)
    if na & nb:
        return Score(1.0, "the numbers in the names agree")
    shown_a = "/".join(sorted("".join(sorted(x)) for x in na))
    shown_b = "/".join(sorted("".join(sorted(x)) for x in nb))
    return Score(0.0, f"numbers in the names differ: {shown_a} vs {shown_b}", veto=True)


NAME_COMPARATORS: dict[str, NameComparator] = {
    "folded_exact": folded_exact,
    "alias_overlap": alias_overlap,
    "token_set": token_set,
    "transliterated": transliterated,
    "known_alias": known_alias,
}
FACT_COMPARATORS: dict[str, Comparator] = {
    "birth_date": birth_date,
    "country": country,
    "numbers": numbers,
}
