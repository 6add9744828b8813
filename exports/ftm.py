"""FollowTheMoney entities (JSON lines) of an export view.

Entities are built through FtM's model (`model.make_entity`, `add`), so a property a
schema does not have raises, and values FtM cannot clean are reported, not written.
Entity ids are `tnr-` + our node id with "-" for "_" (`tnr-vendor-3b1c...`; the
anonymous id for a redacted person).

- Person -> Person; Organization -> Organization; Vendor -> Company; Agency -> PublicBody
  (country = its state); SanctionListing -> Sanction (entity = the designated parties);
  Incident -> Event (country = origin and host states, involved = targets and
  perpetrators, organizer = perpetrators); Source -> Document, the `proof` of the
  entities that cite it.
- A State is a country code (FtM's lowercase ISO code) on the entities related to it:
  nationality (CITIZEN_OF), country (RESIDES_IN, BASED_IN, PART_OF, ORIGIN/HOST_STATE).
- MEMBER_OF -> Membership, SUBSIDIARY_OF -> Ownership. Other node types (products,
  tactics, licences, sales ...) have no FtM schema and are left out.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from exports.view import ExportView
from graph.writer import edge_id
from queries.network import GraphNode

log = logging.getLogger(__name__)

PREFIX = "tnr-"
SCHEMATA = {
    "Person": "Person",
    "Organization": "Organization",
    "Vendor": "Company",
    "Agency": "PublicBody",
    "SanctionListing": "Sanction",
    "Incident": "Event",
    "Source": "Document",
}
#: Relations that put the target State's code in the source's `country`.
COUNTRY_RELATIONS = frozenset({"RESIDES_IN", "BASED_IN", "PART_OF", "ORIGIN_STATE", "HOST_STATE"})


def ftm_id(node_id: str) -> str:
    """`tnr-` + the node id, "_" as "-" (FtM ids allow letters, digits, "." and "-")."""
    return PREFIX + node_id.replace("_", "-")


class FtMError(ValueError):
    """FollowTheMoney refused an entity."""


def _add(proxy: EntityProxy, prop: str, values: Any, dropped: list[str]) -> None:
    """Add values through FtM's cleaning; a value it cannot clean is recorded in `dropped`."""
    items = values if isinstance(values, list | tuple | set) else [values]
    for value in items:
        if value is None or value == "":
            continue
        before = len(proxy.get(prop))
        proxy.add(prop, str(value), quiet=False)
        if len(proxy.get(prop)) == before and str(value) not in proxy.get(prop):
            dropped.append(f"{proxy.schema.name}.{prop}={value!r}")


def _regime(props: dict[str, Any]) -> tuple[str, str]:
    authority, _, code = str(props.get("regime") or "").partition("/")
    return authority, code


def entities(view: ExportView) -> Iterator[EntityProxy]:
    """The FtM entities of `view`, in a stable order; FtMError when FtM refuses one."""
    nodes = view.by_id()
    countries: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    extra: list[tuple[str, str, GraphNode, GraphNode, dict[str, Any]]] = []
    for e in view.edges:
        s, t = nodes.get(e.source), nodes.get(e.target)
        if s is None or t is None:
            continue
        code = str(t.properties.get("code") or "").lower() if t.type == "State" else ""
        if code and e.type == "CITIZEN_OF":
            countries[s.id]["nationality"].append(code)
        elif code and e.type in COUNTRY_RELATIONS:
            countries[s.id]["country"].append(code)
        elif e.type == "DESIGNATES" and t.type in SCHEMATA:
            links[s.id]["entity"].append(ftm_id(t.id))
        elif e.type == "UNDER_REGIME":
            links[s.id]["program"].append(str(t.properties.get("name") or ""))
        elif e.type == "TARGETED" and t.type in SCHEMATA:
            links[s.id]["involved"].append(ftm_id(t.id))
        elif e.type in ("PERPETRATED_BY", "ASSISTED_BY") and t.type in SCHEMATA:
            links[s.id]["involved"].append(ftm_id(t.id))
            if e.type == "PERPETRATED_BY":
                links[s.id]["organizer"].append(ftm_id(t.id))
        elif e.type == "MEMBER_OF" and t.type in ("Organization", "Agency", "Vendor"):
            extra.append(("Membership", e.id, s, t, e.properties))
        elif e.type == "SUBSIDIARY_OF":
            extra.append(("Ownership", e.id, s, t, e.properties))
    sources = {n.id for n in view.nodes if n.type == "Source"}
    dropped: list[str] = []
    for node in view.nodes:
        schema = SCHEMATA.get(node.type)
        if schema is None:
            continue
        if node.type == "SanctionListing" and not links[node.id]["entity"]:
            log.info("%s designates no party in this export: not written", node.id)
            continue
        proxy = model.make_entity(schema)
        proxy.id = ftm_id(node.id)
        p = node.properties
        if node.type == "Person":
            _add(proxy, "name", node.label, dropped)
            _add(proxy, "alias", p.get("aliases"), dropped)
            _add(proxy, "birthDate", p.get("birth_date"), dropped)
            _add(
                proxy, "nationality", [str(c).lower() for c in p.get("nationality") or []], dropped
            )
            _add(proxy, "country", str(p.get("residence_country") or "").lower(), dropped)
            _add(proxy, "position", p.get("position"), dropped)
            _add(proxy, "gender", p.get("gender"), dropped)
            _add(proxy, "description", p.get("description"), dropped)
        elif node.type in ("Organization", "Vendor"):
            _add(proxy, "name", node.label, dropped)
            _add(proxy, "alias", p.get("aliases"), dropped)
            _add(proxy, "country", str(p.get("country") or "").lower(), dropped)
            _add(proxy, "website", p.get("url"), dropped)
            _add(proxy, "description", p.get("description"), dropped)
        elif node.type == "Agency":
            _add(proxy, "name", node.label, dropped)
            _add(proxy, "alias", p.get("aliases"), dropped)
            _add(proxy, "country", str(p.get("state_code") or "").lower(), dropped)
            _add(proxy, "description", p.get("description"), dropped)
        elif node.type == "SanctionListing":
            authority, code = _regime(p)
            _add(proxy, "authority", authority, dropped)
            _add(proxy, "programId", f"{authority}-{code}" if authority and code else code, dropped)
            _add(proxy, "program", [v for v in links[node.id]["program"] if v] or code, dropped)
            _add(proxy, "authorityId", p.get("reference"), dropped)
            _add(proxy, "listingDate", p.get("listing_date"), dropped)
            _add(proxy, "sourceUrl", p.get("legal_act_url"), dropped)
            _add(proxy, "provisions", p.get("measures"), dropped)
            _add(proxy, "reason", p.get("reason"), dropped)
        elif node.type == "Incident":
            _add(proxy, "name", node.label, dropped)
            _add(proxy, "date", p.get("date") or p.get("year"), dropped)
            _add(proxy, "endDate", p.get("end_date"), dropped)
            _add(proxy, "description", p.get("description"), dropped)
            _add(proxy, "summary", p.get("outcome"), dropped)
        elif node.type == "Source":
            _add(proxy, "title", node.label, dropped)
            _add(proxy, "fileName", p.get("file") or p.get("ref"), dropped)
            _add(proxy, "sourceUrl", p.get("url"), dropped)
            _add(proxy, "publisher", p.get("publisher"), dropped)
            _add(proxy, "date", p.get("date"), dropped)
        for prop, values in countries[node.id].items():
            _add(proxy, prop, values, dropped)
        for prop, values in links[node.id].items():
            if prop != "program":
                _add(proxy, prop, values, dropped)
        if node.type != "Source":
            cited = [ftm_id(s) for s in p.get("source_ids") or [] if s in sources]
            _add(proxy, "proof", cited, dropped)
        yield _checked(proxy)
    for schema, key, s, t, props in extra:
        proxy = model.make_entity(schema)
        proxy.id = ftm_id(key or edge_id(schema, s.id, t.id))
        if schema == "Membership":
            _add(proxy, "member", ftm_id(s.id), dropped)
            _add(proxy, "organization", ftm_id(t.id), dropped)
            _add(proxy, "role", props.get("role"), dropped)
        else:
            _add(proxy, "owner", ftm_id(t.id), dropped)
            _add(proxy, "asset", ftm_id(s.id), dropped)
        _add(proxy, "startDate", props.get("start"), dropped)
        _add(proxy, "endDate", props.get("end"), dropped)
        yield _checked(proxy)
    if dropped:
        log.warning("FtM could not clean %d value(s), left out: %s", len(dropped),
                    ", ".join(dropped[:10]))  # fmt: skip


def _checked(proxy: EntityProxy) -> EntityProxy:
    missing = [p for p in proxy.schema.required if not proxy.get(p)]
    if missing:
        raise FtMError(f"{proxy.schema.name} {proxy.id}: required {missing} missing")
    return proxy


def lines(view: ExportView) -> Iterator[str]:
    for proxy in entities(view):
        yield json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True)


def write(view: ExportView, out: Path) -> Path:
    with out.open("w", encoding="utf-8") as fh:
        for line in lines(view):
            fh.write(line + "\n")
    return out
