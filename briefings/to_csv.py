"""The CSV appendix of a briefing: the row-level data behind its aggregated tables.

The rows are the briefing's `appendix` tables, which went through the role's View with the
rest of the briefing (`View.apply` in build.py): a public appendix names nobody at risk.
Each table is one block: a `# title` line, a header row, its rows (with a `sources` column of
footnote numbers into the briefing), and a blank line before the next.
"""

from __future__ import annotations

import csv
import io

from .model import Briefing, runs


def _numbers(cites: tuple[int, ...]) -> str:
    return " ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs(cites))


def render_csv(b: Briefing) -> str:
    """The appendix as CSV text (only a comment line when the briefing has no row-level data)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    buf.write(f"# {b.title}: row-level data (role: {b.role})\n")
    for table in b.appendix:
        buf.write(f"# {table.title}\n")
        writer.writerow([*table.columns, "sources"])
        for row in table.rows:
            writer.writerow([*row.cells, _numbers(row.cites)])
        buf.write("\n")
    return buf.getvalue()
