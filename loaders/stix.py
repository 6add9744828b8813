"""STIX 2.1 bundles of spyware indicators (the Amnesty Tech Security Lab format).

The bundle file is one Source; every fact cites it with the locator
"object <stix id>". Read are:

- `malware` and `tool` -> Product (is_spyware true, category "spyware", aliases and
  description from the object). Its Vendor, in this order: a vendor-like custom
  property (`x_vendor`, `x_vendor_name`, `x_manufacturer`, `x_developer`, ...); an
  `authored-by` (or `made-by`, `developed-by`) relationship to an identity; the
  vendor graph.vocabulary knows for the product name ("Predator" -> Cytrox); else
  none. The Vendor MAKES the Product.
- `identity` -> Vendor when it is the vendor of a product above, else Organization
  (identity_class "organization"/"group" or none; individuals are skipped, since a
  bundle's people are not the graph's business unless a curator adds them). Objects of
  our own exports (exports/stix.py) say their node type in `x_tnr_type`: "Vendor" is a
  Vendor, other types than "Organization" (State, Agency, Person) are skipped; a
  product's `x_tnr_category` and `x_tnr_is_spyware` are read when present.
- `indicator` -> Indicator (pattern, pattern_type, indicator_types, valid_from as a
  date, stix_id; kind and value from the pattern, e.g. "[domain-name:value='x.me']"
  gives kind "domain-name", value "x.me"). An object type that is not a standard
  STIX 2.1 cyber-observable (e.g. "configuration-profile") is kept as it is, with
  a warning in the log. A STIX pattern with no comparison in it, an indicator
  without a pattern and any object without id or type are Rejected.
- `indicates` relationship from an indicator to a malware or tool -> INDICATES.
  A relationship whose ends are not in the bundle is Rejected; other relationship
  types are skipped with a log line.

A file that is not JSON, or not a bundle / list of STIX objects, gives one
Rejected naming the line of the JSON error.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph.records import Edge, Node, Provenance, Record, Rejected
from graph.vocabulary import canonical_product
from loaders.common import file_source
from loaders.trade import product_node, vendor_node

NAME = "stix"
DESCRIPTION = "STIX 2.1 bundles (Amnesty Tech format): spyware products and their indicators"

log = logging.getLogger(__name__)

#: Cyber-observable object types of STIX 2.1 (section 6); others are custom.
STANDARD_SCO = frozenset(
    {
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    }
)
PRODUCT_TYPES = ("malware", "tool")
VENDOR_PROPERTIES = (
    "x_vendor",
    "x_vendor_name",
    "x_vendor_ref",
    "x_manufacturer",
    "x_developer",
    "x_maker",
    "x_author",
    "x_company",
)
VENDOR_RELATIONS = frozenset(
    {"authored-by", "made-by", "developed-by", "x-made-by", "x-authored-by"}
)
_COMPARISON = re.compile(
    r"(?P<type>[a-z0-9][a-z0-9-]*):(?P<path>[A-Za-z0-9_.\[\]*'-]+)\s*(?:=|LIKE|MATCHES)\s*"
    r"'(?P<value>(?:[^'\\]|\\.)*)'",
)


def parse_pattern(pattern: str) -> tuple[str | None, str | None, list[str]]:
    """(kind, value, object types) of a STIX pattern.

    kind is the object type when every comparison is on one type; value is the
    compared value when there is one comparison. ([], None, None) when none is found.
    """
    found = list(_COMPARISON.finditer(pattern))
    types: list[str] = []
    for m in found:
        if m["type"] not in types:
            types.append(m["type"])
    kind = types[0] if len(types) == 1 else None
    value = found[0]["value"].replace("\\'", "'").replace("\\\\", "\\") if len(found) == 1 else None
    return kind, value, types


def _objects(data: Any) -> list[Any] | None:
    if isinstance(data, dict) and data.get("type") == "bundle":
        objs = data.get("objects", [])
        return objs if isinstance(objs, list) else None
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "type" in data:
        return [data]
    return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse(path: Path) -> Iterator[Record]:
    """Records of a STIX 2.1 bundle; see the module docstring."""
    path = Path(path)
    fname = path.name
    try:
        with path.open(encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        yield Rejected(fname, f"line {exc.lineno}", "", f"not JSON: {exc.msg} (column {exc.colno})")
        return
    except (OSError, UnicodeDecodeError) as exc:
        yield Rejected(fname, "", "", f"cannot read the file: {exc}")
        return
    objects = _objects(data)
    if objects is None:
        yield Rejected(fname, "", "type", "not a STIX bundle or a list of STIX objects")
        return
    bundle_id = data.get("id") if isinstance(data, dict) else None
    src = file_source(path, f"STIX bundle {bundle_id or fname}")
    yield src

    # First pass: index objects by id, reject the unreadable ones.
    by_id: dict[str, dict[str, Any]] = {}
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict) or not _text(obj.get("id")) or not _text(obj.get("type")):
            field = "id" if isinstance(obj, dict) and _text(obj.get("type")) else "type"
            yield Rejected(
                fname,
                f"objects[{i}]",
                field,
                "not a STIX object with a type and an id",
                raw=json.dumps(obj)[:200],
            )
            continue
        by_id[obj["id"].strip()] = obj

    # Vendors of the products, from relationships and custom properties.
    vendor_of: dict[str, tuple[str, str]] = {}  # product stix id -> (vendor name, citing object id)
    vendor_identities: set[str] = set()
    for oid, obj in by_id.items():
        rel_type = _text(obj.get("relationship_type"))
        if obj["type"] != "relationship" or rel_type not in VENDOR_RELATIONS:
            continue
        s, t = by_id.get(str(obj.get("source_ref"))), by_id.get(str(obj.get("target_ref")))
        if s and t and s["type"] in PRODUCT_TYPES and _text(t.get("name")):
            vendor_of.setdefault(s["id"], (str(t["name"]), oid))
            if t["type"] == "identity":
                vendor_identities.add(t["id"])
    for oid, obj in by_id.items():
        if obj["type"] in PRODUCT_TYPES:
            for prop in VENDOR_PROPERTIES:
                name = _text(obj.get(prop))
                ref = by_id.get(name or "")
                if ref is not None and _text(ref.get("name")):
                    vendor_identities.add(ref["id"])
                    name = str(ref["name"])
                if name and not name.startswith("identity--"):
                    vendor_of[oid] = (name, oid)
                    break

    products: dict[str, str] = {}  # stix id -> Product node id
    indicators: dict[str, str] = {}  # stix id -> Indicator node id
    for oid, obj in by_id.items():
        prov = Provenance(src.id, f"object {oid}")
        kind = obj["type"]
        if kind in PRODUCT_TYPES:
            yield from _product(fname, oid, obj, prov, vendor_of, products)
        elif kind == "identity" and oid not in vendor_identities:
            name = _text(obj.get("name"))
            ours = _text(obj.get("x_tnr_type"))  # set by exports/stix.py
            if name and ours == "Vendor":
                yield vendor_node(name, prov, description=_text(obj.get("description")))
            elif ours not in (None, "Organization"):
                continue  # a State, Agency or Person of our own export: not read here
            elif name and obj.get("identity_class") in (None, "organization", "group", "class"):
                yield Node(
                    "Organization",
                    {"name": name, "description": _text(obj.get("description"))},
                    prov,
                )
        elif kind == "indicator":
            yield from _indicator(fname, oid, obj, prov, indicators)

    for oid, obj in by_id.items():
        if obj["type"] != "relationship":
            continue
        prov = Provenance(src.id, f"object {oid}")
        rel = _text(obj.get("relationship_type"))
        if rel != "indicates":
            if rel not in VENDOR_RELATIONS:
                log.info("%s: object %s: relationship %r is not loaded", fname, oid, rel)
            continue
        s_ref, t_ref = str(obj.get("source_ref", "")), str(obj.get("target_ref", ""))
        s, t = by_id.get(s_ref), by_id.get(t_ref)
        if s is None or t is None:
            field = "source_ref" if s is None else "target_ref"
            yield Rejected(
                fname,
                f"object {oid}",
                field,
                f"points to {s_ref if s is None else t_ref!r}, which is not in the bundle",
            )
            continue
        if s["type"] != "indicator" or t_ref not in products:
            yield Rejected(
                fname,
                f"object {oid}",
                "target_ref",
                f"'indicates' from {s['type']} to {t['type']}: only indicator -> malware/tool is read",
            )
            continue
        if s_ref in indicators:  # else the indicator itself was rejected
            yield Edge("INDICATES", indicators[s_ref], products[t_ref], prov)


def _product(
    fname: str,
    oid: str,
    obj: dict[str, Any],
    prov: Provenance,
    vendor_of: dict[str, tuple[str, str]],
    products: dict[str, str],
) -> Iterator[Record]:
    name = _text(obj.get("name"))
    if not name:
        yield Rejected(fname, f"object {oid}", "name", f"{obj['type']} without a name")
        return
    aliases = [a for a in obj.get("aliases", []) or [] if isinstance(a, str)]
    vendor_name = vendor_of.get(oid, (None, ""))[0]
    if vendor_name is None:  # the vocabulary may know it by an alias
        vendor_name = next((v for a in aliases if (v := canonical_product(a)[1])), None)
    # exports/stix.py writes the category and the spyware flag of products that are not spyware
    spyware = obj.get("x_tnr_is_spyware")
    prod = product_node(
        name,
        vendor_name,
        prov,
        aliases=aliases,
        category=_text(obj.get("x_tnr_category")) or "spyware",
        is_spyware=spyware if isinstance(spyware, bool) else True,
        description=_text(obj.get("description")),
    )
    products[oid] = prod.id
    yield prod
    if prod.props.get("vendor"):
        vend = vendor_node(prod.props["vendor"], prov)
        yield vend
        yield Edge("MAKES", vend.id, prod.id, prov)


def _indicator(
    fname: str, oid: str, obj: dict[str, Any], prov: Provenance, indicators: dict[str, str]
) -> Iterator[Record]:
    loc = f"object {oid}"
    pattern = _text(obj.get("pattern"))
    if not pattern:
        yield Rejected(fname, loc, "pattern", "indicator without a pattern")
        return
    pattern_type = _text(obj.get("pattern_type")) or "stix"
    kind = value = None
    if pattern_type == "stix":
        kind, value, types = parse_pattern(pattern)
        if not types:
            yield Rejected(
                fname,
                loc,
                "pattern",
                f"no comparison in the STIX pattern {pattern[:80]!r}",
                raw=pattern,
            )
            return
        custom = [t for t in types if t not in STANDARD_SCO]
        if custom:
            log.warning(
                "%s: %s: non-standard STIX object type %s in pattern %r, kept as it is",
                fname,
                loc,
                ", ".join(custom),
                pattern,
            )
    else:
        log.warning(
            "%s: %s: pattern type %r is not parsed; the pattern is kept whole",
            fname,
            loc,
            pattern_type,
        )
    valid_from = _text(obj.get("valid_from"))
    date = None
    if valid_from:
        try:
            date = dt.date.fromisoformat(valid_from[:10]).isoformat()
            if valid_from[10:11] not in ("", "T", "t"):
                raise ValueError
        except ValueError:
            date = None
            yield Rejected(
                fname,
                loc,
                "valid_from",
                f"not a STIX timestamp: {valid_from[:40]!r}",
                raw=valid_from,
            )
    types_list = [t for t in obj.get("indicator_types", []) or [] if isinstance(t, str)]
    node = Node(
        "Indicator",
        {
            "pattern": pattern,
            "pattern_type": pattern_type,
            "kind": kind,
            "value": value,
            "indicator_types": types_list or None,
            "valid_from": date,
            "stix_id": oid,
        },
        prov,
    )
    indicators[oid] = node.id
    yield node
