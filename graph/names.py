"""Names of people at risk in any text: folded, transliterated tokens, the variants a
person's name takes, and the scrubbing of them (graph/visibility.py uses it)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from anyascii import anyascii

WITHHELD = "[withheld]"
WITHHELD_SOURCE = "withheld source"


# -- names ------------------------------------------------------------------------------------
def tokens(text: str) -> list[str]:
    """Folded, transliterated word tokens: any script, case, accents and separators."""
    return list(_tokens(str(text)))


@functools.lru_cache(maxsize=262_144)
def _tokens(text: str) -> tuple[str, ...]:
    latin = anyascii(unicodedata.normalize("NFKC", text)).casefold()
    return tuple(re.findall(r"[a-z0-9]+", latin))


def _country_name(code: Any) -> str:
    try:
        import pycountry

        found = pycountry.countries.get(alpha_2=str(code).upper())
        return str(found.name) if found is not None else str(code)
    except (KeyError, LookupError):
        return str(code)


def anonymous_label(props: Mapping[str, Any]) -> str:
    """The label of a redacted person, from public facts only."""
    roles = [r for r in (props.get("roles") or []) if isinstance(r, str)]
    country = props.get("residence_country")
    label = "target" if props.get("is_target") else "protected person"
    label += f": {', '.join(roles[:3])}" if roles else ""
    return label + (f", in {_country_name(country)}" if country else "")


@dataclass(frozen=True)
class Names:
    """The redacted persons' names as folded token sequences, and their identifying tokens.

    A text mentions a redacted person when it holds one of the names' token sequences as a
    run of words (in that order or reversed: "Jane Roe", "ROE JANE", "jane-roe"), or an
    identifying token: a surname (a name's last word) or a word rare among all the graph's
    person names (in at most `RARE` of them). A code name ("Amnesty International #1") is
    identifying only as a whole: its words alone name nobody. Nor does a word inside a public
    name that names no person (a state's: "El Salvador" is no mention of a Salvador).
    """

    sequences: frozenset[tuple[str, ...]] = frozenset()
    identifying: frozenset[str] = frozenset()
    #: token sequences of public names (states, tactics, regimes) holding an identifying word
    places: frozenset[tuple[str, ...]] = frozenset()

    RARE = 2

    @classmethod
    def build(
        cls, redacted: Iterable[str], everyone: Iterable[str], public: Iterable[str] = ()
    ) -> Names:
        seen: Counter[str] = Counter()
        for name in everyone:
            seen.update(set(tokens(name)))
        seqs: set[tuple[str, ...]] = set()
        ident: set[str] = set()
        for name in redacted:
            toks = tokens(name)
            if not toks:
                continue
            seqs.add(tuple(toks))
            if any(t.isdigit() for t in toks):
                continue  # a code name
            long = [t for t in toks if len(t) >= 3]
            if long:
                ident.add(long[-1])  # the surname (or the only word)
            ident.update(t for t in long if seen[t] <= cls.RARE)
        places = {
            tuple(toks)
            for toks in map(tokens, public)
            if len(toks) > 1 and ident & set(toks) and tuple(toks) not in seqs
        }
        return cls(frozenset(seqs), frozenset(ident), frozenset(places))

    @functools.cached_property
    def _by_first(self) -> dict[str, list[tuple[str, ...]]]:
        """Every name sequence, in both orders, by its first word."""
        out: dict[str, list[tuple[str, ...]]] = {}
        for seq in self.sequences:
            for form in {seq, seq[::-1]}:
                out.setdefault(form[0], []).append(form)
        return out

    @functools.cached_property
    def _places_by_first(self) -> dict[str, list[tuple[str, ...]]]:
        out: dict[str, list[tuple[str, ...]]] = {}
        for seq in self.places:
            out.setdefault(seq[0], []).append(seq)
        return out

    def _in_places(self, toks: list[str]) -> set[int]:
        """Positions of `toks` inside a public name that names no person."""
        inside: set[int] = set()
        if not self.places:
            return inside
        by_first = self._places_by_first
        for i, t in enumerate(toks):
            for form in by_first.get(t, ()):
                if tuple(toks[i : i + len(form)]) == form:
                    inside.update(range(i, i + len(form)))
        return inside

    def _runs(self, toks: list[str]) -> list[tuple[int, int]]:
        """(start, end) of every run of `toks` that is a name or identifying word."""
        found = []
        by_first = self._by_first
        places = self._in_places(toks)
        for i, t in enumerate(toks):
            if t in self.identifying and i not in places:
                found.append((i, i + 1))
            for form in by_first.get(t, ()):
                if tuple(toks[i : i + len(form)]) == form:
                    found.append((i, i + len(form)))
        return found

    @functools.cached_property
    def _seen(self) -> dict[str, bool]:
        return {}

    def mentions(self, text: str) -> bool:
        if not self.identifying and not self.sequences:
            return False
        seen = self._seen
        found = seen.get(text)
        if found is None:
            found = bool(self._runs(tokens(text)))
            if len(seen) < 500_000:
                seen[text] = found
        return found

    def scrub(self, text: str) -> str:
        """The text with the words that name a redacted person replaced by [withheld] (all
        of it when they cannot be told apart)."""
        if not self.mentions(text):
            return text
        words = list(re.finditer(r"[^\W_]+", text))
        per_word = [tokens(w.group(0)) for w in words]
        flat = [t for ts in per_word for t in ts]
        owner = [k for k, ts in enumerate(per_word) for _ in ts]
        bad = {owner[i] for a, b in self._runs(flat) for i in range(a, b)}
        out, last = [], 0
        for k, w in enumerate(words):
            if k in bad:
                out += [text[last : w.start()], WITHHELD]
                last = w.end()
        out.append(text[last:])
        shown = "".join(out)
        return shown if not self.mentions(shown.replace(WITHHELD, " ")) else WITHHELD
