"""Who may call what: named permissions, each with the message a refused caller sees.

The caller's role is `info.context.role` (set from the API key by the HTTP layer;
PUBLIC when no key is given). A refusal is a GraphQL error with
`extensions.code = "FORBIDDEN"` that names the role needed.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from graph.schema import Schema
from graph.visibility import Role

from .errors import PublicError


class Forbidden(PublicError):
    """The caller's role may not do this; shown to the client with code FORBIDDEN."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.extensions: dict[str, Any] = {"code": "FORBIDDEN"}


def role_of(info: Info[Any, Any]) -> Role:
    role = getattr(info.context, "role", Role.PUBLIC)
    return role if isinstance(role, Role) else Role.PUBLIC


class _AtLeast(BasePermission):
    needed: Role = Role.ADMIN

    def has_permission(self, source: Any, info: Info[Any, Any], **kwargs: Any) -> bool:
        return role_of(info) >= self.needed

    def on_unauthorized(self) -> None:
        raise Forbidden(self.message or "forbidden")


class IsEditor(_AtLeast):
    """Editors and admins: the mutations that change the graph."""

    needed = Role.EDITOR
    message = "this needs the editor role (an editor or admin API key)"


class IsAnalyst(_AtLeast):
    """Analysts and above: internal bookkeeping (merge decisions name the nodes they join)."""

    needed = Role.ANALYST
    message = "this needs the analyst role (an API key)"


def type_permissions(node_type: Any) -> list[type[BasePermission]]:
    """The permissions of a node type's own root fields (from the schema's flags)."""
    if node_type.admin_only:
        return [IsAdmin]
    return [IsAnalyst] if node_type.internal else []


class IsAdmin(_AtLeast):
    """Admins only: the audit log and the admin-only node types."""

    needed = Role.ADMIN
    message = "this needs the admin role (an admin API key)"


def may_read_type(schema: Schema, type_name: str, role: Role) -> bool:
    """False for an admin-only type (unless admin) or an internal one (unless analyst)."""
    nt = schema.node(type_name)
    if nt.admin_only:
        return role >= Role.ADMIN
    return role >= Role.ANALYST or not nt.internal


def may_read_id(schema: Schema, node_id: str, role: Role) -> bool:
    try:
        return may_read_type(schema, schema.type_of_id(node_id), role)
    except KeyError:
        return True  # not a node id: the read finds nothing anyway
