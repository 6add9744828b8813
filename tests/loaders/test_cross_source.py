"""Sources meet in one graph: the UAE of the Pegasus file, the UK licences, the EU
sanctions file and the seed documents is one State, citing all of them."""

from __future__ import annotations

import csv
from pathlib import Path

from graph.records import Provenance
from graph.store import Store
from graph.writer import Writer
from loaders import registry
from loaders.common import state_node
from loaders.countries import country
from tests.shared import shared_file


def _uk_slice(tmp: Path, countries: set[str], rows: int = 400) -> Path:
    """The first `rows` UK licence rows bound for `countries`, with the ratings file beside them."""
    src = shared_file("uk_export_licence_values_2008-2015.csv")
    out = tmp / "uk_export_licence_values_slice.csv"
    with (
        src.open(encoding="utf-8", newline="") as fh,
        out.open("w", encoding="utf-8", newline="") as oh,
    ):
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(oh, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        kept = 0
        for row in reader:
            if row["country"] in countries:
                writer.writerow(row)
                kept += 1
                if kept == rows:
                    break
    ratings = shared_file("uk_export_control_ratings.csv")
    (tmp / ratings.name).write_bytes(ratings.read_bytes())
    return out


def _eu_slice(tmp: Path) -> Path:
    """The EU sanctions rows of persons with Russian citizenship (a few hundred rows)."""
    src = shared_file("eu_sanctions_merged_dataset_20220913.csv")
    out = tmp / "eu_sanctions_ru_slice.csv"
    with (
        src.open(encoding="utf-8", newline="") as fh,
        out.open("w", encoding="utf-8", newline="") as oh,
    ):
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(oh, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        for row in reader:
            if (
                row["citizenship.countryDescription"] == "RUSSIAN FEDERATION"
                and row["Programme"] == "HR"
            ):
                writer.writerow(row)
    return out


def test_one_state_per_country_whatever_the_source(empty_store: Store, tmp_path: Path) -> None:
    loaders = registry()
    writer = Writer(empty_store)
    pegasus = shared_file("data-pegasus-victims.csv")
    uk = _uk_slice(tmp_path, {"United Arab Emirates", "Russia", "Mexico"})
    eu = _eu_slice(tmp_path)
    for name, path in [
        ("curated", Path("data/curated")),
        ("spyware-victims", pegasus),
        ("uk-export-licences", uk),
        ("eu-sanctions", eu),
    ]:
        summary = writer.write(loaders[name].parse(path))
        assert summary.total("created") > 0, name

    for code, spellings in {
        "AE": ("UAE", "United Arab Emirates"),
        "RU": ("Russia", "RUSSIAN FEDERATION"),
        "MX": ("Mexico",),
    }.items():
        rows = empty_store.read(
            "MATCH (s:State) WHERE s.code = $code OR any(a IN coalesce(s.aliases, []) WHERE a IN $names) "
            "RETURN s.id AS id, s.source_ids AS sources",
            code=code,
            names=list(spellings),
        )
        assert len(rows) == 1, f"{code}: {len(rows)} State nodes"
        assert rows[0]["id"] == state_node(country(code), Provenance("x")).id
        files = {
            r["file"]
            for r in empty_store.read(
                "MATCH (src:Source) WHERE src.id IN $ids RETURN src.file AS file",
                ids=rows[0]["sources"],
            )
        }
        refs = {
            r["ref"]
            for r in empty_store.read(
                "MATCH (src:Source) WHERE src.id IN $ids RETURN src.ref AS ref",
                ids=rows[0]["sources"],
            )
        }
        expected_files = {uk.name} | ({pegasus.name} if code in ("AE", "MX") else {eu.name})
        assert expected_files <= files, (code, files)
        assert any(ref.startswith("seed:") for ref in refs), (code, refs)

    # The licence, the spyware incident and the seed statistic all point at that one node.
    uae = state_node(country("AE"), Provenance("x")).id
    linked = {
        r["t"]
        for r in empty_store.read(
            "MATCH (n)-[r]->(s:State {id: $id}) RETURN DISTINCT type(r) AS t", id=uae
        )
    }
    assert {"DESTINATION", "ORIGIN_STATE", "ABOUT"} <= linked, linked
