"""The `briefing` root field: a footnoted briefing (briefings/) for the caller's role.

Markdown and HTML come back as text; a PDF as base64. The role is the caller's: a
public caller's briefing never names a person at risk.
"""

from __future__ import annotations

import base64
import enum

import strawberry
from strawberry.types import Info

from briefings import briefing, briefing_with_appendix

from .answers import IncidentScope, run
from .context import Context
from .permissions import role_of

MEDIA_TYPES: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@strawberry.enum(description="What a briefing is about.")
class BriefingKind(enum.Enum):
    STATE = "state"
    HOST = "host"
    VENDOR = "vendor"
    TACTIC = "tactic"


@strawberry.enum(description="The format of a briefing.")
class BriefingFormat(enum.Enum):
    MD = "md"
    HTML = "html"
    PDF = "pdf"


@strawberry.type(description="A rendered briefing: text (Markdown, HTML) or base64 (PDF).")
class BriefingDocument:
    kind: BriefingKind
    subject: str
    format: BriefingFormat
    media_type: str
    encoding: str = strawberry.field(description='"utf-8" (text) or "base64" (PDF)')
    content: str
    appendix: str | None = strawberry.field(
        default=None,
        description="The row-level data behind the briefing's aggregated tables (every licence, "
        "every incident counted), as CSV text; only when asked (appendix: true).",
    )


@strawberry.type
class BriefingQuery:
    @strawberry.field(
        description="A briefing on a state, host state, vendor or tactic, every "
        "figure from queries/ and footnoted with its sources."
    )  # type: ignore[untyped-decorator]
    async def briefing(
        self,
        info: Info[Context, None],
        subject: str,
        kind: BriefingKind,
        format: BriefingFormat = BriefingFormat.MD,
        appendix: bool = False,
        scope: IncidentScope | None = None,
    ) -> BriefingDocument:
        # An unknown subject (SubjectNotFound, a LookupError) goes out as a PublicError.
        # No scope: transnational incidents, and a vendor's documented uses of every scope.
        csv_text: str | None = None
        chosen = scope.value if scope is not None else None
        if appendix:
            data, csv_text = await run(
                info,
                briefing_with_appendix,
                kind.value,
                subject,
                format.value,
                role_of(info),
                chosen,
            )
        else:
            data = await run(
                info, briefing, kind.value, subject, format.value, role_of(info), chosen
            )
        if isinstance(data, bytes):
            content, encoding = base64.b64encode(data).decode("ascii"), "base64"
        else:
            content, encoding = data, "utf-8"
        return BriefingDocument(
            kind=kind,
            subject=subject,
            format=format,
            media_type=MEDIA_TYPES[format.value],
            encoding=encoding,
            content=content,
            appendix=csv_text,
        )
