"""Helpers shared by the loaders: file sources, CSV rows with line numbers, states."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from graph.records import Node, Provenance, source_node
from loaders.countries import Country, aliases_of, resolve_country

DATASETS_FILE = Path(__file__).resolve().parent.parent / "data" / "datasets.yaml"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def known_datasets() -> list[dict[str, Any]]:
    """Descriptions of known third-party files (data/datasets.yaml), matched by sha256."""
    if not DATASETS_FILE.exists():
        return []
    with DATASETS_FILE.open(encoding="utf-8") as fh:
        return list(yaml.safe_load(fh).get("datasets", []))


def dataset_entry(path: Path) -> dict[str, Any] | None:
    """The data/datasets.yaml entry of this file (matched by sha256 prefix), or None."""
    digest = sha256_of(path)
    for entry in known_datasets():
        if digest.startswith(str(entry.get("sha256", "-"))):
            return entry
    return None


def dataset_facts(path: Path) -> dict[str, str]:
    """The file-level facts a known dataset's entry states (`facts:`, e.g. its product),
    each backed by the entry's `facts_basis`; {} for a file that is not a known dataset."""
    entry = dataset_entry(path)
    facts = (entry or {}).get("facts") or {}
    return {str(k): str(v) for k, v in facts.items() if v}


def file_source(path: Path, title: str, kind: str = "dataset", **props: Any) -> Node:
    """The Source node for a loaded file: its name, sha256, and what is known of it.

    A file listed in data/datasets.yaml (by sha256 prefix) gets that entry's title,
    publisher, URL, licence and date; any other file is described by its name.
    """
    digest = sha256_of(path)
    meta: dict[str, Any] = {}
    for entry in known_datasets():
        if digest.startswith(str(entry.get("sha256", "-"))):
            meta = {
                k: entry[k] for k in ("title", "publisher", "url", "licence", "date") if k in entry
            }
            break
    retrieved = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date().isoformat()
    base = {"kind": kind, "file": path.name, "sha256": digest, "retrieved": retrieved}
    return source_node(
        f"file:{path.name}#sha256:{digest[:16]}",
        meta.pop("title", title),
        **{**base, **meta, **props},
    )


def csv_rows(path: Path, **fmt: Any) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; the line is where the row starts in the file."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, **fmt)
        _ = reader.fieldnames  # reads the header, so line_num counts it
        line = reader.line_num + 1
        for row in reader:
            yield (
                line,
                {(k or "").strip(): (v if isinstance(v, str) else "") for k, v in row.items()},
            )
            line = reader.line_num + 1


def state_node(c: Country, prov: Provenance, *extra_aliases: str) -> Node:
    """The State node of a resolved country, with its canonical name and known aliases."""
    aliases = [*aliases_of(c.code), *(a for a in extra_aliases if a)]
    props: dict[str, Any] = {
        "code": c.code,
        "alpha3": c.alpha3,
        "name": c.name,
        "aliases": aliases,
        "eu_member": c.eu_member,
    }
    if c.official_name:
        props["official_name"] = c.official_name
    return Node("State", props, prov)


def state_for(text: str | None, prov: Provenance) -> Node | None:
    """The State node a free-text country name refers to, or None when it resolves to none."""
    c = resolve_country(text)
    return state_node(c, prov, text.strip()) if c and text else None
