"""Errors a client may see, and the rule that masks every other error.

A resolver raises `PublicError` for a mistake the client can fix (a bad cursor, a
page too large, an unknown id type); its message goes out as written. Any other
exception is logged for operators with its traceback and reaches the client as
the plain message "Unexpected error." (strawberry's `MaskErrors`). Syntax and
validation errors carry no internals and pass unchanged.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

log = logging.getLogger("tnr.api.graphql")

MASKED_MESSAGE = "Unexpected error."


class PublicError(Exception):
    """A client mistake; the message is shown to the client."""


UNAVAILABLE_MESSAGE = "The graph database is not reachable right now; try again shortly."


class Unavailable(PublicError):
    """The store could not be reached: said plainly, answered with HTTP 503."""

    def __init__(self, message: str = UNAVAILABLE_MESSAGE) -> None:
        super().__init__(message)


TIMEOUT_MESSAGE = (
    "The question took longer than the server allows and was stopped; "
    "ask for less (a smaller depth, page or filter) or try again later."
)


class TimedOut(PublicError):
    """A store read ran past TNR_QUERY_TIMEOUT: a field error with `extensions.code`
    TIMEOUT (HTTP 200: the response has `data`, see api/graphql/http.py)."""

    def __init__(self, message: str = TIMEOUT_MESSAGE) -> None:
        super().__init__(message)
        self.extensions: dict[str, str] = {"code": "TIMEOUT"}


def is_internal(error: GraphQLError) -> bool:
    """True when the error must be masked: it came from an exception the client did not cause."""
    original = error.original_error
    if original is None:
        return False  # syntax, validation, variable coercion: about the request itself
    return not isinstance(original, PublicError)


def mask_errors() -> MaskErrors:
    return MaskErrors(should_mask_error=is_internal, error_message=MASKED_MESSAGE)
