"""Bad input to every mutation is a field-level error and changes nothing."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from graph.ids import make_id
from graph.store import Store
from tests.api.mutations.edits import (
    CREATE_INCIDENT,
    CREATE_PERSON,
    CREATE_SOURCE,
    LINK,
    MERGE,
    PROTECT,
    RESTORE,
    SOFT_DELETE,
    UNLINK,
    UPDATE_INCIDENT,
    audit_log,
    cite,
    gql,
    refused,
    snapshot,
)


def _bad_cases(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    src = cite(ids)
    inc, state, person = ids["incident"], ids["state"], ids["person"]
    missing_state = make_id("State", "ZZ")
    return [
        (
            "date",
            CREATE_INCIDENT,
            {"input": {"ref": "N", "title": "t", "date": "yesterday"}, "source": src},
        ),
        ("title", CREATE_INCIDENT, {"input": {"ref": "N"}, "source": src}),
        ("ref", CREATE_INCIDENT, {"input": {"ref": "INC-1", "title": "dup"}, "source": src}),
        ("source", CREATE_INCIDENT, {"input": {"ref": "N", "title": "t"}, "source": {}}),
        (
            "source.id",
            CREATE_INCIDENT,
            {"input": {"ref": "N", "title": "t"}, "source": {"id": make_id("Source", "nowhere")}},
        ),
        (
            "source.id",
            CREATE_INCIDENT,
            {"input": {"ref": "N", "title": "t"}, "source": {"id": inc}},
        ),
        (
            "source.new.url",
            CREATE_INCIDENT,
            {"input": {"ref": "N", "title": "t"}, "source": {"new": {"title": "no document"}}},
        ),
        (
            "source.confidence",
            CREATE_INCIDENT,
            {"input": {"ref": "N", "title": "t"}, "source": {"id": ids["s1"], "confidence": 2}},
        ),
        ("name", CREATE_PERSON, {"input": {"birthDate": "1980"}, "source": src}),
        (
            "birthDate",
            CREATE_PERSON,
            {"input": {"name": "P", "birthDate": "1980-02-30"}, "source": src},
        ),
        ("url", CREATE_SOURCE, {"input": {"title": "no document"}}),
        (
            "id",
            UPDATE_INCIDENT,
            {"id": make_id("Incident", "nope"), "patch": {"title": "t"}, "source": src},
        ),
        ("id", UPDATE_INCIDENT, {"id": person, "patch": {"title": "t"}, "source": src}),
        ("date", UPDATE_INCIDENT, {"id": inc, "patch": {"date": "2024-13"}, "source": src}),
        ("title", UPDATE_INCIDENT, {"id": inc, "patch": {"title": None}, "source": src}),
        ("ref", UPDATE_INCIDENT, {"id": inc, "patch": {"ref": "INC-9"}, "source": src}),
        ("source", UPDATE_INCIDENT, {"id": inc, "patch": {"title": "t"}, "source": {}}),
        ("relation", LINK, {"relation": "LIKES", "from": inc, "to": state, "source": src}),
        ("to", LINK, {"relation": "ORIGIN_STATE", "from": inc, "to": person, "source": src}),
        ("from", LINK, {"relation": "ORIGIN_STATE", "from": state, "to": state, "source": src}),
        ("to", LINK, {"relation": "ORIGIN_STATE", "from": inc, "to": missing_state, "source": src}),
        ("to", LINK, {"relation": "ORIGIN_STATE", "from": inc, "to": "nothing", "source": src}),
        (
            "properties.nope",
            LINK,
            {
                "relation": "ORIGIN_STATE",
                "from": inc,
                "to": state,
                "properties": {"nope": 1},
                "source": src,
            },
        ),
        (
            "properties.start",
            LINK,
            {
                "relation": "ORIGIN_STATE",
                "from": inc,
                "to": state,
                "properties": {"start": "soon"},
                "source": src,
            },
        ),
        ("source", LINK, {"relation": "ORIGIN_STATE", "from": inc, "to": state, "source": {}}),
        ("to", UNLINK, {"relation": "ORIGIN_STATE", "from": inc, "to": state, "reason": "r"}),
        ("reason", UNLINK, {"relation": "ORIGIN_STATE", "from": inc, "to": state, "reason": " "}),
        ("judgement", MERGE, {"left": person, "right": ids["person2"], "judgement": "maybe"}),
        ("right", MERGE, {"left": person, "right": ids["vendor"], "judgement": "match"}),
        (
            "right",
            MERGE,
            {"left": person, "right": make_id("Person", "ghost", None), "judgement": "match"},
        ),
        ("personId", PROTECT, {"id": inc, "protected": True, "reason": "r"}),
        (
            "personId",
            PROTECT,
            {"id": make_id("Person", "ghost", None), "protected": True, "reason": "r"},
        ),
        ("reason", PROTECT, {"id": person, "protected": True, "reason": ""}),
        ("id", SOFT_DELETE, {"id": make_id("Vendor", "ghost"), "reason": "r"}),
        ("id", SOFT_DELETE, {"id": "not-an-id", "reason": "r"}),
        ("reason", SOFT_DELETE, {"id": inc, "reason": ""}),
        ("id", RESTORE, {"id": inc, "reason": "it is not deleted"}),
    ]


def test_every_bad_input_is_a_field_level_error_that_changes_nothing(
    client: TestClient, empty_store: Store, ids: dict[str, str]
) -> None:
    cases = _bad_cases(ids)
    assert {q for _, q, _ in cases} == {
        CREATE_INCIDENT,
        CREATE_PERSON,
        CREATE_SOURCE,
        UPDATE_INCIDENT,
        LINK,
        UNLINK,
        MERGE,
        PROTECT,
        SOFT_DELETE,
        RESTORE,
    }
    before = snapshot(empty_store)
    for field, query, variables in cases:
        body = gql(client, query, "editor", **variables)
        error = refused(body, "BAD_USER_INPUT")
        assert error["extensions"]["field"] == field, (variables, error)
        assert error["message"] and "Unexpected" not in error["message"]
        assert snapshot(empty_store) == before, (field, variables)
    assert audit_log(client) == []
