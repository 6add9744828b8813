"""Opaque signed cursors, and the keyset conditions and ORDER BY of the order they name.

A page is ordered by the chosen field, nulls last, then by id, so a cursor
(field, value, id) names one place in a total order and pages stay stable when
nodes are added elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any

from graph.anonymity import sign

from .errors import PublicError
from .filters import Params


def encode_cursor(field: str, value: Any, node_id: str, role: int = 0) -> str:
    """An opaque cursor: the place in the order, signed with the server's key."""
    raw = json.dumps([field, value, node_id, role], separators=(",", ":"), ensure_ascii=False)
    body = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    return f"{body}.{sign(raw)}"


INVALID_CURSOR = "invalid cursor; start again without it"


def decode_cursor(cursor: str, field: str, role: int = 0) -> tuple[Any, str]:
    """(value, id) of a cursor this server made for this ordering and role; any other
    string (garbage, tampered, another ordering's) is refused with the same message."""
    try:
        body, _, mac = str(cursor).rpartition(".")
        raw = base64.urlsafe_b64decode((body + "=" * (-len(body) % 4)).encode()).decode()
        if not hmac.compare_digest(sign(raw), mac):
            raise ValueError("bad signature")
        name, value, node_id, made_for = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise PublicError(INVALID_CURSOR) from None
    if name != field or made_for != role or not isinstance(node_id, str):
        raise PublicError(INVALID_CURSOR)
    return value, node_id


Tie = tuple[str, Any]  # (Cypher expression, its value at the cursor)


def compare_ties(ties: list[tuple[str, str]], op: str) -> str:
    """Lexicographic `op` over (expression, parameter) pairs."""
    expr, p = ties[0]
    if len(ties) == 1:
        return f"{expr} {op} {p}"
    return f"({expr} {op} {p} OR ({expr} = {p} AND {compare_ties(ties[1:], op)}))"


def comes_after(col: str | None, value: Any, ties: list[Tie], desc: bool, params: Params) -> str:
    """The nodes that come after (col=value, ties) in the order (col nulls last)."""
    op = "<" if desc else ">"
    t = compare_ties([(e, params.add(v)) for e, v in ties], op)
    if col is None:
        return t
    if value is None:
        return f"({col} IS NULL AND {t})"
    pv = params.add(value)
    return f"({col} IS NULL OR {col} {op} {pv} OR ({col} = {pv} AND {t}))"


def comes_before(col: str | None, value: Any, ties: list[Tie], desc: bool, params: Params) -> str:
    """The nodes that come before (col=value, ties) in the order (col nulls last)."""
    op = ">" if desc else "<"
    t = compare_ties([(e, params.add(v)) for e, v in ties], op)
    if col is None:
        return t
    if value is None:
        return f"({col} IS NOT NULL OR {t})"
    pv = params.add(value)
    return f"({col} IS NOT NULL AND ({col} {op} {pv} OR ({col} = {pv} AND {t})))"


def order_by(col: str | None, ties: list[str], desc: bool, reverse: bool = False) -> str:
    """ORDER BY for the order (col nulls last, then the ties), or for its exact reverse."""
    d = "DESC" if desc != reverse else "ASC"
    tail = ", ".join(f"{t} {d}" for t in ties)
    if col is None:
        return tail
    nulls = "DESC" if reverse else "ASC"
    return f"CASE WHEN {col} IS NULL THEN 1 ELSE 0 END {nulls}, {col} {d}, {tail}"
