"""What must never come out (the secrets) and a checker that finds it in bytes of any encoding.

`Secrets.leaks(blob)` looks for every variant of every redacted name (full, surname
alone, "SURNAME Given", upper case, Cyrillic, casefolded, whitespace- and
punctuation-free, so a slug or a label wrapped over two SVG <text> lines still counts),
every withheld property value, admin-only and deleted node ids, and row locators into
person-listing files, in the bytes after decoding JSON escapes, HTML entities and tags,
percent-encoding, base64 runs and PDF text."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import html
import io
import json
import re
import unicodedata
import urllib.parse
from collections.abc import Iterator

from graph.ids import make_id
from graph.store import Store

from .people import (
    AFFILIATION,
    DELETE_REASON,
    DELETED_VENDOR,
    EDIT_REASON,
    EDITED_DESCRIPTION,
    LIDIA,
    LIDIA_DESCRIPTION,
    MEMBER_ROLE,
    OFFICIAL,
    POSITION,
    SLUG_URL,
    TARGETS,
    VICTIM_LIST,
    Target,
)


def squash(text: str) -> str:
    """Casefolded, NFKC, letters and digits only: whitespace, hyphens and tags do not hide."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def name_variants(t: Target) -> set[str]:
    """Every spelling of a redacted name we look for (before squashing)."""
    cy_given, _, cy_surname = t.cyrillic.partition(" ")
    forms = {
        t.name,
        t.surname,
        f"{t.surname} {t.given}",
        f"{t.surname}, {t.given}",
        f"{t.surname.upper()} {t.given.upper()}",
        t.name.upper(),
        t.name.casefold(),
        t.name.replace(" ", ""),
        f"{t.given}-{t.surname}".lower(),
        f"{t.given[0]}. {t.surname}",
        t.cyrillic,
        cy_surname,
        f"{cy_surname} {cy_given}",
        t.cyrillic.upper(),
    }
    return forms


@dataclasses.dataclass
class Secrets:
    #: squashed needle -> what it is (for the report)
    needles: dict[str, str]
    #: exact strings (ids) -> what they are
    exact: dict[str, str]
    #: regular expressions over the raw and decoded text (row locators)
    patterns: dict[str, re.Pattern[str]]

    def leaks(self, blob: str | bytes) -> list[str]:
        """What of the secrets appears in `blob`, after every decoding we know."""
        found: set[str] = set()
        for text in decodings(blob):
            flat = squash(text)
            found |= {what for needle, what in self.needles.items() if needle in flat}
            found |= {what for value, what in self.exact.items() if value in text}
            found |= {what for what, rx in self.patterns.items() if rx.search(text)}
        return sorted(found)


def build_secrets(
    store: Store, audit_ids: list[str], deleted_ids: list[str], public: bool
) -> Secrets:
    """Public: everything below. Analyst: admin-only data and deleted nodes only."""
    needles: dict[str, str] = {}
    exact: dict[str, str] = {}
    patterns: dict[str, re.Pattern[str]] = {}
    audits = store.read("MATCH (a:AuditRecord) RETURN properties(a) AS p")
    assert {a["p"]["id"] for a in audits} >= set(audit_ids)
    for a in audits:
        exact[a["p"]["id"]] = f"AuditRecord id {a['p']['id']}"
    for text in (EDIT_REASON, DELETE_REASON):
        needles[squash(text)] = f"audit reason {text!r}"
    # the description before the edit is only in the audit record's `before` now
    needles[squash(LIDIA_DESCRIPTION)] = "audit before-JSON (the description before the edit)"
    for node_id in deleted_ids:
        exact[node_id] = f"deleted node id {node_id}"
    for text in (DELETED_VENDOR, "Quillwort"):
        needles[squash(text)] = f"deleted node name {text!r}"
    if not public:
        return Secrets(needles, exact, patterns)
    for t in TARGETS:
        for form in name_variants(t):
            needles[squash(form)] = f"name of {t.name} as {form!r}"
    redacted = store.read(
        "MATCH (n:Person) WHERE n.is_target = true OR n.protected = true RETURN properties(n) AS p"
    )
    assert len(redacted) > 100  # the victims file, the curated targets, ours
    for row in redacted:
        p = row["p"]
        exact[p["id"]] = f"real id of a redacted person ({p['id']})"
        for name in [p["name"], *(p.get("aliases") or [])]:
            # code names ("Al Jazeera #3") identify nobody and would match other text
            if len(squash(name)) >= 8 and " " in name.strip() and "#" not in name:
                needles.setdefault(squash(name), f"name of a redacted person {name!r}")
    for value, what in (
        (POSITION, "position"),
        (AFFILIATION, "affiliation"),
        (LIDIA.birth_date, "birth date"),
        (OFFICIAL.birth_date, "birth date"),
        (EDITED_DESCRIPTION, "description"),
        (SLUG_URL, "source URL"),
        (MEMBER_ROLE, "membership role"),
        ("Uzupis", "description"),
    ):
        assert value is not None
        needles[squash(value)] = f"withheld {what} {value!r}"
    exact[make_id("Source", SLUG_URL)] = "id of the source whose URL names a target"
    # The editor's key fingerprint (in the audit record's actor) never reaches public.
    for a in audits:
        actor = str(a["p"].get("actor") or "")
        if ":" in actor:
            exact[actor.split(":", 1)[1]] = "the editor's key fingerprint"
    # Row locators into files that list victims by name, one a line.
    listing = [
        r["p"]
        for r in store.read(
            "MATCH (s:Source) WHERE s.ref CONTAINS 'pegasus-victims' OR s.ref CONTAINS $f "
            "RETURN properties(s) AS p",
            f=VICTIM_LIST,
        )
    ]
    assert len(listing) >= 2
    alternatives = "|".join(re.escape(s["id"]) for s in listing)
    patterns["row locator into a person-listing file"] = re.compile(
        rf"(?:{alternatives})\s*\|\s*(?:line|row)\s*\d+", re.I
    )
    patterns["incident ref naming a line of a person-listing file"] = re.compile(
        r"(?:pegasus-victims|fixture-victims)[^\s\"',]{0,20}[:|]\s*(?:line|row)[-\s]?\d+", re.I
    )
    return Secrets(needles, exact, patterns)


# -- decodings --------------------------------------------------------------------------------
B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{40,}={0,2}")
TAG = re.compile(r"<[^>]{0,2000}>")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def decodings(blob: str | bytes, depth: int = 0) -> Iterator[str]:
    """The blob as text, and every text hidden in it (escapes, entities, tags, base64, PDF)."""
    if isinstance(blob, bytes):
        if blob.startswith(b"%PDF"):
            yield pdf_text(blob)
            yield blob.decode("latin-1")
            return
        text = blob.decode("utf-8", errors="replace")
    else:
        text = blob
    yield text
    try:
        loaded = json.loads(text)
    except (ValueError, RecursionError):
        pass
    else:
        yield json.dumps(loaded, ensure_ascii=False)
    unescaped = html.unescape(text)
    yield unescaped
    yield TAG.sub(" ", unescaped)  # a label wrapped over two <text> lines joins up
    yield urllib.parse.unquote(unescaped)
    if depth >= 2:
        return
    for m in B64_RUN.finditer(text):
        run = m.group(0)
        for decoder in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                raw = decoder(run + "=" * (-len(run) % 4))
            except (binascii.Error, ValueError):
                continue
            if raw.startswith(b"%PDF"):
                yield pdf_text(raw)
            elif len(raw) >= 8:
                decoded = raw.decode("utf-8", errors="ignore")
                if sum(ch.isprintable() for ch in decoded) > 0.9 * max(len(decoded), 1):
                    yield from decodings(decoded, depth + 1)
            break
