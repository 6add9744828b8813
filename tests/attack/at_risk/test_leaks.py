"""Attack class 2: the bytes. Nothing of a person at risk, no admin-only record and no
deleted node may appear in anything public gets back (analyst: no audit record, no
deleted node), whatever the field, format or encoding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph.ids import make_id

from .client import Attack, Client, cli, public_ids_of_targets
from .people import DELETED_VENDOR, INCIDENT_REF, LIDIA, OFFICIAL, ORG_NAME, SLUG_URL, TOMASZ
from .walker import INTROSPECTION, Walker

REFUSED = ("exceeds maximum", "too expensive", "too many", "tokens", "aliases", "depth")


def _walker(attack: Attack, role: str | None) -> Walker:
    client = attack.client
    schema = client.ok(INTROSPECTION, role)["__schema"]
    if role is not None:  # an analyst sees people; what it must not see is admin-only or gone
        return Walker(
            schema,
            {
                "*": [
                    *attack.audit_ids[:2],
                    *attack.deleted_ids,
                    make_id("Incident", INCIDENT_REF),
                    LIDIA.id,
                ]
            },
            [DELETED_VENDOR],
        )
    anon = public_ids_of_targets(client, INCIDENT_REF)
    ids = [
        LIDIA.id,
        *anon,
        TOMASZ.id,
        make_id("Person", OFFICIAL.name, None),
        OFFICIAL.id,
        *attack.audit_ids[:2],
        *attack.deleted_ids,
        make_id("Source", SLUG_URL),
        make_id("Organization", ORG_NAME),
        make_id("Incident", INCIDENT_REF),
    ]
    return Walker(schema, {"*": ids}, [LIDIA.name, LIDIA.surname, LIDIA.cyrillic, DELETED_VENDOR])


def _walk(attack: Attack, role: str | None) -> tuple[int, list[str], list[str]]:
    """Run every walked query as `role`; (queries, leaks, refusals by the server's limits)."""
    secrets = attack.secrets if role is None else attack.analyst_secrets
    found: list[str] = []
    refused: list[str] = []
    n = 0
    for what, query in _walker(attack, role).queries():
        n += 1
        r = attack.client.post(query, role)
        for e in (r.json().get("errors") or []) if r.status_code == 200 else []:
            if any(word in e.get("message", "").lower() for word in REFUSED):
                refused.append(f"{what}: {e['message']}")
        if hits := secrets.leaks(r.content):
            found.append(f"{what}: {hits[:4]}")
    return n, found, refused


def test_public_walk_of_every_root_field_leaks_nothing(attack: Attack) -> None:
    n, found, refused = _walk(attack, None)
    assert n > 120 and not refused, (n, refused[:5])
    assert found == [], f"{len(found)} of {n} queries leak:\n" + "\n".join(found[:40])


def test_analyst_walk_shows_no_audit_record_and_no_deleted_node(attack: Attack) -> None:
    n, found, refused = _walk(attack, "analyst")
    assert n > 60 and not refused, (n, refused[:5])
    assert found == [], f"{len(found)} of {n} queries leak:\n" + "\n".join(found[:40])


def test_the_walk_can_see_what_it_looks_for(attack: Attack) -> None:
    """The checker is not blind: an admin reading the audit log sees the secrets."""
    body = attack.client.post(
        "{ auditLog(first: 50) { edges { node { id before after reason actor } } } }", "admin"
    ).content
    hits = attack.secrets.leaks(body)
    assert any("audit reason" in h for h in hits) and any("AuditRecord id" in h for h in hits)
    assert any(LIDIA.name in h for h in hits)
    analyst = attack.client.post(
        "query($id: ID!) { person(id: $id) { name aliases position } }", "analyst", id=OFFICIAL.id
    ).content
    assert any("position" in h for h in attack.secrets.leaks(analyst))


CONNECTION = """query($after: String) {{ {field}(first: 100, after: $after) {{
  pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {scalars} }} }} }} }}"""


def _connections(schema: dict[str, Any]) -> list[tuple[str, str]]:
    types = {t["name"]: t for t in schema["types"]}
    root = types[schema["queryType"]["name"]]
    out = []
    for f in root["fields"]:
        t = f["type"]
        while t.get("ofType"):
            t = t["ofType"]
        if not t["name"].endswith("Connection"):
            continue
        edge = next(x for x in types[t["name"]]["fields"] if x["name"] == "edges")
        et = edge["type"]
        while et.get("ofType"):
            et = et["ofType"]
        nt = next(x for x in types[et["name"]]["fields"] if x["name"] == "node")["type"]
        while nt.get("ofType"):
            nt = nt["ofType"]
        scalars = []
        for x in types[nt["name"]]["fields"]:
            xt = x["type"]
            while xt.get("ofType"):
                xt = xt["ofType"]
            if xt["kind"] in ("SCALAR", "ENUM") and not any(
                a["type"]["kind"] == "NON_NULL" for a in x["args"]
            ):
                scalars.append(x["name"])
            elif xt["name"] in ("Source", "NodeRef"):
                scalars.append(f"{x['name']} {{ id }}")
        out.append((f["name"], " ".join(scalars)))
    return out


@pytest.mark.parametrize("role", [None, "analyst"])
def test_paging_through_every_connection_leaks_nothing(attack: Attack, role: str | None) -> None:
    """Every node of every type, every page, every stored field: the whole public graph."""
    client: Client = attack.client
    secrets = attack.secrets if role is None else attack.analyst_secrets
    schema = client.ok(INTROSPECTION, role)["__schema"]
    found, pages = [], 0
    for field, scalars in _connections(schema):
        query = CONNECTION.format(field=field, scalars=scalars)
        after = None
        while True:
            r = client.post(query, role, after=after)
            pages += 1
            if hits := secrets.leaks(r.content):
                found.append(f"{field}: {hits[:4]}")
            body = r.json()
            conn = (body.get("data") or {}).get(field)
            if not conn or not conn["pageInfo"]["hasNextPage"] or pages > 400:
                break
            after = conn["pageInfo"]["endCursor"]
    assert pages > 20
    assert found == [], "\n".join(found)


def test_health_counts_no_admin_only_or_deleted_node(attack: Attack) -> None:
    r = attack.client.http.get(f"{attack.client.base}/health")
    assert r.status_code == 200
    assert (hits := attack.secrets.leaks(r.content)) == [], hits
    counts = r.json().get("counts") or {}
    assert "AuditRecord" not in counts, counts
    stored = attack.store.read("MATCH (n:Vendor) WHERE n.deleted_at IS NULL RETURN count(n) AS c")[
        0
    ]["c"]
    assert counts.get("Vendor") == stored, (counts.get("Vendor"), stored)


# -- exports ----------------------------------------------------------------------------------
FORMATS = ("stix", "ftm", "graphml", "csv")


def _export(attack: Attack, tmp: Path, fmt: str, role: str, *ids: str) -> bytes:
    out = tmp / f"{fmt}-{role}" / ("out" if fmt == "csv" else f"out.{fmt}")
    out.parent.mkdir(parents=True, exist_ok=True)
    args = ["export", fmt, "--role", role]
    for i in ids:
        args += ["--ids", i]
    code, output = cli(attack.settings, attack.store, *args, str(out))
    assert code == 0, output
    files = sorted(p for p in out.parent.rglob("*") if p.is_file())
    assert files, output
    return b"\n".join(p.read_bytes() for p in files)


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_whole_graph_export_leaks_nothing(attack: Attack, tmp_path: Path, fmt: str) -> None:
    data = _export(attack, tmp_path, fmt, "public")
    assert b"Pegasus" in data  # the export is not empty
    assert (hits := attack.secrets.leaks(data)) == [], hits


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_subgraph_export_of_hidden_ids_leaks_nothing(
    attack: Attack, tmp_path: Path, fmt: str
) -> None:
    ids = [
        LIDIA.id,
        *public_ids_of_targets(attack.client, INCIDENT_REF),
        make_id("Incident", INCIDENT_REF),
        make_id("Organization", ORG_NAME),
        *attack.audit_ids[:1],
        *attack.deleted_ids,
    ]
    code, output = cli(
        attack.settings,
        attack.store,
        "export",
        fmt,
        "--role",
        "public",
        *[x for i in ids for x in ("--ids", i)],
        str(tmp_path / "sub"),
    )
    blob = output.encode()
    if code == 0:
        blob += b"\n".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert (hits := attack.secrets.leaks(blob)) == [], hits


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_subgraph_export_around_a_target_leaks_nothing(
    attack: Attack, tmp_path: Path, fmt: str
) -> None:
    """The incident that names a target, its organisation, its source: all visible nodes."""
    data = _export(
        attack,
        tmp_path,
        fmt,
        "public",
        make_id("Incident", INCIDENT_REF),
        make_id("Organization", ORG_NAME),
        make_id("State", "LT"),
    )
    assert ORG_NAME.encode() in data  # the export holds the subgraph
    assert (hits := attack.secrets.leaks(data)) == [], hits


@pytest.mark.parametrize("fmt", FORMATS)
def test_analyst_export_holds_no_audit_record_or_deleted_node(
    attack: Attack, tmp_path: Path, fmt: str
) -> None:
    data = _export(attack, tmp_path, fmt, "analyst")
    assert LIDIA.name.encode() in data  # analysts see the people
    assert (hits := attack.analyst_secrets.leaks(data)) == [], hits
    assert b"AuditRecord" not in data and b"auditrecord_" not in data


# -- briefings --------------------------------------------------------------------------------
SUBJECTS = {"STATE": "Russia", "HOST": "Lithuania", "VENDOR": "NSO Group", "TACTIC": "surveillance"}
BRIEFING = """query($s: String!, $k: BriefingKind!, $f: BriefingFormat!) {
  briefing(subject: $s, kind: $k, format: $f) { subject format mediaType encoding content } }"""


@pytest.mark.parametrize("fmt", ["MD", "HTML", "PDF"])
@pytest.mark.parametrize("kind", list(SUBJECTS))
def test_public_briefing_leaks_nothing(attack: Attack, kind: str, fmt: str) -> None:
    r = attack.client.post(BRIEFING, None, s=SUBJECTS[kind], k=kind, f=fmt)
    body = r.json()
    assert not body.get("errors"), body["errors"]
    content = body["data"]["briefing"]["content"]
    assert len(content) > 500
    assert (hits := attack.secrets.leaks(r.content)) == [], hits


APPENDIX = """query($s: String!, $k: BriefingKind!) {
  briefing(subject: $s, kind: $k, format: MD, appendix: true) { content appendix } }"""


@pytest.mark.parametrize("kind", list(SUBJECTS))
def test_public_briefing_csv_appendix_leaks_nothing(attack: Attack, kind: str) -> None:
    """The row-level appendix (every incident counted, every chain) goes through the View."""
    r = attack.client.post(APPENDIX, None, s=SUBJECTS[kind], k=kind)
    body = r.json()
    assert not body.get("errors"), body["errors"]
    appendix = body["data"]["briefing"]["appendix"]
    assert appendix.startswith("# Briefing on")
    if kind != "TACTIC":  # the subject's incidents (or a vendor's chains) are listed
        assert appendix.count("\n") > 3, appendix
    assert (hits := attack.secrets.leaks(r.content)) == [], hits
    # the analyst's appendix holds the same rows, with the names
    analyst = attack.client.post(APPENDIX, "analyst", s=SUBJECTS[kind], k=kind).json()
    rows = analyst["data"]["briefing"]["appendix"].count("\n")
    assert rows == appendix.count("\n")


def test_public_csv_appendix_from_the_command_line_leaks_nothing(
    attack: Attack, tmp_path: Path
) -> None:
    for kind, subject in (("state", "Russia"), ("host", "Lithuania"), ("vendor", "NSO Group")):
        out, csv_out = tmp_path / f"{kind}.md", tmp_path / f"{kind}.csv"
        code, output = cli(
            attack.settings,
            attack.store,
            "brief",
            kind,
            subject,
            "--role",
            "public",
            "--out",
            str(out),
            "--appendix",
            str(csv_out),
        )
        assert code == 0, output
        data = csv_out.read_bytes()
        assert data.startswith(b"# Briefing on") and data.count(b"\n") > 3
        assert (hits := attack.secrets.leaks(data)) == [], (kind, subject, hits)


@pytest.mark.parametrize("kind", list(SUBJECTS))
def test_analyst_briefing_shows_no_deleted_node(attack: Attack, kind: str) -> None:
    r = attack.client.post(BRIEFING, "analyst", s=SUBJECTS[kind], k=kind, f="HTML")
    assert not r.json().get("errors"), r.text[:300]
    assert (hits := attack.analyst_secrets.leaks(r.content)) == [], hits


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_public_briefing_from_the_command_line_leaks_nothing(
    attack: Attack, tmp_path: Path, fmt: str
) -> None:
    for kind, subject in (
        ("state", "Russia"),
        ("host", "Poland"),
        ("vendor", "NSO Group"),
        ("tactic", "spyware"),
    ):
        out = tmp_path / f"{kind}.{fmt}"
        code, output = cli(
            attack.settings,
            attack.store,
            "brief",
            kind,
            subject,
            "--format",
            fmt,
            "--role",
            "public",
            "--out",
            str(out),
        )
        assert code == 0, output
        data = out.read_bytes()
        assert len(data) > 500
        assert (hits := attack.secrets.leaks(data)) == [], (kind, subject, hits)


def test_public_briefing_sources_agree_with_the_source_field(attack: Attack) -> None:
    """A source the API withholds (its URL names a target) is not cited by a briefing."""
    src = attack.client.ok(
        "query($id: ID!) { source(id: $id) { id url title } }", id=make_id("Source", SLUG_URL)
    )["source"]
    r = attack.client.post(BRIEFING, None, s="Lithuania", k="HOST", f="MD")
    text = r.json()["data"]["briefing"]["content"]
    shown = json.dumps(src or {})
    assert SLUG_URL not in shown and SLUG_URL not in text


def test_the_checker_reads_pdf_svg_percent_and_base64(attack: Attack) -> None:
    """The checker is not blind to an encoding: each of these hides the name, and it finds it."""
    import base64
    import urllib.parse

    secrets = attack.secrets
    wrapped = "<svg><text x='1'>Lidia Varn</text>\n<text x='1'>avskaya</text></svg>"
    for blob in (
        wrapped,
        urllib.parse.quote(LIDIA.cyrillic),
        json.dumps({"c": base64.b64encode(f"x {LIDIA.name} y".encode() * 3).decode()}),
        "VARNAVSKAYA&nbsp;LIDIA",
        "lidia_varnavskaya",
    ):
        assert any(LIDIA.name in h for h in secrets.leaks(blob)), blob
    # a PDF (base64 in GraphQL) that names her: an analyst's briefing on her host state
    r = attack.client.post(BRIEFING, "analyst", s="Lithuania", k="HOST", f="PDF")
    content = r.json()["data"]["briefing"]["content"]
    assert content.startswith("JVBER")  # %PDF
    assert any(LIDIA.name in h for h in secrets.leaks(r.content))
