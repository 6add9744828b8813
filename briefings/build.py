"""Builds a `Briefing` on a state, a host state, a vendor or a tactic from queries/.

Every count comes from a function of queries/ (the same the API and `tnr query`
call): incidents per year from `trends`, breakdowns by tactic, host and origin from
the groups of `coverage.sanctions_coverage` (intersected with the subject's
incidents), host collaboration from `hosts`, chains from `vendor_chains`, licences
from `licences`, the neighbourhood from `network`. The role decides what is shown:
below analyst, a person at risk is never named (graph/visibility.py), and a source whose
title or URL names one is shown without them.
"""

from __future__ import annotations

from dataclasses import replace

from graph.store import Store
from graph.visibility import Role, view
from queries.common import Sources, check_scope

from .incidents import build_incident_kind
from .model import KINDS, Briefing, Footnotes, Row, Table
from .scope import left_out
from .subject import Ctx, resolve_subject
from .vendor import build_vendor


def compact(table: Table) -> Table:
    """A table without its empty columns, and with a column that repeats one value on every
    row (of two or more) said once in the note instead."""
    if len(table.rows) < 2 or not table.columns:
        return table
    keep: list[int] = []
    said: list[str] = []
    for i, name in enumerate(table.columns):
        values = {r.cells[i] for r in table.rows}
        if values == {""}:
            continue
        if len(values) == 1 and i not in table.fixed and len(keep) + len(table.columns) - i > 1:
            said.append(f"{name}: {next(iter(values))}")
            continue
        keep.append(i)
    if len(keep) == len(table.columns):
        return table
    same = "; ".join(said) + "." if said else ""
    note = " ".join(x for x in (same, table.note or "") if x) or None
    numeric = tuple(keep.index(i) for i in table.numeric if i in keep)
    fixed = tuple(keep.index(i) for i in table.fixed if i in keep)
    rows = tuple(Row(tuple(r.cells[i] for i in keep), r.cites) for r in table.rows)
    return replace(
        table,
        columns=tuple(table.columns[i] for i in keep),
        rows=rows,
        note=note,
        numeric=numeric,
        fixed=fixed,
    )


def build_briefing(
    store: Store,
    kind: str,
    subject: str,
    role: Role = Role.PUBLIC,
    appendix: bool = False,
    scope: str | None = None,
) -> Briefing:
    """The briefing on `subject` (a name, code, alias or id) of `kind`, for `role`.

    `scope`: the incidents counted (queries.common: transnational unless asked otherwise;
    "all" for every scope); a vendor's documented uses are of every scope unless asked.
    `appendix`: keep the row-level data (licences, incidents) for the CSV appendix."""
    if kind not in KINDS:
        raise ValueError(f"unknown briefing kind {kind!r}; kinds are {', '.join(KINDS)}")
    chosen = check_scope(scope if scope is not None else ("all" if kind == "vendor" else None))
    node = resolve_subject(store, kind, subject)
    seen = view(store, role)
    ctx = Ctx(store, role, Footnotes(seen.source_ref), Sources(store), node, kind, chosen)
    if kind == "vendor":
        summary, sections, figures = build_vendor(ctx)
    else:
        summary, sections, figures = build_incident_kind(ctx)
    left = left_out(ctx, sections)
    sections = [replace(s, table=compact(s.table)) if s.table else s for s in sections]
    what = {
        "state": "transnational repression by",
        "host": "transnational repression in",
        "vendor": "the surveillance trade:",
        "tactic": "transnational repression:",
    }[kind]
    built = Briefing(
        kind=kind,
        subject_id=node.id,
        subject=node.label,
        role=role.name.lower(),
        title=f"Briefing on {what} {node.label}",
        summary=tuple(summary),
        sections=tuple(sections),
        sources=ctx.notes.sources(),
        figures=figures,
        scope=chosen,
        left_out=tuple(left),
        appendix=tuple(ctx.appendix) if appendix else (),
    )
    # Every renderer (Markdown, HTML with its SVG, PDF, the CSV appendix) starts from what
    # the role may see.
    shown: Briefing = seen.apply(built)
    return shown
