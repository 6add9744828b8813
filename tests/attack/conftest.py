"""The attacker's fixture: a graph where people at risk exist, and a leak checker.

Everything here goes through the project's external interfaces, as a hostile client
would: the graph is loaded through the loaders and the writer (with provenance), the
editor's changes (an edit, a soft delete) are GraphQL mutations over HTTP, and the
server is a real uvicorn on 127.0.0.1. The test side reads the store directly only to
know what must never come out (the secrets), never to decide what the API answers.

`Secrets.leaks(blob)` looks for every variant of every redacted name (full, surname
alone, "SURNAME Given", upper case, Cyrillic, casefolded, whitespace- and
punctuation-free, so a slug or a label wrapped over two SVG <text> lines still counts),
every withheld property value, admin-only and deleted node ids, and row locators into
person-listing files, in the bytes after decoding JSON escapes, HTML entities and tags,
percent-encoding, base64 runs and PDF text.
"""

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
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from graph.ids import make_id
from graph.records import Edge, Node, Provenance, source_node
from graph.settings import Settings
from graph.store import Store
from graph.writer import Writer
from loaders import curated, pegasus
from tests.servers import running
from tests.shared import shared_file

ANALYST_KEY = "attack-analyst-key-0123456789"
EDITOR_KEY = "attack-editor-key-0123456789"
ADMIN_KEY = "attack-admin-key-0123456789"
KEYS = {"analyst": ANALYST_KEY, "editor": EDITOR_KEY, "admin": ADMIN_KEY}


@dataclasses.dataclass(frozen=True)
class Target:
    given: str
    surname: str
    cyrillic: str  # the alias in another script ("Given Surname" in Cyrillic)
    birth_date: str | None

    @property
    def name(self) -> str:
        return f"{self.given} {self.surname}"

    @property
    def id(self) -> str:
        return make_id("Person", self.name, self.birth_date)


LIDIA = Target("Lidia", "Varnavskaya", "Лидия Варнавская", "1979-03-14")
TOMASZ = Target("Tomasz", "Oleandrowicz", "Томаш Олеандрович", None)
OFFICIAL = Target("Magnus", "Hellqvist", "Магнус Хелльквист", "1968-11-02")
TARGETS = (LIDIA, TOMASZ, OFFICIAL)
#: Names nobody in the graph has, built like the real ones (for "absent" probes).
ABSENT = Target("Irina", "Zavadovskaya", "Ирина Завадовская", "1980-04-15")

POSITION = "Head of the Eastern Liaison Desk"
AFFILIATION = "Vilnius bureau of the Exile Wire"
LIDIA_DESCRIPTION = "Covers the Chechen diaspora from a rented flat near Uzupis."
EDITED_DESCRIPTION = "Moved twice after the break-ins reported in the Kestrel memo."
EDIT_REASON = "threat assessment Zephyrine-44 asks for it"
DELETE_REASON = "duplicate of a vendor entry, Marshwillow review"
SLUG_URL = (
    "https://news.example.org/2024/05/wave-of-attacks-on-journalists-lidia-varnavskaya-in-vilnius"
)
PASSAGE = "para 3: 'Varnavskaya told us she was followed to her door'"
VICTIM_LIST = "fixture-victims-by-line.csv"
ORG_NAME = "Baltic Exile Wire"
MEMBER_ROLE = "night-desk correspondent"
DELETED_VENDOR = "Quillwort Interception Systems"
DELETED_INCIDENT = "Quillwort intercepts of dissident calls in Dresden"
INCIDENT_REF = "fixture-2024-vilnius-surveillance"
INCIDENT2_REF = "fixture-2023-warsaw-phishing"
PUBLIC_INCIDENT = "ru-de-journalist-kidnap-plot"  # a curated incident, edited by the editor


def _curated_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "curated"


def fixture_records() -> list[Node | Edge]:
    """The people at risk and everything around them, with provenance."""
    slug = source_node(
        SLUG_URL, "Wave of attacks on journalists in Vilnius", url=SLUG_URL, kind="web-page"
    )
    victims = source_node(
        f"dataset/{VICTIM_LIST}", "A list of victims, one a line", file=VICTIM_LIST, kind="dataset"
    )
    report = source_node(
        "https://ngo.example.org/2024/annual-report",
        "Annual report 2024",
        url="https://ngo.example.org/2024/annual-report",
    )
    rp = Provenance(report.id, "p. 4", 0.9)
    sp = Provenance(slug.id, PASSAGE, 1.0)
    vp = Provenance(victims.id, "line 69", 1.0)
    states = [
        Node("State", {"code": c, "name": n}, rp)
        for c, n in (
            ("RU", "Russia"),
            ("LT", "Lithuania"),
            ("PL", "Poland"),
            ("SE", "Sweden"),
            ("DE", "Germany"),
        )
    ]
    lidia = Node(
        "Person",
        {
            "name": LIDIA.name,
            "aliases": [LIDIA.cyrillic],
            "birth_date": LIDIA.birth_date,
            "roles": ["journalist"],
            "residence_country": "LT",
            "affiliation": AFFILIATION,
            "description": LIDIA_DESCRIPTION,
            "is_target": True,
        },
        sp,
    )
    tomasz = Node(
        "Person",
        {
            "name": TOMASZ.name,
            "aliases": [TOMASZ.cyrillic],
            "roles": ["activist"],
            "residence_country": "PL",
            "is_target": True,
        },
        vp,
    )
    official = Node(
        "Person",
        {
            "name": OFFICIAL.name,
            "aliases": [OFFICIAL.cyrillic],
            "birth_date": OFFICIAL.birth_date,
            "roles": ["official"],
            "residence_country": "SE",
            "position": POSITION,
            "protected": True,
        },
        rp,
    )
    assert (lidia.id, tomasz.id, official.id) == (LIDIA.id, TOMASZ.id, OFFICIAL.id)
    org = Node("Organization", {"name": ORG_NAME, "kind": "media", "country": "LT"}, rp)
    agency = Node(
        "Agency",
        {"name": "Swedish Migration Intelligence Unit", "state_code": "SE", "kind": "security"},
        rp,
    )
    incident = Node(
        "Incident",
        {
            "ref": INCIDENT_REF,
            "title": f"Surveillance of {LIDIA.name} in Vilnius",
            "description": (
                f"Agents followed {LIDIA.surname} for weeks. A leaked tasking list "
                f"named {LIDIA.surname.upper()} {LIDIA.given.upper()}. Posts in "
                f"Russian called her {LIDIA.cyrillic}."
            ),
            "date": "2024-05-02",
            "year": 2024,
            "outcome": "surveilled",
            "verification": "reported",
            "target_profiles": ["journalist"],
        },
        sp,
    )
    incident2 = Node(
        "Incident",
        {
            "ref": INCIDENT2_REF,
            "title": "Phishing of an activist in Warsaw",
            "description": (
                f"{TOMASZ.surname.upper()} {TOMASZ.given.upper()} received spyware "
                f"links; {TOMASZ.cyrillic} reported them."
            ),
            "date": "2023-09-10",
            "year": 2023,
            "outcome": "attempted",
            "verification": "reported",
            "target_profiles": ["activist"],
        },
        vp,
    )
    vendor = Node("Vendor", {"name": DELETED_VENDOR, "country": "DE"}, rp)
    deleted = Node(
        "Incident",
        {
            "ref": "fixture-2022-quillwort",
            "title": DELETED_INCIDENT,
            "year": 2022,
            "date": "2022-03-01",
        },
        rp,
    )
    pegasus_product = make_id("Product", "Pegasus", "NSO Group")
    surveillance = make_id("Tactic", "surveillance")
    spyware = make_id("Tactic", "spyware")
    ru, lt, pl, de = (make_id("State", c) for c in ("RU", "LT", "PL", "DE"))
    edges = [
        Edge("MEMBER_OF", lidia.id, org.id, rp, {"role": MEMBER_ROLE}),
        Edge("MEMBER_OF", official.id, agency.id, rp, {"role": POSITION}),
        Edge("RESIDES_IN", lidia.id, lt, rp),
        Edge("BASED_IN", org.id, lt, rp),
        Edge("PART_OF", agency.id, make_id("State", "SE"), rp),
        Edge("TARGETED", incident.id, lidia.id, sp),
        Edge("ORIGIN_STATE", incident.id, ru, sp),
        Edge("HOST_STATE", incident.id, lt, sp),
        Edge("USED_TACTIC", incident.id, surveillance, sp),
        Edge("USED_PRODUCT", incident.id, pegasus_product, sp),
        Edge("TARGETED", incident2.id, tomasz.id, vp),
        Edge("ORIGIN_STATE", incident2.id, ru, vp),
        Edge("HOST_STATE", incident2.id, pl, vp),
        Edge("USED_TACTIC", incident2.id, spyware, vp),
        Edge("USED_PRODUCT", incident2.id, pegasus_product, vp),
        Edge("LINKED_TO", vendor.id, ru, rp),
        Edge("BASED_IN", vendor.id, de, rp),
        Edge("ORIGIN_STATE", deleted.id, ru, rp),
        Edge("HOST_STATE", deleted.id, de, rp),
        Edge("USED_TACTIC", deleted.id, surveillance, rp),
    ]
    return [
        slug,
        victims,
        report,
        *states,
        lidia,
        tomasz,
        official,
        org,
        agency,
        incident,
        incident2,
        vendor,
        deleted,
        *edges,
    ]


# -- the client -------------------------------------------------------------------------------
@dataclasses.dataclass
class Client:
    """GraphQL over HTTP against the running server, as a role (None = public)."""

    base: str
    http: httpx.Client

    def post(self, query: str, role: str | None = None, **variables: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {KEYS[role]}"} if role else {}
        return self.http.post(
            f"{self.base}/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    def gql(self, query: str, role: str | None = None, **variables: Any) -> dict[str, Any]:
        r = self.post(query, role, **variables)
        assert r.headers.get("content-type", "").startswith("application/"), r.text[:300]
        body: dict[str, Any] = r.json()
        return body

    def ok(self, query: str, role: str | None = None, **variables: Any) -> dict[str, Any]:
        body = self.gql(query, role, **variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data


UPDATE_PERSON = """mutation($id: ID!, $patch: PersonPatch!, $source: SourceRefInput!) {
  updatePerson(id: $id, patch: $patch, source: $source) { id auditId } }"""
UPDATE_INCIDENT = """mutation($id: ID!, $patch: IncidentPatch!, $source: SourceRefInput!) {
  updateIncident(id: $id, patch: $patch, source: $source) { id auditId } }"""
SOFT_DELETE = """mutation($id: ID!, $reason: String!) {
  softDelete(id: $id, reason: $reason) { id auditId } }"""


@dataclasses.dataclass
class Attack:
    """What the attacker's tests get: the client, the store (for the test's own oracle
    only), the settings, and the secrets."""

    client: Client
    store: Store
    settings: Settings
    secrets: Secrets
    analyst_secrets: Secrets
    audit_ids: list[str]
    deleted_ids: list[str]


@pytest.fixture(scope="package")
def attack(store: Store, test_settings: Settings) -> Iterator[Attack]:
    store.bind_ogm()
    store.wipe()
    writer = Writer(store)
    for records in (
        curated.parse(_curated_dir()),
        pegasus.parse(shared_file("data-pegasus-victims.csv")),
        fixture_records(),
    ):
        summary = writer.write(records)
        assert summary.total("rejected") == 0, summary.rejects
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    settings = dataclasses.replace(test_settings, api_keys=keys)
    app = create_app(settings, store=store)
    with running(app) as base, httpx.Client(timeout=300) as http:
        client = Client(base, http)
        report = make_id("Source", "https://ngo.example.org/2024/annual-report")
        cite = {"id": report, "locator": "p. 9", "confidence": 0.8}
        person = client.ok(
            UPDATE_PERSON,
            "editor",
            id=LIDIA.id,
            patch={"description": EDITED_DESCRIPTION},
            source=cite,
        )
        incident = client.ok(
            UPDATE_INCIDENT,
            "editor",
            id=make_id("Incident", PUBLIC_INCIDENT),
            patch={"outcome": "plotted, not carried out (edited)"},
            source=cite,
        )
        audit_ids = [person["updatePerson"]["auditId"], incident["updateIncident"]["auditId"]]
        deleted_ids = [
            make_id("Vendor", DELETED_VENDOR),
            make_id("Incident", "fixture-2022-quillwort"),
        ]
        for node_id in deleted_ids:
            audit_ids.append(
                client.ok(SOFT_DELETE, "editor", id=node_id, reason=DELETE_REASON)["softDelete"][
                    "auditId"
                ]
            )
        secrets = build_secrets(store, audit_ids, deleted_ids, public=True)
        analyst = build_secrets(store, audit_ids, deleted_ids, public=False)
        yield Attack(client, store, settings, secrets, analyst, audit_ids, deleted_ids)
    store.bind_ogm()
    store.wipe()


@pytest.fixture(scope="package")
def client(attack: Attack) -> Client:
    return attack.client


# -- what must never come out -----------------------------------------------------------------
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


TARGETED_OF = """query($ref: String!) { incidents(filter: {ref: {eq: $ref}}) {
  edges { node { id targeted { node { id } } } } } }"""


def public_ids_of_targets(client: Client, ref: str, role: str | None = None) -> list[str]:
    """The ids a role is shown for the persons an incident targeted (anonymous for public)."""
    data = client.ok(TARGETED_OF, role, ref=ref)["incidents"]["edges"]
    return [t["node"]["id"] for e in data for t in e["node"]["targeted"]]


def cli(settings: Settings, store: Store, *args: str) -> tuple[int, str]:
    """Run `tnr ARGS` against the fixture's engine (as the command line does), in-process."""
    from typer.testing import CliRunner

    from cli.main import app

    env = {"TNR_DATA_DIR": str(settings.data_dir), "TNR_ENGINE_HEAP": settings.engine_heap}
    if settings.neo4j_uri:
        env.update(
            NEO4J_URI=settings.neo4j_uri,
            NEO4J_USER=settings.neo4j_user or "",
            NEO4J_PASSWORD=settings.neo4j_password or "",
        )
    try:
        result = CliRunner().invoke(app, list(args), env=env)
    finally:
        store.bind_ogm()  # the command line binds the OGM to its own store
    return result.exit_code, result.output
