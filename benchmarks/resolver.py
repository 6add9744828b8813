"""Blocked resolver vs a naive double loop vs rapidfuzz.process.cdist, on the EU sanctions names.

    python -m benchmarks.resolver [--file PATH] [--sample N]

Every name and alias of the EU consolidated list (read with csv) is one
candidate. The naive loop and cdist are timed on a sample of the names (all
pairs of the full list would take minutes) and reported as pairs per second;
the blocked resolver runs on the full list. Recall is measured against the
known pairs: a non-Latin `Naal_wholename` and the Latin `wholeName`s of the
same entity. All figures are ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import ast
import csv
import random
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from graph.compare import Candidate
from graph.resolve import Resolver

DEFAULT_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "eu_sanctions_merged_dataset_20220913.csv"
)


def _latin(text: str) -> bool:
    return not any(ord(c) > 0x24F and c.isalpha() for c in text)


def read_names(
    path: Path, every: int = 1
) -> tuple[list[Candidate], list[tuple[str, list[str]]]]:
    """Person candidates (one per distinct name of each entity) and the known script pairs.

    With `every` > 1, only every `every`-th row of the list is read (a smaller list that
    still spans the whole file).
    """
    cands: list[Candidate] = []
    gold: list[tuple[str, list[str]]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for number, row in enumerate(csv.DictReader(fh)):
            if number % every:
                continue
            eid = row["Entity_logical_id...2"]
            if row["Subject_type"] != "P" or eid in ("", "NA"):
                continue
            raw = row["nameAlias"]
            aliases = ast.literal_eval(raw) if raw not in ("", "NA") else []
            names = [row["Naal_wholename"].strip()] + [
                str(a.get("wholeName", "")).strip() for a in aliases
            ]
            born = row["Birt_date"] if row["Birt_date"] not in ("", "NA") else None
            ids: dict[str, str] = {}
            for n in names:
                if n and n != "NA" and n not in ids:
                    ids[n] = f"person_{len(cands):06d}"
                    cands.append(Candidate(ids[n], "Person", n, (), born))
            first = names[0]
            if first in ids and not _latin(first):
                latin = [i for n, i in ids.items() if _latin(n)]
                if latin:
                    gold.append((ids[first], latin))
    return cands, gold


def measure(path: Path, sample_size: int, every: int = 1) -> dict[str, float]:
    """The three methods' rates and the blocked resolver's recall, measured in this run
    (on every `every`-th row of the list)."""
    cands, gold = read_names(path, every)
    n = len(cands)
    all_pairs = n * (n - 1) // 2
    resolver = Resolver("Person")

    t0 = time.perf_counter()
    decisions = resolver.resolve(cands)
    blocked_s = time.perf_counter() - t0
    found = {d.pair: d.judgement for d in decisions}

    def recall(judgements: set[str]) -> float:
        ok = sum(
            1
            for x, ys in gold
            if any(found.get((min(x, y), max(x, y)), "") in judgements for y in ys)
        )
        return ok / len(gold) if gold else 0.0

    sample = random.Random(7).sample(cands, min(sample_size, n))
    m = len(sample)
    sample_pairs = m * (m - 1) // 2
    naive = Resolver("Person")
    t0 = time.perf_counter()
    for i in range(m):
        for j in range(i + 1, m):
            naive.compare(sample[i], sample[j])
    naive_s = time.perf_counter() - t0

    names = [c.name for c in sample]
    t0 = time.perf_counter()
    process.cdist(names, names, scorer=fuzz.token_sort_ratio, processor=str.casefold, workers=1)
    cdist_s = time.perf_counter() - t0

    blocked_rate = resolver.pairs_scored / blocked_s
    naive_rate = sample_pairs / naive_s
    cdist_rate = m * m / cdist_s
    return {
        "names": n,
        "gold": len(gold),
        "all_pairs": all_pairs,
        "scored": resolver.pairs_scored,
        "dropped": resolver.blocks_dropped,
        "sample": m,
        "blocked_s": blocked_s,
        "blocked_rate": blocked_rate,
        "naive_rate": naive_rate,
        "cdist_rate": cdist_rate,
        # Time to cover all n*(n-1)/2 pairs at each method's rate (blocked: only its blocks).
        "naive_full_s": all_pairs / naive_rate,
        "cdist_full_s": all_pairs * 2 / cdist_rate,
        "recall_match": recall({"match"}),
        "recall_unsure": recall({"match", "unsure"}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--sample", type=int, default=1500, help="names for the all-pairs methods")
    args = parser.parse_args()
    r = measure(args.file, args.sample)
    blocked_s = r["blocked_s"]
    rows = [
        ("blocked resolver (full list)", f"{r['blocked_rate']:,.0f}", f"{blocked_s:.1f} s", "1.00"),
        ("naive double loop, same comparators", f"{r['naive_rate']:,.0f}",
         f"{r['naive_full_s']:.0f} s (est.)", f"{r['naive_full_s'] / blocked_s:.1f}"),
        ("rapidfuzz cdist token_sort (1 thread)", f"{r['cdist_rate']:,.0f}",
         f"{r['cdist_full_s']:.1f} s (est.)", f"{r['cdist_full_s'] / blocked_s:.2f}"),
    ]  # fmt: skip
    all_pairs = r["all_pairs"]
    print(f"{r['names']:.0f} person names ({r['gold']:.0f} known script pairs); "
          f"{all_pairs:,.0f} pairs in all")  # fmt: skip
    print(f"blocking scored {r['scored']:,.0f} pairs = {r['scored'] / all_pairs:.2%} "
          f"of all pairs ({r['dropped']:.0f} oversized blocks dropped)")  # fmt: skip
    print(f"naive and cdist timed on a sample of {r['sample']:.0f} names\n")
    print(f"{'method':40} {'pairs/s':>12} {'time for the list':>20} {'x blocked':>10}")
    for row in rows:
        print(f"{row[0]:40} {row[1]:>12} {row[2]:>20} {row[3]:>10}")
    print(f"\nrecall on known pairs: match {r['recall_match']:.3f}, "
          f"match or unsure {r['recall_unsure']:.3f}")  # fmt: skip
    print(
        "cdist only scores names: it has no transliteration, veto or decision, so no recall here."
    )


if __name__ == "__main__":
    main()
