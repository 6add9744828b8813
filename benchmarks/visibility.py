"""What the people-at-risk rule costs: the same GraphQL queries as `public` and as `analyst`.

    python -m benchmarks.visibility [--repeat 15] [--no-bulk]

A fresh embedded engine in a temporary directory gets the full shared data (every file of
../shared/data, loaded through the loaders and the writer, no entity resolution), then a
real uvicorn server on 127.0.0.1 answers each query R times as `public` (no key) and as
`analyst`, interleaved, who goes first alternating (the second of two alike requests finds
the engine warm), once the server's start-up work (the search index) is done; the figure is the ratio of the medians (public / analyst). The cost of
reading what the public may not see (graph/visibility.py `Hidden.load`, done once
per change of the graph and cached) is measured beside it. The target is 1.2 at most.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
KEY = "bench-analyst-key-0123456789"
#: (loader, file) of the full shared data, in the order a user would load it.
FILES = (
    ("curated", ROOT / "data" / "curated"),
    ("spyware-victims", SHARED / "data-pegasus-victims.csv"),
    ("spyfiles-documents", SHARED / "spyfiles_leaked_company_documents.csv"),
    ("finfisher-customers", SHARED / "spyfiles_customers_of_finfisher.csv"),
    ("stix", SHARED / "amnesty_cytrox_predator.stix2"),
    ("eu-sanctions", SHARED / "eu_sanctions_merged_dataset_20220913.csv"),
    ("uk-export-licences", SHARED / "uk_export_licence_values_2008-2015.csv"),
)
QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "5A001 licences, page + totalCount": (
        'query { exportLicences(first: 20, filter: {controlCode: {eq: "5A001"}}) '
        "{ totalCount edges { node { id value decision } } } }",
        {},
    ),
    "persons, page + totalCount": (
        "query { persons(first: 50) { totalCount edges { node { id label roles } } } }",
        {},
    ),
    "persons by position (masked field)": (
        "query { persons(first: 20, orderBy: {field: POSITION}) { edges { cursor node { id label } } } }",
        {},
    ),
    "incidents with targets and sources": (
        "query { incidents(first: 50) { edges { node { id label year targeted { node { id label } } "
        "sources { title } } } } }",
        {},
    ),
    "sources by title": (
        "query { sources(first: 50, orderBy: {field: TITLE}) { edges { node { id title url } } } }",
        {},
    ),
    "search": ('query { search(text: "Gamma Group") { id label } }', {}),
    "neighbourhood of Mexico, depth 1": (
        "query($id: ID!) { neighbourhood(id: $id, depth: 1, limit: 500) { nodes { id label } "
        "edges { id type } } }",
        {"id": "MX"},
    ),
    "sanctionsCoverage by origin": (
        "query { sanctionsCoverage(by: ORIGIN) { groups { key incidents } } }",
        {},
    ),
}


@dataclass
class Row:
    name: str
    public_ms: float
    analyst_ms: float

    @property
    def ratio(self) -> float:
        return self.public_ms / self.analyst_ms if self.analyst_ms else float("nan")


def load_all(store: Any, bulk: bool) -> dict[str, float]:
    from graph.writer import Writer
    from loaders import registry

    specs = registry()
    took: dict[str, float] = {}
    for name, path in FILES:
        if not path.exists() or (not bulk and name == "uk-export-licences"):
            continue
        started = time.perf_counter()
        Writer(store).write(specs[name].parse(path))
        took[name] = time.perf_counter() - started
        print(f"  loaded {name} in {took[name]:.1f} s", flush=True)
    return took


def settle(timeout: float = 120.0) -> None:
    """Wait for the server's start-up work (the search index it builds on a thread of its own)
    so that it does not share the two cores with the first queries measured."""
    import threading

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
        t.name.startswith("tnr-search") for t in threading.enumerate()
    ):
        time.sleep(0.2)


def measure(base: str, repeat: int, ids: dict[str, str]) -> list[Row]:
    rows = []
    settle()
    with httpx.Client(base_url=base, timeout=120) as client:

        def ask(query: str, variables: dict[str, Any], key: str | None) -> float:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            started = time.perf_counter()
            r = client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            took = time.perf_counter() - started
            body = r.json()
            if r.status_code != 200 or body.get("errors"):
                raise RuntimeError(f"{query[:60]}: {r.status_code} {body.get('errors')}")
            return took

        for name, (query, variables) in QUERIES.items():
            given = {k: ids.get(v, v) for k, v in variables.items()}
            ask(query, given, None)
            ask(query, given, KEY)  # warm: caches, the engine's plans
            public, analyst = [], []
            for i in range(repeat):  # who goes first alternates: the second of two alike
                if i % 2:  # requests finds the engine's caches warm
                    analyst.append(ask(query, given, KEY))
                    public.append(ask(query, given, None))
                else:
                    public.append(ask(query, given, None))
                    analyst.append(ask(query, given, KEY))
            rows.append(
                Row(name, statistics.median(public) * 1000, statistics.median(analyst) * 1000)
            )
            print(
                f"  {name}: public {rows[-1].public_ms:.1f} ms, analyst "
                f"{rows[-1].analyst_ms:.1f} ms, ratio {rows[-1].ratio:.2f}",
                flush=True,
            )
    return rows


def run(repeat: int, bulk: bool) -> tuple[list[Row], dict[str, float], float, dict[str, int]]:
    os.environ.setdefault("TNR_REDACTION_KEY", "benchmark-key")
    from api.app import create_app
    from graph.hidden import Hidden
    from graph.ids import make_id
    from graph.settings import Settings
    from graph.store import Store
    from tests.servers import running

    with tempfile.TemporaryDirectory(prefix="tnr-bench-vis-") as tmp:
        env = {**os.environ, "TNR_DATA_DIR": tmp, "TNR_API_KEYS": f"analyst:{KEY}"}
        env.pop("NEO4J_URI", None)
        env.setdefault("TNR_ENGINE_HEAP", "2g")
        settings = Settings.from_env(env)
        store = Store.open(settings)
        try:
            store.ensure_schema()
            took = load_all(store, bulk)
            started = time.perf_counter()
            hidden = Hidden.load(store)
            load_s = time.perf_counter() - started
            sizes = {
                "redacted": len(hidden.redacted),
                "tied": len(hidden.tied),
                "withheld sources": len(hidden.sources),
                "mentioning": len(hidden.mentioning),
            }
            ids = {"MX": make_id("State", "MX")}
            with running(create_app(settings, store)) as base:
                rows = measure(base, repeat, ids)
        finally:
            store.close()
    return rows, took, load_s, sizes


def report(rows: list[Row], took: dict[str, float], load_s: float, sizes: dict[str, int]) -> str:
    lines = [
        "| query | public p50 (ms) | analyst p50 (ms) | public / analyst |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r.name} | {r.public_ms:.1f} | {r.analyst_ms:.1f} | {r.ratio:.2f} |" for r in rows
    ]
    worst = max(r.ratio for r in rows)
    lines += [
        "",
        f"Worst ratio {worst:.2f} (target: at most 1.2). Reading what the public may not "
        f"see (once per change of the graph, then cached): {load_s * 1000:.0f} ms for "
        + ", ".join(f"{v} {k}" for k, v in sizes.items())
        + ".",
        "Data: " + ", ".join(f"{k} ({v:.0f} s)" for k, v in took.items()) + ".",
    ]
    return "\n".join(lines)


HEADING = "## The public role against the analyst (benchmarks/visibility.py)"


def section(rows: list[Row], took: dict[str, float], load_s: float, sizes: dict[str, int]) -> str:
    intro = (
        "Every shared file loaded without resolution into a fresh embedded engine; the same "
        "GraphQL query over HTTP as `public` (no key) and as `analyst`, interleaved (who "
        "goes first alternates), the median of each."
    )
    return f"{HEADING}\n\n{intro}\n\n{report(rows, took, load_s, sizes)}"


def update(path: Path, text: str) -> None:
    """Put the section into the Markdown file at `path`, in place of the one it had."""
    from benchmarks.sections import update as replace_section

    replace_section(path, text, HEADING)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-bulk", action="store_true", help="leave out the 96k UK licences")
    parser.add_argument("--out", type=Path, default=None, help="update this file's section")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    text = section(*run(args.repeat, not args.no_bulk))
    print(text)
    if args.out is not None:
        update(args.out, text)


if __name__ == "__main__":
    main()
