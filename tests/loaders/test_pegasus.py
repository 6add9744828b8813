"""The spyware-victims loader on the real Pegasus file and on mangled copies (no database)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from graph.records import Edge, Node, Provenance, Rejected
from graph.vocabulary import EXPLOITS
from loaders import pegasus, registry
from loaders.common import state_node
from loaders.countries import country
from tests.loaders.recordsets import csv_dicts, edges_of, nodes_of
from tests.shared import shared_file

FILE = "data-pegasus-victims.csv"
HEADER = (
    "name,code_name,role,affiliation,occurred,disclosed,disclosed_by,forensics_by,pegasus_project,"
    "tech_notified,device_type,attack_result,lockdown_bypass,attack_vector,exploit_name,"
    "first_activity,last_activity,operator,sources"
)


def test_registered() -> None:
    assert registry()["spyware-victims"].parse is pegasus.parse


def test_counts_match_the_file() -> None:
    path = shared_file(FILE)
    rows = csv_dicts(path)
    records = list(pegasus.parse(path))
    assert [r for r in records if isinstance(r, Rejected)] == []
    operators = [[o.strip() for o in r["operator"].split(";") if o.strip()] for r in rows]
    urls = {u.strip() for r in rows for u in r["sources"].split(";") if u.strip()}
    assert len(rows) == 129
    assert len(nodes_of(records, "Incident")) == len(rows)
    assert len(nodes_of(records, "Person")) == len({r["name"] or r["code_name"] for r in rows})
    assert len(nodes_of(records, "State")) == len({o for ops in operators for o in ops}) == 8
    assert len(edges_of(records, "ORIGIN_STATE")) == sum(len(ops) for ops in operators)
    assert len(edges_of(records, "OPERATED_BY")) == 8
    assert len(edges_of(records, "TARGETED")) == len(rows)
    assert (
        len(edges_of(records, "USED_PRODUCT")) == len(edges_of(records, "USED_TACTIC")) == len(rows)
    )
    assert len(nodes_of(records, "Source")) == len(urls) + 1
    (product,) = nodes_of(records, "Product").values()
    assert product.props["name"] == "Pegasus" and product.props["vendor"] == "NSO Group"
    assert [v.props["name"] for v in nodes_of(records, "Vendor").values()] == ["NSO Group"]
    assert [t.props["code"] for t in nodes_of(records, "Tactic").values()] == ["spyware"]
    # The file Source comes before any fact, and every fact's source before the fact.
    seen: set[str] = set()
    for r in records:
        if isinstance(r, Node) and r.type == "Source":
            seen.add(r.id)
        elif not isinstance(r, Rejected):
            assert r.provenance.source_id in seen


def test_first_row_is_line_two_and_dates_keep_their_known_part() -> None:
    path = shared_file(FILE)
    rows = csv_dicts(path)
    incidents = {n.props["ref"]: n for n in nodes_of(pegasus.parse(path), "Incident").values()}  # type: ignore[arg-type]
    first = incidents["data-pegasus-victims:line-2"]
    assert first.props["date"] == rows[0]["first_activity"]
    assert first.props["year"] == int(rows[0]["occurred"])
    assert first.props["verification"] == "reported"
    partial = [i for i, r in enumerate(rows) if r["first_activity"].endswith("-xx")]
    assert partial
    got = incidents[f"data-pegasus-victims:line-{partial[0] + 2}"].props["date"]
    assert got == rows[partial[0]]["first_activity"][:7]


def test_a_row_with_two_operators_has_two_origin_states() -> None:
    path = shared_file(FILE)
    rows = csv_dicts(path)
    records = list(pegasus.parse(path))
    (i,) = [i for i, r in enumerate(rows) if ";" in r["operator"]]
    incident = Node(
        "Incident", {"ref": f"data-pegasus-victims:line-{i + 2}", "title": "x"}, Provenance("s")
    )
    origins = {t for s, t in edges_of(records, "ORIGIN_STATE") if s == incident.id}
    codes = {st.props["code"] for st in nodes_of(records, "State").values() if st.id in origins}
    assert codes == {"MX", "SV"}
    blank = [i for i, r in enumerate(rows) if not r["operator"].strip()]
    assert len(blank) == 51
    ref = f"data-pegasus-victims:line-{blank[0] + 2}"
    empty = Node("Incident", {"ref": ref, "title": "x"}, Provenance("s"))
    assert not any(s == empty.id for s, _ in edges_of(records, "ORIGIN_STATE"))


def test_uae_is_the_state_of_its_iso_code() -> None:
    records = list(pegasus.parse(shared_file(FILE)))
    uae = state_node(country("AE"), Provenance("x"))
    assert uae.id in nodes_of(records, "State")


def test_target_names_stay_out_of_incidents_and_sources() -> None:
    path = shared_file(FILE)
    names = [r["name"] for r in csv_dicts(path) if r["name"]]
    records = list(pegasus.parse(path))
    others = [n for n in records if isinstance(n, Node) and n.type != "Person"]
    for node in others:
        text = " ".join(str(v) for v in node.props.values()) + node.id
        for name in names:
            assert name not in text, (node.type, name)


def test_mangled_rows_are_reported_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "victims.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                ",USJRN1,Journalist,,2021,,,,,,,Successful,,,,2021-13-01,2021-02-xx,Atlantis,https://example.org/a",
                ",,Activist,,20x1,,,,,,,Attempted,,,,,,Mexico; El Salvador,not a url",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    records = list(pegasus.parse(path, product="Pegasus"))
    rejected = [(r.file, r.location, r.field) for r in records if isinstance(r, Rejected)]
    assert rejected == [
        ("victims.csv", "line 2", "operator"),
        ("victims.csv", "line 2", "first_activity"),
        ("victims.csv", "line 3", "occurred"),
        ("victims.csv", "line 3", "sources"),
    ]
    incidents = {n.props["ref"]: n.props for n in nodes_of(records, "Incident").values()}
    kept = incidents["victims:line-2"]
    assert "date" not in kept or kept["date"] is None
    assert kept["end_date"] == "2021-02" and kept["year"] == 2021
    # Code name only: the code name is the name and an alias, and said to be one.
    (person,) = nodes_of(records, "Person").values()
    assert person.props["name"] == "USJRN1" and person.props["aliases"] == ["USJRN1"]
    assert "code name" in person.props["description"]
    # No name at all: an incident without a Person.
    anonymous = incidents["victims:line-3"]
    assert anonymous["title"] == "Pegasus targeting of an unnamed activist (Mexico, El Salvador)"
    assert len(edges_of(records, "TARGETED")) == 1


def test_product_and_vendor_from_columns_or_arguments(tmp_path: Path) -> None:
    path = tmp_path / "candiru.csv"
    path.write_text(
        HEADER + ",product,vendor\nA B,,,,2021,,,,,,,,,,,,,,,DevilsTongue,Saito Tech\n",
        encoding="utf-8",
    )
    (prod,) = nodes_of(list(pegasus.parse(path)), "Product").values()
    assert (prod.props["name"], prod.props["vendor"]) == ("DevilsTongue", "Candiru")
    records = list(pegasus.parse(path, product="Predator", vendor="Intellexa"))
    (prod,) = nodes_of(records, "Product").values()
    assert (prod.props["name"], prod.props["vendor"]) == ("Predator", "Intellexa")
    assert Counter(n.props["name"] for n in nodes_of(records, "Vendor").values()) == {
        "Intellexa": 1
    }


def test_a_file_of_another_layout_is_rejected_whole(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    records = list(pegasus.parse(path))
    assert len(records) == 1 and isinstance(records[0], Rejected)
    assert records[0].field == "name"


# -- which spyware: stated, known by the file's provenance, inferred from the file, or refused --
def _predator_victims(tmp: Path) -> Path:
    """A victims file of another spyware (Predator) in the same layout, written here: fictional
    people, the operators and years of Citizen Lab's Predator report (2021-12-16), no
    product column, no exploit name the vocabulary knows."""
    path = tmp / "predator-victims.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                "Person A,,Journalist,,2021,2021-12-16,Citizen Lab,Citizen Lab,,,iPhone,Successful,,Link,,"
                "2021-06,2021-06,Egypt,https://citizenlab.ca/2021/12/pegasus-vs-predator-dissidents-doubly-infected-iphone-reveals-cytrox-mercenary-spyware/",
                "Person B,,Politician,,2021,2021-12-16,Citizen Lab,Citizen Lab,,,Android,Attempted,,Link,,"
                ",,Greece,https://citizenlab.ca/2021/12/pegasus-vs-predator-dissidents-doubly-infected-iphone-reveals-cytrox-mercenary-spyware/",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


def test_a_victims_file_of_another_spyware_is_refused_not_recorded_as_pegasus(
    tmp_path: Path,
) -> None:
    records = list(pegasus.parse(_predator_victims(tmp_path)))
    assert not [r for r in records if not isinstance(r, Rejected)], "nothing is recorded"
    (refusal,) = records
    assert isinstance(refusal, Rejected)
    assert (refusal.file, refusal.field) == ("predator-victims.csv", "product")
    assert "--product" in refusal.message


def test_the_product_given_is_recorded_and_pegasus_is_not(tmp_path: Path) -> None:
    records = list(pegasus.parse(_predator_victims(tmp_path), product="Predator"))
    assert not [r for r in records if isinstance(r, Rejected)]
    (prod,) = nodes_of(records, "Product").values()
    assert (prod.props["name"], prod.props["vendor"]) == ("Predator", "Cytrox")
    assert len(edges_of(records, "USED_PRODUCT")) == 2
    assert {t for _, t in edges_of(records, "USED_PRODUCT")} == {prod.id}


def test_the_cli_takes_product_and_vendor_and_refuses_without(
    tmp_path: Path, monkeypatch: object
) -> None:
    from cli.main import app

    path = _predator_victims(tmp_path)
    runner = CliRunner()
    refused = runner.invoke(
        app,
        ["load", "spyware-victims", str(path), "--no-resolve"],
        env={"TNR_DATA_DIR": str(tmp_path / "data"), "NEO4J_URI": ""},
    )
    assert refused.exit_code != 0
    assert "--product" in refused.output and "predator-victims.csv" in refused.output
    wrong = runner.invoke(
        app,
        ["load", "finfisher-customers", str(path), "--product", "X"],
        env={"TNR_DATA_DIR": str(tmp_path / "data"), "NEO4J_URI": ""},
    )
    assert wrong.exit_code != 0 and "--product" in wrong.output


def test_the_shared_file_is_pegasus_by_its_provenance_not_by_a_default(tmp_path: Path) -> None:
    shared = shared_file(FILE)
    records = list(pegasus.parse(shared))
    assert {p.props["name"] for p in nodes_of(records, "Product").values()} == {"Pegasus"}
    file_source = records[0]
    assert isinstance(file_source, Node) and file_source.props.get("sha256")
    used = [
        r
        for r in records
        if isinstance(r, Edge)
        and r.type == "USED_PRODUCT"
        and r.provenance.source_id == file_source.id
    ]
    assert used and all("data/datasets.yaml" in r.provenance.locator for r in used)
    # The same rows in a copy (one byte more) are no longer the known dataset: only the rows
    # whose exploit names the vocabulary attributes to Pegasus keep it, each said to be inferred.
    rows = csv_dicts(shared)
    copy = tmp_path / "victims-copy.csv"
    copy.write_bytes(shared.read_bytes() + b"\n")
    records = list(pegasus.parse(copy))
    known = {e.casefold() for e in EXPLOITS}
    evidenced = [
        r for r in rows if any(e.strip().casefold() in known for e in r["exploit_name"].split(";"))
    ]
    assert 0 < len(evidenced) < len(rows)
    assert len(nodes_of(records, "Incident")) == len(evidenced)
    missing = [r for r in records if isinstance(r, Rejected) and r.field == "product"]
    assert len(missing) == len(rows) - len(evidenced)
    inferred = [r for r in records if isinstance(r, Edge) and r.type == "USED_PRODUCT"]
    assert {r.provenance.confidence for r in inferred} == {pegasus.INFERRED_CONFIDENCE}
    assert all(
        "inferred from the exploit name" in (n.props["description"] or "")
        for n in nodes_of(records, "Incident").values()
    )


def test_the_scope_is_unknown_unless_the_file_says_where_the_target_lived(tmp_path: Path) -> None:
    records = list(pegasus.parse(shared_file(FILE)))
    scopes = Counter(n.props.get("scope") for n in nodes_of(records, "Incident").values())
    assert scopes == {"unknown": len(csv_dicts(shared_file(FILE)))}  # the operator, not the place
    path = tmp_path / "with-residence.csv"
    path.write_text(
        "\n".join(
            [
                HEADER + ",residence",
                "A,,Activist,,2018,,,,,,,,,,,,,Saudi Arabia,https://example.org/a,Canada",
                "B,,Journalist,,2018,,,,,,,,,,,,,Mexico,https://example.org/b,Mexico",
                "C,,Journalist,,2018,,,,,,,,,,,,,,https://example.org/c,Canada",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    got = {
        n.props["ref"]: n.props["scope"]
        for n in nodes_of(list(pegasus.parse(path, product="Pegasus")), "Incident").values()
    }
    assert got == {
        "with-residence:line-2": "transnational",
        "with-residence:line-3": "domestic",
        "with-residence:line-4": "unknown",
    }
