"""Render every kind of briefing, for several subjects each, to PNG pages to look at.

    .venv/bin/python scripts/render_briefings.py OUT_DIR [--store DIR] [--role public]

The shared data (data/curated and every file of ../shared/data, through the loaders and
the writer, no entity resolution) is loaded into an embedded engine in a temporary
directory, or in `--store DIR` (loaded once: a second run with the same DIR reuses it).
Each briefing is written as PDF, HTML and its CSV appendix; each PDF page becomes a PNG
(`pdftoppm`, Debian's poppler-utils, when it is installed: `apt-get install poppler-utils`)
and the HTML page one tall PNG and its print layout page by page (chromium headless,
/usr/bin/chromium). The files go to OUT_DIR; nothing here is committed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: At least three subjects of each kind: an origin state, a host state, a vendor, a tactic.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "state": ("Russia", "Saudi Arabia", "Mexico", "United Kingdom"),
    "host": ("Poland", "Germany", "Turkey", "Lithuania"),
    "vendor": ("NSO Group", "Gamma Group", "Cytrox", "Hacking Team"),
    "tactic": ("Denial of Entry", "spyware", "Assassination"),
}
CHROMIUM = "/usr/bin/chromium"


def load(store: object, marker: Path) -> None:
    from benchmarks.visibility import FILES  # the full shared data, in the order a user loads it
    from graph.writer import Writer
    from loaders import registry

    if marker.exists():
        print(f"reusing the store loaded before ({marker})")
        return
    specs = registry()
    for name, path in FILES:
        if not path.exists():
            print(f"skipped {path}: not here")
            continue
        started = time.perf_counter()
        Writer(store, origin=str(path)).write(specs[name].parse(path))  # type: ignore[arg-type]
        print(f"loaded {path.name} in {time.perf_counter() - started:.0f}s", flush=True)
    marker.write_text("loaded\n")


def screenshot(html: Path, png: Path, width: int = 1000, height: int = 6000) -> None:
    """A full-length screenshot of an HTML page (chromium headless, no network)."""
    subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def html_pages(html: Path, stem: Path) -> None:
    """The HTML's print layout (chromium --print-to-pdf), page by page as PNG (pdftoppm)."""
    printed = stem.with_name(stem.name + "-html.pdf")
    subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={printed}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", str(printed), str(printed.with_suffix(""))],
            check=True,
            timeout=300,
        )


def pdf_pages(pdf: Path, stem: Path) -> int:
    """Each page of the PDF as a PNG (pdftoppm when the machine has it); the page count."""
    from pypdf import PdfReader

    pages = len(PdfReader(str(pdf)).pages)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", str(pdf), str(stem)], check=True, timeout=300
        )
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory for the PNG, PDF, HTML and CSV files")
    parser.add_argument("--store", type=Path, help="engine data directory (kept, reused)")
    parser.add_argument("--role", default="public", choices=("public", "analyst"))
    parser.add_argument("--kinds", default=",".join(SUBJECTS), help="comma-separated kinds")
    parser.add_argument("--no-html-png", action="store_true", help="skip the HTML screenshots")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("TNR_REDACTION_KEY", "render-briefings-key")
    from briefings import SubjectNotFound, build_briefing, render
    from briefings.to_csv import render_csv
    from graph.settings import Settings
    from graph.store import Store
    from graph.visibility import Role

    args.out.mkdir(parents=True, exist_ok=True)
    tmp = None
    if args.store is None:
        tmp = tempfile.TemporaryDirectory(prefix="tnr-render-")
        data_dir = Path(tmp.name)
    else:
        data_dir = args.store
        data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TNR_DATA_DIR": str(data_dir)}
    env.pop("NEO4J_URI", None)
    env.setdefault("TNR_ENGINE_HEAP", "2g")
    # The United Kingdom's briefing reads every UK licence (96,311 rows) in one query.
    env.setdefault("TNR_QUERY_TIMEOUT", "300")
    store = Store.open(Settings.from_env(env))
    role = Role.parse(args.role)
    try:
        store.ensure_schema()
        store.bind_ogm()
        load(store, data_dir / "render-briefings.loaded")
        for kind in args.kinds.split(","):
            for subject in SUBJECTS[kind]:
                stem = args.out / f"{kind}-{subject.lower().replace(' ', '-')}"
                started = time.perf_counter()
                try:
                    b = build_briefing(store, kind, subject, role, appendix=True)
                except SubjectNotFound as exc:
                    print(f"{kind} {subject}: {exc}", flush=True)
                    continue
                html = stem.with_suffix(".html")
                html.write_text(str(render(b, "html")), encoding="utf-8")
                pdf = stem.with_suffix(".pdf")
                data = render(b, "pdf")
                assert isinstance(data, bytes)
                pdf.write_bytes(data)
                stem.with_suffix(".csv").write_text(render_csv(b), encoding="utf-8")
                pages = pdf_pages(pdf, stem)
                if not args.no_html_png:
                    screenshot(html, stem.with_suffix(".png"))
                    html_pages(html, stem)
                print(
                    f"{kind} {subject}: {pages} PDF pages, {len(b.sections)} sections, "
                    f"{sum(len(t.rows) for t in b.appendix)} appendix rows "
                    f"({time.perf_counter() - started:.0f}s)",
                    flush=True,
                )
    finally:
        store.close()
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
