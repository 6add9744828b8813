"""Check records against the declared schema and bring values to their declared types."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from graph.records import Edge, Node
from graph.schema import Property, Schema, load_schema

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class RecordError(ValueError):
    """A record does not fit the schema; `field` names the property at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def coerce(prop: Property, value: Any) -> Any:
    """`value` in the stored form of `prop`, or RecordError."""
    t = prop.type
    try:
        if t in ("string", "text"):
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise TypeError
            text = str(value).strip()
            return text or None
        if t == "url":
            text = str(value).strip()
            if not text:
                return None
            if any(c.isspace() for c in text):
                raise RecordError(prop.name, f"not a URL: {text[:80]!r}")
            return text
        if t == "int":
            if isinstance(value, bool):
                raise TypeError
            if isinstance(value, float):
                if not value.is_integer():
                    raise TypeError
                return int(value)
            return int(str(value).strip().replace(",", ""))
        if t == "float":
            if isinstance(value, bool):
                raise TypeError
            number = (
                float(str(value).strip().replace(",", ""))
                if isinstance(value, str)
                else float(value)
            )
            if math.isnan(number) or math.isinf(number):
                raise TypeError
            return number
        if t == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "yes", "1", "y"):
                return True
            if text in ("false", "no", "0", "n"):
                return False
            raise TypeError
        if t == "date":
            if isinstance(value, dt.datetime):
                return value.date().isoformat()
            if isinstance(value, dt.date):
                return value.isoformat()
            text = str(value).strip()
            if not _DATE.match(text):
                raise RecordError(
                    prop.name, f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {text[:40]!r}"
                )
            if len(text) == 10:
                dt.date.fromisoformat(text)
            elif len(text) == 7 and not 1 <= int(text[5:]) <= 12:
                raise RecordError(prop.name, f"month out of range: {text!r}")
            return text
        if t == "list[string]":
            items = [value] if isinstance(value, str) else list(value)
            out: list[str] = []
            for item in items:
                if not isinstance(item, str | int | float) or isinstance(item, bool):
                    raise TypeError
                text = str(item).strip()
                if text and text not in out:
                    out.append(text)
            return out or None
    except RecordError:
        raise
    except (TypeError, ValueError):
        pass
    shown = repr(value)[:60]
    raise RecordError(prop.name, f"expected {t}, got {shown}")


def _clean(props: dict[str, Any], declared: dict[str, Property], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in props.items():
        if name not in declared:
            raise RecordError(name, f"{what} has no property {name!r} in graph/schema.yaml")
        if value is None:
            continue
        coerced = coerce(declared[name], value)
        allowed = declared[name].values
        if allowed and coerced is not None and coerced not in allowed:
            raise RecordError(
                name,
                f"{what}.{name} must be one of {', '.join(allowed)}, got {str(coerced)[:40]!r}",
            )
        if coerced is not None:
            out[name] = coerced
    for prop in declared.values():
        if prop.required and prop.name not in out:
            raise RecordError(prop.name, f"{what} requires {prop.name!r}")
    return out


def _check_provenance(confidence: float, source_id: str) -> None:
    if not source_id:
        raise RecordError("source", "every fact needs a source: provenance.source_id is empty")
    if not 0.0 <= confidence <= 1.0:
        raise RecordError("confidence", f"confidence must be within 0..1, got {confidence}")


def validate_node(node: Node, schema: Schema | None = None) -> dict[str, Any]:
    schema = schema or load_schema()
    nt = schema.node(node.type)
    _check_provenance(node.provenance.confidence, node.provenance.source_id)
    props = _clean(node.props, nt.properties, node.type)
    if not node.id:
        raise RecordError(nt.keys[0], f"{node.type} needs {nt.keys[0]!r} (its natural key)")
    return props


def validate_edge(edge: Edge, schema: Schema | None = None) -> dict[str, Any]:
    schema = schema or load_schema()
    rt = schema.relation(edge.type)
    _check_provenance(edge.provenance.confidence, edge.provenance.source_id)
    for end, allowed, field in (
        (edge.source, rt.sources, "source"),
        (edge.target, rt.targets, "target"),
    ):
        try:
            end_type = schema.type_of_id(end)
        except KeyError as exc:
            raise RecordError(field, str(exc.args[0])) from None
        if end_type not in allowed:
            raise RecordError(
                field, f"{edge.type} {field} must be {' or '.join(allowed)}, got {end_type}"
            )
    return _clean(edge.props, rt.properties, edge.type)
