"""`tnr brief state|vendor|tactic|host NAME`: a footnoted briefing in Markdown, HTML or PDF."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, fail, open_store
from graph.settings import Settings
from graph.visibility import Role

brief_app = typer.Typer(
    help="Write a briefing on a state, host state, vendor or tactic (numbers from queries/, "
    "every claim footnoted with its sources).",
    no_args_is_help=True,
)


class Format(StrEnum):
    md = "md"
    html = "html"
    pdf = "pdf"


class RoleName(StrEnum):
    public = "public"
    analyst = "analyst"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="md, html or pdf")]
RoleOpt = Annotated[
    RoleName, typer.Option("--role", help="public never names a person at risk; analyst may")
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", "-o", help="write to this file (PDF needs it)")
]
AppendixOpt = Annotated[
    Path | None,
    typer.Option(
        "--appendix",
        help="also write the row-level data (every licence, every "
        "incident counted) to this CSV file, seen by the same role",
    ),
]
ScopeOpt = Annotated[
    str | None,
    typer.Option(
        "--scope",
        help="incidents counted: transnational (the default for states, "
        "hosts and tactics), domestic, unknown or all (the default for vendors)",
    ),
]


def _write(
    kind: str,
    subject: str,
    fmt: Format,
    role: RoleName,
    out: Path | None,
    appendix: Path | None = None,
    scope: str | None = None,
) -> None:
    # briefings brings matplotlib, networkx and fpdf2 (most of a second): only this command
    # needs them, so `tnr --help` and the other commands start without them.
    from briefings import SubjectNotFound, briefing, briefing_with_appendix

    if fmt is Format.pdf and out is None and sys.stdout.isatty():
        raise fail("a PDF is binary: give --out FILE (or redirect the output)")
    store = open_store(Settings.from_env())
    try:
        with console.status(f"Writing the briefing on {subject} ..."):
            if appendix is None:
                data = briefing(store, kind, subject, fmt.value, Role.parse(role.value), scope)
                rows = None
            else:
                data, rows = briefing_with_appendix(
                    store, kind, subject, fmt.value, Role.parse(role.value), scope
                )
    except SubjectNotFound as exc:
        raise fail(str(exc)) from None
    except ValueError as exc:  # an unknown scope
        raise fail(str(exc)) from None
    finally:
        store.close()
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    if out is None:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
    else:
        out.write_bytes(raw)
        console.print(f"wrote {out} ({len(raw):,} bytes)")
    if appendix is not None and rows is not None:
        appendix.write_text(rows, encoding="utf-8")
        console.print(f"wrote the appendix {appendix} ({len(rows):,} characters)")


@brief_app.command("state")
def state(
    subject: Annotated[str, typer.Argument(help="an origin state: name, alias or ISO code")],
    fmt: FormatOpt = Format.md,
    role: RoleOpt = RoleName.public,
    out: OutOpt = None,
    appendix: AppendixOpt = None,
    scope: ScopeOpt = None,
) -> None:
    """Transnational repression by an origin state."""
    _write("state", subject, fmt, role, out, appendix, scope)


@brief_app.command("host")
def host(
    subject: Annotated[str, typer.Argument(help="a host state: name, alias or ISO code")],
    fmt: FormatOpt = Format.md,
    role: RoleOpt = RoleName.public,
    out: OutOpt = None,
    appendix: AppendixOpt = None,
    scope: ScopeOpt = None,
) -> None:
    """Transnational repression in a host state, and what its authorities did."""
    _write("host", subject, fmt, role, out, appendix, scope)


@brief_app.command("vendor")
def vendor(
    subject: Annotated[str, typer.Argument(help="a surveillance vendor: name or alias")],
    fmt: FormatOpt = Format.md,
    role: RoleOpt = RoleName.public,
    out: OutOpt = None,
    appendix: AppendixOpt = None,
    scope: ScopeOpt = None,
) -> None:
    """A surveillance vendor: its products, customers, documented uses and sanctions."""
    _write("vendor", subject, fmt, role, out, appendix, scope)


@brief_app.command("tactic")
def tactic(
    subject: Annotated[str, typer.Argument(help="a tactic: name or code (denial-of-entry)")],
    fmt: FormatOpt = Format.md,
    role: RoleOpt = RoleName.public,
    out: OutOpt = None,
    appendix: AppendixOpt = None,
    scope: ScopeOpt = None,
) -> None:
    """A tactic of transnational repression: who uses it, where, and the sources' figures."""
    _write("tactic", subject, fmt, role, out, appendix, scope)
