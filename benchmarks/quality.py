"""The serving benchmark's search quality: labelled queries from the data, precision at 5."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
EU = SHARED / "eu_sanctions_merged_dataset_20220913.csv"
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def labelled_queries(store: Any) -> list[tuple[str, str, str, set[str]]]:
    """(kind, query, expected id, relevant ids) from the data, not from the ranker.

    names: every vendor by its name; aliases: by each alias; other scripts: an EU listing
    by the Cyrillic form of its name (its reference is the entity's logical id);
    misspellings: a vendor's name with one letter of its longest word dropped. The relevant
    ids of a query are the expected one and every node that bears the same name.
    """
    from graph.vocabulary import fold

    vendors = store.read(
        "MATCH (v:Vendor) RETURN v.id AS id, v.name AS name, v.aliases AS aliases ORDER BY v.id"
    )
    same: dict[str, set[str]] = defaultdict(set)
    for nt in store.schema.nodes.values():
        if nt.admin_only or nt.internal:
            continue
        aliases = "n.aliases" if "aliases" in nt.properties else "[]"
        for r in store.read(
            f"MATCH (n:`{nt.name}`) RETURN n.id AS id, "
            f"n.`{nt.label_property}` AS name, {aliases} AS aliases"
        ):
            for name in [r["name"], *(r["aliases"] or [])]:
                if name:
                    same[fold(str(name))].add(r["id"])
    out: list[tuple[str, str, str, set[str]]] = []
    for v in vendors:
        out.append(("name", v["name"], v["id"], same[fold(v["name"])] | {v["id"]}))
        for alias in v["aliases"] or []:
            if len(fold(alias)) >= 4:
                out.append(("alias", alias, v["id"], same[fold(alias)] | {v["id"]}))
        words = v["name"].split()
        longest = max(words, key=len)
        if len(longest) >= 6:
            typo = v["name"].replace(longest, longest[:2] + longest[3:], 1)
            out.append(("misspelling", typo, v["id"], same[fold(v["name"])] | {v["id"]}))
    listings = {
        r["ref"]: (r["id"], r["name"])
        for r in store.read(
            "MATCH (l:SanctionListing) RETURN l.reference AS ref, l.id AS id, l.party_name AS name"
        )
    }
    cyrillic: dict[str, str] = {}
    if EU.exists():
        with EU.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                name = row["Naal_wholename"].strip()
                if CYRILLIC.search(name):
                    cyrillic.setdefault(row["Entity_logical_id...2"], name)
    scripts = 0
    for lid, name in sorted(cyrillic.items()):
        if lid in listings and (listings[lid][1] or "").isascii() and scripts < 40:
            listing, latin = listings[lid]
            out.append(("other script", name, listing, {listing} | same[fold(latin or "")]))
            scripts += 1
    return out


def search_quality(store: Any) -> dict[str, dict[str, float]]:
    from queries.search import SearchIndex

    index = SearchIndex(store).refresh()
    kinds: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for kind, query, expected, relevant in labelled_queries(store):
        hits = [h.id for h in index.search(query, limit=5)]
        found = len(set(hits) & relevant)
        kinds[kind]["p@5"].append(found / min(5, len(relevant)))
        kinds[kind]["top1"].append(float(bool(hits) and hits[0] in relevant))
        kinds[kind]["found@5"].append(float(expected in hits))
    return {
        k: {m: sum(v) / len(v) for m, v in ms.items()} | {"n": float(len(ms["p@5"]))}
        for k, ms in kinds.items()
    }
