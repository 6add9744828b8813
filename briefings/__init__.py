"""Briefings: a state, host state, vendor or tactic, from queries/, in Markdown,
HTML or PDF, footnoted with their sources and redacted for the caller's role."""

from __future__ import annotations

from graph.store import Store
from graph.visibility import Role

from .build import build_briefing
from .model import FORMATS, KINDS, Briefing
from .subject import SubjectNotFound


def render(briefing: Briefing, fmt: str) -> str | bytes:
    """The briefing as Markdown or HTML text, or PDF bytes."""
    if fmt == "md":
        from .to_markdown import render_markdown

        return render_markdown(briefing)
    if fmt == "html":
        from .to_html import render_html

        return render_html(briefing)
    if fmt == "pdf":
        from .to_pdf import render_pdf

        return render_pdf(briefing)
    raise ValueError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")


def briefing(
    store: Store,
    kind: str,
    subject: str,
    fmt: str = "md",
    role: Role = Role.PUBLIC,
    scope: str | None = None,
) -> str | bytes:
    """Build and render in one call."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    return render(build_briefing(store, kind, subject, role, scope=scope), fmt)


def briefing_with_appendix(
    store: Store,
    kind: str,
    subject: str,
    fmt: str = "md",
    role: Role = Role.PUBLIC,
    scope: str | None = None,
) -> tuple[str | bytes, str]:
    """The rendered briefing and its CSV appendix (row-level data), built once, through the
    role's View like every other part of the briefing."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    from .to_csv import render_csv

    built = build_briefing(store, kind, subject, role, appendix=True, scope=scope)
    return render(built, fmt), render_csv(built)


__all__ = [
    "FORMATS",
    "KINDS",
    "Briefing",
    "SubjectNotFound",
    "briefing",
    "briefing_with_appendix",
    "build_briefing",
    "render",
]
