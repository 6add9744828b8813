"""Attack class 4: cursors, orderings and filters. Whatever a public client hand-makes,
tampers or filters on a withheld field, the answer is the one it would get if the
hidden rows did not exist: two probes that differ only in the hidden value answer alike."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from graph.ids import make_id

from .client import Attack
from .people import (
    ABSENT,
    AFFILIATION,
    EDITED_DESCRIPTION,
    LIDIA,
    OFFICIAL,
    POSITION,
    SLUG_URL,
    TOMASZ,
)


def make_cursor(field: str, value: Any, node_id: str) -> str:
    """A cursor in the shape the server hands out today (base64url of JSON)."""
    raw = json.dumps([field, value, node_id], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def tamper(cursor: str, node_id: str) -> str:
    """The server's own cursor, edited: its id (if it decodes to JSON) or one character."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(parts, list) and parts:
            parts[-1] = node_id
            raw = json.dumps(parts, separators=(",", ":"), ensure_ascii=False)
            return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    except ValueError:
        pass
    i = len(cursor) // 2
    return cursor[:i] + ("A" if cursor[i] != "A" else "B") + cursor[i + 1 :]


def _hex_neighbour(node_id: str, step: int) -> str:
    prefix, _, digest = node_id.partition("_")
    width = len(digest)
    return f"{prefix}_{(int(digest, 16) + step) % 16**width:0{width}x}"


def _answer(attack: Attack, query: str, role: str | None = None, **variables: Any) -> str:
    r = attack.client.post(query, role, **variables)
    text = r.text
    for v in variables.values():
        if isinstance(v, str):
            text = text.replace(json.dumps(v)[1:-1], "<V>")
    return f"{r.status_code} {text}"


PAGE = """query($a: String) { persons(first: 1, after: $a) { pageInfo { endCursor }
  edges { node { id label } } } }"""


def test_public_tampered_cursor_is_refused_like_garbage(attack: Attack) -> None:
    own = attack.client.ok("{ persons(first: 3) { pageInfo { endCursor } } }")
    cursor = own["persons"]["pageInfo"]["endCursor"]
    garbage = _answer(attack, PAGE, a="bm90LWEtY3Vyc29y")
    for forged in (
        tamper(cursor, LIDIA.id),
        tamper(cursor, TOMASZ.id),
        make_cursor("id", None, LIDIA.id),
        make_cursor("id", {"sealed": True}, LIDIA.id),
    ):
        assert _answer(attack, PAGE, a=forged) == garbage, forged


@pytest.mark.parametrize(
    "hidden", [LIDIA.id, TOMASZ.id, OFFICIAL.id], ids=["lidia", "tomasz", "official"]
)
def test_public_after_just_below_and_above_a_guessed_id_answers_the_same(
    attack: Attack, hidden: str
) -> None:
    """With a hidden row between the two cursors, `first: 1` would return it after the lower."""
    below = make_cursor("id", None, _hex_neighbour(hidden, -1))
    above = make_cursor("id", None, hidden)
    assert _answer(attack, PAGE, a=below) == _answer(attack, PAGE, a=above)
    # the same two probes around an id that is in no graph answer alike, of course
    absent = ABSENT.id
    assert _answer(attack, PAGE, a=make_cursor("id", None, _hex_neighbour(absent, -1))) == _answer(
        attack, PAGE, a=make_cursor("id", None, absent)
    )


ORDERED = """query($a: String, $f: TOrderField!, $d: OrderDirection!) {
  CONN(first: 1, after: $a, orderBy: {field: $f, direction: $d}) {
    edges { node { id } } pageInfo { endCursor } } }"""
#: withheld values of hidden rows, by (type, connection, order field, stored property)
ORDERINGS = [
    ("Person", "persons", "NAME", "name", LIDIA.name),
    ("Person", "persons", "BIRTH_DATE", "birth_date", LIDIA.birth_date),
    ("Person", "persons", "AFFILIATION", "affiliation", AFFILIATION),
    ("Person", "persons", "POSITION", "position", POSITION),
    ("Person", "persons", "DESCRIPTION", "description", EDITED_DESCRIPTION),
    ("Source", "sources", "URL", "url", SLUG_URL),
    ("Source", "sources", "REF", "ref", SLUG_URL),
]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize(
    ("type_name", "conn", "field", "prop", "value"),
    ORDERINGS,
    ids=[f"{o[1]}-{o[2]}" for o in ORDERINGS],
)
def test_public_ordering_by_withheld_field_with_crafted_cursor_learns_nothing(
    attack: Attack, type_name: str, conn: str, field: str, prop: str, value: str, direction: str
) -> None:
    """Binary search on a withheld value: a cursor just below it and one just above it."""
    assert value
    low, high = value[:-1], value + " "
    visible = attack.store.read(
        f"MATCH (n:`{type_name}`) WHERE n.`{prop}` >= $low AND n.`{prop}` <= $high "
        "AND n.deleted_at IS NULL RETURN n.id AS id",
        low=low,
        high=high,
    )
    assert len(visible) == 1  # only the hidden row sits between the two probes
    query = ORDERED.replace("TOrderField", f"{type_name}OrderField").replace("CONN", conn)
    # the hand-made cursor has the shape of the server's own (checked on an analyst's cursor)
    own = attack.client.ok(query, "analyst", a=None, f=field, d=direction)[conn]
    try:
        cursor = own["pageInfo"]["endCursor"]
        parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        parts = None  # an opaque cursor: hand-made ones can only be refused
    if isinstance(parts, list):
        assert parts[0] == prop, parts
    a, b = (low, high) if direction == "ASC" else (high, low)
    first = _answer(attack, query, a=make_cursor(prop, a, ""), f=field, d=direction)
    second = _answer(attack, query, a=make_cursor(prop, b, ""), f=field, d=direction)
    assert first == second


#: (connection, filter on a withheld field with a fragment of the hidden value, the same
#:  filter with a fragment of nothing in the graph)
FILTERS = [
    ("persons", {"name": {"contains": LIDIA.surname}}, {"name": {"contains": ABSENT.surname}}),
    ("persons", {"name": {"eq": LIDIA.name}}, {"name": {"eq": ABSENT.name}}),
    ("persons", {"aliases": {"contains": "Варнав"}}, {"aliases": {"contains": "Завадов"}}),
    ("persons", {"birthDate": {"eq": LIDIA.birth_date}}, {"birthDate": {"eq": "1979-03-13"}}),
    (
        "persons",
        {"birthDate": {"gte": "1968-11-02", "lte": "1968-11-02"}},
        {"birthDate": {"gte": "1968-11-01", "lte": "1968-11-01"}},
    ),
    (
        "persons",
        {"affiliation": {"contains": "Exile Wire"}},
        {"affiliation": {"contains": "Exile Mail"}},
    ),
    (
        "persons",
        {"position": {"contains": "Eastern Liaison"}},
        {"position": {"contains": "Western Liaison"}},
    ),
    (
        "persons",
        {"position": {"eq": POSITION}},
        {"position": {"eq": "Head of the Western Liaison Desk"}},
    ),
    ("persons", {"description": {"contains": "Kestrel"}}, {"description": {"contains": "Kostrel"}}),
    ("persons", {"ids": [LIDIA.id]}, {"ids": [ABSENT.id]}),
    (
        "sources",
        {"url": {"contains": LIDIA.surname.lower()}},
        {"url": {"contains": ABSENT.surname.lower()}},
    ),
    (
        "sources",
        {"ref": {"contains": f"{LIDIA.given}-{LIDIA.surname}".lower()}},
        {"ref": {"contains": f"{ABSENT.given}-{ABSENT.surname}".lower()}},
    ),
    (
        "sources",
        {"url": {"eq": SLUG_URL}},
        {"url": {"eq": SLUG_URL.replace("lidia-varnavskaya", "irina-zavadovskaya")}},
    ),
    ("incidents", {"title": {"contains": LIDIA.surname}}, {"title": {"contains": ABSENT.surname}}),
    (
        "incidents",
        {"description": {"contains": LIDIA.surname}},
        {"description": {"contains": ABSENT.surname}},
    ),
    (
        "incidents",
        {"description": {"contains": "Олеандрович"}},
        {"description": {"contains": "Завадовская"}},
    ),
    (
        "incidents",
        {"description": {"contains": TOMASZ.surname.upper()}},
        {"description": {"contains": ABSENT.surname.upper()}},
    ),
    ("incidents", {"relatedTo": LIDIA.id}, {"relatedTo": ABSENT.id}),
    ("organizations", {"relatedTo": LIDIA.id}, {"relatedTo": ABSENT.id}),
]
FILTERED = """query($f: {T}Filter) { {conn}(filter: $f, first: 5) { totalCount
  edges { node { id } } } }"""


@pytest.mark.parametrize(
    ("conn", "hidden", "absent"),
    FILTERS,
    ids=[f"{c}-{next(iter(h))}-{i}" for i, (c, h, _) in enumerate(FILTERS)],
)
def test_public_filter_on_withheld_field_answers_as_if_hidden_rows_were_absent(
    attack: Attack, conn: str, hidden: dict[str, Any], absent: dict[str, Any]
) -> None:
    type_name = {
        "persons": "Person",
        "sources": "Source",
        "incidents": "Incident",
        "organizations": "Organization",
    }[conn]
    query = FILTERED.replace("{T}", type_name).replace("{conn}", conn)
    a = attack.client.post(query, None, f=hidden)
    b = attack.client.post(query, None, f=absent)
    assert "data" in b.json() and not b.json().get("errors"), b.text  # a valid filter
    assert (a.status_code, a.json()) == (b.status_code, b.json())
    # and the filter does find the hidden row for an analyst: the probe is a real one
    found = attack.client.post(query, "analyst", f=hidden).json()["data"][conn]["totalCount"]
    assert found >= 1


def test_public_count_of_a_type_counts_no_deleted_node(attack: Attack) -> None:
    vendors = attack.client.ok("{ vendors { totalCount } }")["vendors"]["totalCount"]
    incidents = attack.client.ok("{ incidents { totalCount } }")["incidents"]["totalCount"]
    stored = attack.store.read(
        "MATCH (n) WHERE (n:Vendor OR n:Incident) AND n.deleted_at IS NULL "
        "RETURN sum(CASE WHEN n:Vendor THEN 1 ELSE 0 END) AS v, "
        "sum(CASE WHEN n:Incident THEN 1 ELSE 0 END) AS i"
    )[0]
    assert (vendors, incidents) == (stored["v"], stored["i"])
    hit = attack.client.ok(
        "query($id: ID!) { vendors(filter: {ids: [$id]}) { totalCount } }",
        id=make_id("Vendor", "Quillwort Interception Systems"),
    )
    assert hit["vendors"]["totalCount"] == 0


def test_every_withheld_order_field_is_attacked(attack: Attack) -> None:
    """A new orderable field that is withheld from public cannot slip past the test above."""
    from graph.schema import load_schema

    from .walker import INTROSPECTION

    types = {t["name"]: t for t in attack.client.ok(INTROSPECTION)["__schema"]["types"]}
    person = load_schema().node("Person")
    withheld = {
        "Person": {p.name for p in person.properties.values() if p.sensitive} | {"position"},
        "Source": {"url", "ref"},
    }
    attacked = {(t, prop) for t, _, _, prop, _ in ORDERINGS}
    missing = []
    for type_name, props in withheld.items():
        fields = {v["name"].lower() for v in types[f"{type_name}OrderField"]["enumValues"]}
        missing += [(type_name, p) for p in props if p in fields and (type_name, p) not in attacked]
    assert missing == []


PAGE = """query($a: String, $o: PersonOrder) { persons(first: 100, after: $a, orderBy: $o) {
  pageInfo { hasNextPage endCursor } edges { node { id } } } }"""


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_anonymous_persons_do_not_sit_where_their_real_ids_would_sort(
    attack: Attack, direction: str
) -> None:
    """Ordered by id, an anonymous person's place among the others must not depend on its
    stored id (a hash of the name): a guessed name's hash, compared with the neighbours of
    an anonymous node, would confirm the guess. They come after every visible person, in
    the order of their anonymous ids."""
    from graph.anonymity import anon_id

    shown: list[str] = []
    after = None
    while True:
        page = attack.client.ok(PAGE, None, a=after, o={"field": "ID", "direction": direction})[
            "persons"
        ]
        shown += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    anonymous = [i for i in shown if i.startswith("anon_")]
    visible = [i for i in shown if not i.startswith("anon_")]
    assert len(anonymous) >= 20 and visible  # the Pegasus victims, the fixture's targets
    assert shown == visible + anonymous  # after every visible person, asc and desc alike
    assert anonymous == sorted(anonymous, reverse=direction == "DESC")
    # the test can fail: in the order of their stored ids they would not be in this order
    real = {
        anon_id(r["id"]): r["id"]
        for r in attack.store.read(
            "MATCH (n:Person) WHERE n.is_target = true OR n.protected = true RETURN n.id AS id"
        )
    }
    assert [real[a] for a in anonymous] != sorted(real[a] for a in anonymous)


WALK = """query($f: Int, $a: String, $l: Int, $b: String, $o: %(type)sOrder) {
  %(field)s(first: $f, after: $a, last: $l, before: $b, orderBy: $o) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } } } }"""
#: (node type, its connection field, the order field) whose public order has runs
WALKS = [
    ("Person", "persons", "ID"),
    ("Person", "persons", "POSITION"),
    ("Source", "sources", "TITLE"),
    ("Source", "sources", "DATE"),
    ("Incident", "incidents", "OUTCOME"),
]


def _walk(
    attack: Attack, walk: str, field: str, order: dict[str, str], size: int, back: bool = False
) -> list[Any]:
    """Every edge, page by page: forward with first/after, or backward with last/before."""
    edges: list[Any] = []
    cursor = None
    for _ in range(2000):  # a walk that goes round in circles fails instead of hanging
        if back:
            page = attack.client.ok(walk, None, l=size, b=cursor, o=order)[field]
            edges = page["edges"] + edges
            if not page["pageInfo"]["hasPreviousPage"]:
                return edges
            cursor = page["pageInfo"]["startCursor"]
        else:
            page = attack.client.ok(walk, None, f=size, a=cursor, o=order)[field]
            edges += page["edges"]
            if not page["pageInfo"]["hasNextPage"]:
                return edges
            cursor = page["pageInfo"]["endCursor"]
    raise AssertionError(f"no end after 2000 pages of {size} ({len(edges)} edges)")


def _public_order(attack: Attack, type_name: str, prop: str, desc: bool) -> list[str]:
    """The public's order of all nodes of a type, computed here from the stored rows: values it may
    see, nulls last; among the nulls the rows it sees as stored (by id), and the anonymous
    ones by their anonymous id, the ties going the way of the order."""
    from graph.anonymity import anon_id
    from graph.visibility import Role, view

    seen = view(attack.store, Role.PUBLIC)
    nt = attack.store.schema.node(type_name)
    anonymous = set(seen.anonymous_ids(nt))
    masked = anonymous if prop == "id" else set(seen.masked_ids(nt))
    rows = attack.store.read(f"MATCH (n:`{type_name}`) RETURN n.id AS id, n.`{prop}` AS v")
    valued = [(r["v"], r["id"]) for r in rows if r["id"] not in masked and r["v"] is not None]
    stored = [
        r["id"] for r in rows if r["id"] not in anonymous and (r["id"] in masked or r["v"] is None)
    ]
    hidden = sorted(anon_id(i) for i in anonymous)
    first = [i for _, i in sorted(valued, reverse=desc)]
    RUNS[(type_name, prop, desc)] = (len(first), len(stored), len(hidden))
    if desc:
        return first + hidden[::-1] + sorted(stored, reverse=True)
    return first + sorted(stored) + hidden


RUNS: dict[tuple[str, str, bool], tuple[int, int, int]] = {}


@pytest.mark.parametrize(("type_name", "connection", "field"), WALKS)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_public_pages_agree_forward_backward_and_between_cursors(
    attack: Attack, direction: str, type_name: str, connection: str, field: str
) -> None:
    """The public's order (the rows it sees as stored, and the anonymous ones by rank where
    nulls go) is the one computed here from the stored rows, whichever way a client walks
    it: forward, backward, or between two cursors on either side of where the anonymous
    rows begin or end, with page sizes that cut across those places."""
    walk = WALK % {"type": type_name, "field": connection}
    order = {"field": field, "direction": direction}
    full = _walk(attack, walk, connection, order, 100)
    ids = [e["node"]["id"] for e in full]
    assert ids == _public_order(attack, type_name, field.lower(), direction == "DESC")
    cursors = [e["cursor"] for e in full]
    changes = [
        i
        for i in range(1, len(ids))
        if ids[i].startswith("anon_") != ids[i - 1].startswith("anon_")
    ]
    assert changes and sum(i.startswith("anon_") for i in ids) >= 20
    for size in (1, 7, min(changes[0], 100)):
        assert [e["node"]["id"] for e in _walk(attack, walk, connection, order, size)] == ids
    for size in (1, 7, 100):
        back = _walk(attack, walk, connection, order, size, back=True)
        assert [e["node"]["id"] for e in back] == ids, size
    pairs = [(0, len(ids) - 1)]
    for c in changes:
        pairs += [(max(c - 3, 0), c - 1), (c - 2, min(c + 2, len(ids) - 1)), (c, len(ids) - 1)]
    for lo, hi in pairs:
        for first, last in ((100, None), (None, 100), (2, None), (None, 2)):
            page = attack.client.ok(
                walk, None, f=first, l=last, a=cursors[lo], b=cursors[hi], o=order
            )[connection]
            between = ids[lo + 1 : hi]
            want = between[:first] if first else between[-last:] if last else between
            assert [e["node"]["id"] for e in page["edges"]] == want, (lo, hi, first, last)


def test_the_walks_cover_every_run_of_the_public_order() -> None:
    """The walks above met rows of each run (with a value, without one, anonymous) in some
    ordering: otherwise they could not tell one arrangement of the runs from another."""
    if not RUNS:
        pytest.skip("run with the walks")
    assert any(all(n > 1 for n in runs) for runs in RUNS.values()), RUNS
