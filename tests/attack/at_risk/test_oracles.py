"""Attack class 3: oracles. Every error path answers a hidden person's real id or name
byte for byte as it answers an id or name that is in no graph (ids aside), and public
errors never echo what the client sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graph.ids import make_id

from .client import Attack
from .people import ABSENT, DELETED_VENDOR, LIDIA, OFFICIAL, ORG_NAME, TOMASZ

ORG = make_id("Organization", ORG_NAME)

#: (scenario, query, variables with "$V" where the probed value goes)
PATHS: list[tuple[str, str, dict[str, Any]]] = [
    ("node", "query($v: ID!) { node(id: $v) { id __typename } }", {"v": "$V"}),
    ("nodes", "query($v: ID!) { nodes(ids: [$v]) { id __typename } }", {"v": "$V"}),
    ("person", "query($v: ID!) { person(id: $v) { id name label } }", {"v": "$V"}),
    (
        "neighbourhood",
        "query($v: ID!) { neighbourhood(id: $v) { nodes { id label } "
        "edges { id type } truncated } }",
        {"v": "$V"},
    ),
    (
        "neighbourhood-depth-2",
        "query($v: ID!) { neighbourhood(id: $v, depth: 2) { nodes { id } truncated } }",
        {"v": "$V"},
    ),
    (
        "shortest-path-from",
        "query($v: ID!, $o: ID!) { shortestPath(from: $v, to: $o) { found "
        "length graph { nodes { id } } } }",
        {"v": "$V", "o": ORG},
    ),
    (
        "shortest-path-to",
        "query($v: ID!, $o: ID!) { shortestPath(from: $o, to: $v) { found "
        "length graph { nodes { id } } } }",
        {"v": "$V", "o": ORG},
    ),
    (
        "subgraph",
        "query($v: ID!, $o: ID!) { subgraph(ids: [$v, $o]) { nodes { id label } "
        "edges { id type source target } } }",
        {"v": "$V", "o": ORG},
    ),
    (
        "related-to-incidents",
        "query($v: ID!) { incidents(filter: {relatedTo: $v}) { totalCount "
        "edges { node { id } } } }",
        {"v": "$V"},
    ),
    (
        "related-to-organizations",
        "query($v: ID!) { organizations(filter: {relatedTo: $v}) { totalCount } }",
        {"v": "$V"},
    ),
    (
        "related-to-sources",
        "query($v: ID!) { sources(filter: {relatedTo: $v}) { totalCount } }",
        {"v": "$V"},
    ),
    (
        "persons-ids",
        "query($v: ID!) { persons(filter: {ids: [$v]}) { totalCount edges { node { id } } } }",
        {"v": "$V"},
    ),
    ("audit-log-target", "query($v: ID) { auditLog(targetId: $v) { totalCount } }", {"v": "$V"}),
]
NAME_PATHS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "search-types",
        'query($v: String!) { search(text: "x", types: [$v, "Jane Doe"]) { id } }',
        {"v": "$V"},
    ),
    (
        "search-text",
        "query($v: String!) { search(text: $v) { id type label matched } }",
        {"v": "$V"},
    ),
    (
        "search-text-person",
        'query($v: String!) { search(text: $v, types: ["Person"]) { id type label matched } }',
        {"v": "$V"},
    ),
    (
        "neighbourhood-types",
        "query($v: String!, $o: ID!) { neighbourhood(id: $o, types: [$v]) { nodes { id } } }",
        {"v": "$V", "o": ORG},
    ),
    (
        "cursor",
        "query($v: String!) { persons(first: 1, after: $v) { edges { node { id } } } }",
        {"v": "$V"},
    ),
    (
        "cursor-before",
        "query($v: String!) { incidents(last: 1, before: $v) { edges { node { id } } } }",
        {"v": "$V"},
    ),
    *[
        (
            f"briefing-{k.lower()}",
            "query($v: String!) { briefing(subject: $v, kind: " + k + ") { subject content } }",
            {"v": "$V"},
        )
        for k in ("STATE", "HOST", "VENDOR", "TACTIC")
    ],
    (
        "vendor-chains",
        "query($v: String!) { vendorChains(vendor: $v) { vendor { id } } }",
        {"v": "$V"},
    ),
    (
        "vendor-chains-product",
        "query($v: String!) { vendorChains(product: $v) { vendor { id } } }",
        {"v": "$V"},
    ),
    (
        "incidents-per-year",
        "query($v: String!) { incidentsPerYear(origin: $v) { total } }",
        {"v": "$V"},
    ),
    (
        "host-collaboration",
        "query($v: String!) { hostCollaboration(host: $v) { state { id } } }",
        {"v": "$V"},
    ),
    ("stated-figures", "query($v: String!) { statedFigures(tactic: $v) { value } }", {"v": "$V"}),
    (
        "persons-name-eq",
        "query($v: String!) { persons(filter: {name: {eq: $v}}) { totalCount } }",
        {"v": "$V"},
    ),
    (
        "persons-alias-eq",
        "query($v: String!) { persons(filter: {aliases: {eq: $v}}) { totalCount } }",
        {"v": "$V"},
    ),
    (
        "incidents-title-contains",
        "query($v: String!) { incidents(filter: {title: {contains: $v}}) { totalCount } }",
        {"v": "$V"},
    ),
    (
        "incidents-description-contains",
        "query($v: String!) { incidents(filter: {description: {contains: $v}}) { totalCount } }",
        {"v": "$V"},
    ),
    (
        "sources-url-contains",
        "query($v: String!) { sources(filter: {url: {contains: $v}}) { totalCount } }",
        {"v": "$V"},
    ),
    (
        "sources-ref-contains",
        "query($v: String!) { sources(filter: {ref: {contains: $v}}) { totalCount } }",
        {"v": "$V"},
    ),
]

#: (what is hidden, its real value, a value built the same way that is in no graph)
HIDDEN_IDS = [
    ("target-real-id", LIDIA.id, ABSENT.id),
    (
        "target-guessed-id",
        make_id("Person", TOMASZ.name, None),
        make_id("Person", ABSENT.name, None),
    ),
    (
        "protected-official-id",
        OFFICIAL.id,
        make_id("Person", "Magnus Hellberg", OFFICIAL.birth_date),
    ),
    ("audit-record-id", "$AUDIT", make_id("AuditRecord", "no-such-change-0001")),
    (
        "deleted-vendor-id",
        make_id("Vendor", DELETED_VENDOR),
        make_id("Vendor", "Quillwort Absent Systems"),
    ),
]
HIDDEN_NAMES = [
    ("target-full-name", LIDIA.name, ABSENT.name),
    ("target-surname", LIDIA.surname, ABSENT.surname),
    (
        "target-reversed-upper",
        f"{LIDIA.surname.upper()} {LIDIA.given.upper()}",
        f"{ABSENT.surname.upper()} {ABSENT.given.upper()}",
    ),
    ("target-cyrillic", LIDIA.cyrillic, ABSENT.cyrillic),
    ("protected-official-name", OFFICIAL.name, "Magnus Hellberg"),
    ("deleted-vendor-name", DELETED_VENDOR, "Quillwort Absent Systems"),
]


def _run(
    attack: Attack, query: str, variables: dict[str, Any], value: str, role: str | None
) -> tuple[int, str]:
    filled = {k: (value if v == "$V" else v) for k, v in variables.items()}
    r = attack.client.post(query, role, **filled)
    return r.status_code, r.text


def _same(a: tuple[int, str], b: tuple[int, str], va: str, vb: str) -> tuple[Any, Any]:
    """Both answers with the probed value (and its JSON form) replaced by a placeholder."""

    def norm(answer: tuple[int, str], v: str) -> Any:
        text = answer[1]
        for form in (json.dumps(v)[1:-1], json.dumps(v, ensure_ascii=False)[1:-1], v):
            text = text.replace(form, "<V>")
        return answer[0], text

    return norm(a, va), norm(b, vb)


#: Fuzzy search answers differ between any two texts ("Lidia" is close to "India"), so the
#: hidden text is checked against the same text asked by an analyst instead (below).
FUZZY = ("search-text", "search-text-person")


def _cases(role: str | None) -> list[Any]:
    out = []
    for hidden, real, absent in HIDDEN_IDS:
        if role == "analyst" and hidden not in ("audit-record-id", "deleted-vendor-id"):
            continue
        out += [pytest.param(q, v, real, absent, id=f"{hidden}-{name}") for name, q, v in PATHS]
    if role is None:
        for hidden, real, absent in HIDDEN_NAMES:
            out += [
                pytest.param(q, v, real, absent, id=f"{hidden}-{name}")
                for name, q, v in NAME_PATHS
                if name not in FUZZY
            ]
    else:
        for hidden, real, absent in HIDDEN_NAMES[-1:]:
            out += [
                pytest.param(q, v, real, absent, id=f"{hidden}-{name}")
                for name, q, v in NAME_PATHS
                if name not in FUZZY
            ]
    return out


def _real(attack: Attack, value: str) -> str:
    return attack.audit_ids[0] if value == "$AUDIT" else value


@pytest.mark.parametrize(("query", "variables", "real", "absent"), _cases(None))
def test_public_answer_for_hidden_value_equals_absent_value(
    attack: Attack, query: str, variables: dict[str, Any], real: str, absent: str
) -> None:
    real = _real(attack, real)
    hidden = _run(attack, query, variables, real, None)
    missing = _run(attack, query, variables, absent, None)
    assert "data" in json.loads(missing[1]), missing  # the query itself is valid
    a, b = _same(hidden, missing, real, absent)
    assert a == b


@pytest.mark.parametrize(("query", "variables", "real", "absent"), _cases("analyst"))
def test_analyst_answer_for_audit_or_deleted_value_equals_absent_value(
    attack: Attack, query: str, variables: dict[str, Any], real: str, absent: str
) -> None:
    real = _real(attack, real)
    hidden = _run(attack, query, variables, real, "analyst")
    missing = _run(attack, query, variables, absent, "analyst")
    assert "data" in json.loads(missing[1]), missing  # the query itself is valid
    a, b = _same(hidden, missing, real, absent)
    assert a == b


SEARCH = (
    "query($v: String!, $t: [String!]) { search(text: $v, types: $t) { id type label matched } }"
)


@pytest.mark.parametrize("types", [None, ["Person"]])
@pytest.mark.parametrize(("hidden", "text"), [pytest.param(v, r, id=h) for h, r, v in HIDDEN_NAMES])
def test_public_search_for_a_hidden_name_finds_what_it_finds_without_them(
    attack: Attack, hidden: str, text: str, types: list[str] | None
) -> None:
    """Public hits are the analyst's hits for the same text, less every node the public may
    not see and every hit whose own name names a person at risk; nothing more, same order."""
    del hidden
    public = json.loads(_run_search(attack, text, types, None))["data"]["search"]
    analyst = json.loads(_run_search(attack, text, types, "analyst"))["data"]["search"]
    expected = []
    for hit in analyst:
        shown = attack.client.post("query($v: ID!) { node(id: $v) { id } }", None, v=hit["id"])
        if json.loads(shown.text)["data"]["node"] is None:
            continue  # hidden from the public (or deleted)
        if attack.secrets.leaks(json.dumps(hit, ensure_ascii=False)):
            continue
        expected.append(hit)
    assert public == expected[: len(public)] and len(public) == min(len(expected), 20)
    assert not attack.secrets.leaks(json.dumps(public, ensure_ascii=False))


def _run_search(attack: Attack, text: str, types: list[str] | None, role: str | None) -> str:
    return str(attack.client.post(SEARCH, role, v=text, t=types).text)


ECHO_PROBE = "Qzxv Echoprobe Wrenfield"


@pytest.mark.parametrize(
    ("name", "query", "variables"), [pytest.param(*p, id=p[0]) for p in PATHS + NAME_PATHS]
)
def test_public_errors_never_echo_client_input(
    attack: Attack, name: str, query: str, variables: dict[str, Any]
) -> None:
    probe = make_id("Person", ECHO_PROBE, None) if name in {p[0] for p in PATHS} else ECHO_PROBE
    r = attack.client.post(
        query, None, **{k: (probe if v == "$V" else v) for k, v in variables.items()}
    )
    errors = r.json().get("errors") or []
    echoed = [
        e["message"]
        for e in errors
        if probe.casefold() in json.dumps(e, ensure_ascii=False).casefold()
        or "echoprobe" in json.dumps(e, ensure_ascii=False).casefold()
    ]
    assert echoed == []
