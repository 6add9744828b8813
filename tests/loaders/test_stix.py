"""The STIX loader on Amnesty's Cytrox Predator bundle and on mangled bundles."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from graph.records import Rejected
from loaders import registry, stix
from tests.loaders.recordsets import edges_of, nodes_of
from tests.shared import shared_file

FILE = "amnesty_cytrox_predator.stix2"


def _bundle(tmp_path: Path, objects: list[Any]) -> Path:
    path = tmp_path / "b.stix2"
    path.write_text(
        json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}), encoding="utf-8"
    )
    return path


def test_registered() -> None:
    assert registry()["stix"].parse is stix.parse


def test_counts_match_the_bundle(caplog: pytest.LogCaptureFixture) -> None:
    path = shared_file(FILE)
    objects = json.loads(path.read_text(encoding="utf-8"))["objects"]
    indicators = [o for o in objects if o["type"] == "indicator"]
    relations = [
        o for o in objects if o["type"] == "relationship" and o["relationship_type"] == "indicates"
    ]
    with caplog.at_level(logging.WARNING, logger="loaders.stix"):
        records = list(stix.parse(path))
    assert [r for r in records if isinstance(r, Rejected)] == []
    assert len(indicators) == 343 and len(relations) == 343
    nodes = nodes_of(records, "Indicator")
    assert len(nodes) == len({o["pattern"] for o in indicators})
    assert len(edges_of(records, "INDICATES")) == len(relations)
    kinds = [n.props["kind"] for n in nodes.values()]
    assert kinds.count("domain-name") == sum(
        o["pattern"].startswith("[domain-name:") for o in indicators
    )
    assert kinds.count("file") == 6
    (product,) = nodes_of(records, "Product").values()
    assert (product.props["name"], product.props["vendor"], product.props["is_spyware"]) == (
        "Predator",
        "Cytrox",
        True,
    )
    assert [v.props["name"] for v in nodes_of(records, "Vendor").values()] == ["Cytrox"]
    assert len(nodes_of(records, "Source")) == 1
    assert all(
        r.provenance.locator.startswith("object ")
        for r in records
        if not isinstance(r, Rejected) and r.type != "Source"
    )
    # The non-standard object type is kept, with a warning.
    odd = [n for n in nodes.values() if n.props["kind"] == "configuration-profile"]
    assert len(odd) == 1 and odd[0].props["value"] == "76DAB334-7E17-475D-A5D6-0794EB5818A5"
    assert any("configuration-profile" in m for m in caplog.messages)


def test_a_domain_indicator_in_full() -> None:
    records = list(stix.parse(shared_file(FILE)))
    node = next(
        n for n in nodes_of(records, "Indicator").values() if n.props["value"] == "shortenurls.me"
    )
    assert node.props == {
        "pattern": "[domain-name:value='shortenurls.me']",
        "pattern_type": "stix",
        "kind": "domain-name",
        "value": "shortenurls.me",
        "indicator_types": ["malicious-activity"],
        "valid_from": "2023-07-28",
        "stix_id": "indicator--34655650-3d18-47b5-bb6c-b9bdb7b26203",
    }


def test_vendor_from_an_identity_relationship(tmp_path: Path) -> None:
    path = _bundle(
        tmp_path,
        [
            {"type": "malware", "id": "malware--1", "name": "DevilsTongue"},
            {
                "type": "identity",
                "id": "identity--1",
                "name": "Saito Tech",
                "identity_class": "organization",
            },
            {
                "type": "identity",
                "id": "identity--2",
                "name": "Amnesty Tech",
                "identity_class": "organization",
            },
            {
                "type": "relationship",
                "id": "relationship--1",
                "relationship_type": "authored-by",
                "source_ref": "malware--1",
                "target_ref": "identity--1",
            },
        ],
    )
    records = list(stix.parse(path))
    (product,) = nodes_of(records, "Product").values()
    assert product.props["vendor"] == "Candiru"
    assert [o.props["name"] for o in nodes_of(records, "Organization").values()] == ["Amnesty Tech"]
    assert len(edges_of(records, "MAKES")) == 1


def test_mangled_objects_are_rejected_one_by_one(tmp_path: Path) -> None:
    path = _bundle(
        tmp_path,
        [
            {"type": "tool", "id": "tool--1", "name": "Unknown Tool", "x_vendor": "Acme"},
            {
                "type": "indicator",
                "id": "indicator--1",
                "pattern": "[url:value = 'http://x.example/']",
                "valid_from": "yesterday",
            },
            {
                "type": "indicator",
                "id": "indicator--2",
                "pattern": "not a pattern",
                "pattern_type": "stix",
            },
            {"type": "indicator", "id": "indicator--3"},
            {
                "type": "indicator",
                "id": "indicator--4",
                "pattern": "rule x { condition: true }",
                "pattern_type": "yara",
            },
            {"type": "indicator", "pattern": "[file:name='a']"},
            {
                "type": "relationship",
                "id": "relationship--1",
                "relationship_type": "indicates",
                "source_ref": "indicator--1",
                "target_ref": "tool--1",
            },
            {
                "type": "relationship",
                "id": "relationship--2",
                "relationship_type": "indicates",
                "source_ref": "indicator--9",
                "target_ref": "tool--1",
            },
            {
                "type": "relationship",
                "id": "relationship--3",
                "relationship_type": "indicates",
                "source_ref": "indicator--2",
                "target_ref": "tool--1",
            },
        ],
    )
    records = list(stix.parse(path))
    rejected = {(r.file, r.location, r.field) for r in records if isinstance(r, Rejected)}
    assert rejected == {
        ("b.stix2", "objects[5]", "id"),
        ("b.stix2", "object indicator--1", "valid_from"),
        ("b.stix2", "object indicator--2", "pattern"),
        ("b.stix2", "object indicator--3", "pattern"),
        ("b.stix2", "object relationship--2", "source_ref"),
    }
    nodes = nodes_of(records, "Indicator")
    assert {n.props["stix_id"] for n in nodes.values()} == {"indicator--1", "indicator--4"}
    url = next(n for n in nodes.values() if n.props["stix_id"] == "indicator--1")
    assert (url.props["kind"], url.props["value"], url.props["valid_from"]) == (
        "url",
        "http://x.example/",
        None,
    )
    (product,) = nodes_of(records, "Product").values()
    assert product.props["vendor"] == "Acme"
    assert len(edges_of(records, "INDICATES")) == 1


def test_a_file_that_is_not_json_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.stix2"
    path.write_text('{"type": "bundle",\n "objects": [\n {"type": }\n]}', encoding="utf-8")
    (rejected,) = list(stix.parse(path))
    assert isinstance(rejected, Rejected) and rejected.location == "line 3"
    assert rejected.message.startswith("not JSON")
    path.write_text('{"hello": 1}', encoding="utf-8")
    (rejected,) = list(stix.parse(path))
    assert isinstance(rejected, Rejected) and "not a STIX bundle" in rejected.message
