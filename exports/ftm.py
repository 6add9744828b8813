"""FollowTheMoney entities (JSON lines) of an export view.

Entities are built through FtM's model (`model.make_entity`, `add`), so a property a
schema does not have raises, and values FtM cannot clean are reported, not written.
Entity ids are `tnr-` + our node id with "-" for "_" (`tnr-vendor-3b1c...`; the
anonymous id for a redacted person). What each type and relation becomes is its `ftm:`
block in graph/schema.yaml; today:

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
from graph.schema import LABEL, SOURCE, RelationFtm
from graph.upsert import edge_id
from queries.network import GraphNode

log = logging.getLogger(__name__)

PREFIX = "tnr-"
#: The FtM schema that needs its designated parties (`entity`): a listing without is left out.
SANCTION = "Sanction"


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


def _values(node: GraphNode, ours: tuple[str, ...]) -> Any:
    """The first of `ours` the node has (LABEL: its label)."""
    value: Any = None
    for name in ours:
        value = node.label if name == LABEL else node.properties.get(name)
        if value:
            return value
    return value


def _lower(value: Any) -> Any:
    """Country codes as FtM writes them (lower case)."""
    if isinstance(value, list | tuple):
        return [str(v).lower() for v in value]
    return str(value or "").lower()


def _is(schema: str, prop: str, kind: str) -> bool:
    """True if FtM's `schema` has `prop` and it is of type `kind` (country, entity ...)."""
    found = model.get(schema)
    ftm_prop = found.get(prop) if found is not None else None
    return ftm_prop is not None and ftm_prop.type.name == kind


def entities(view: ExportView) -> Iterator[EntityProxy]:
    """The FtM entities of `view`, in a stable order; FtMError when FtM refuses one."""
    nodes = view.by_id()
    schemata = {name: nt.ftm for name, nt in view.schema.nodes.items() if nt.ftm is not None}
    countries: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    extra: list[tuple[RelationFtm, str, GraphNode, GraphNode, dict[str, Any]]] = []
    for e in view.edges:
        s, t = nodes.get(e.source), nodes.get(e.target)
        rel = view.schema.relations.get(e.type)
        if s is None or t is None or rel is None or rel.ftm is None:
            continue
        s_map, t_map = schemata.get(s.type), schemata.get(t.type)
        if rel.ftm.edge:
            if s_map and s_map.schema and t_map and t_map.schema:
                extra.append((rel.ftm, e.id, s, t, e.properties))
            continue
        if s_map is None or not s_map.schema:
            continue
        for prop in rel.ftm.property:
            if _is(s_map.schema, prop, "country"):
                code = _lower(t.properties.get(t_map.country)) if t_map and t_map.country else ""
                if code:
                    countries[s.id][prop].append(code)
            elif _is(s_map.schema, prop, "entity"):
                if t_map and t_map.schema:
                    links[s.id][prop].append(ftm_id(t.id))
            else:
                links[s.id][prop].append(str(t.properties.get(rel.ftm.value) or ""))
    sources = {n.id for n in view.nodes if n.type == SOURCE}
    dropped: list[str] = []
    for node in view.nodes:
        mapping = schemata.get(node.type)
        if mapping is None or not mapping.schema:
            continue
        schema = mapping.schema
        if schema == SANCTION and not links[node.id]["entity"]:
            log.info("%s designates no party in this export: not written", node.id)
            continue
        proxy = model.make_entity(schema)
        proxy.id = ftm_id(node.id)
        p = node.properties
        if schema == SANCTION:  # the programme: from the regime ("EU/HR") and UNDER_REGIME
            authority, code = _regime(p)
            _add(proxy, "authority", authority, dropped)
            _add(proxy, "programId", f"{authority}-{code}" if authority and code else code, dropped)
            _add(proxy, "program", [v for v in links[node.id]["program"] if v] or code, dropped)
        for prop, ours in mapping.properties.items():
            value = _values(node, ours)
            _add(proxy, prop, _lower(value) if _is(schema, prop, "country") else value, dropped)
        for prop, values in countries[node.id].items():
            _add(proxy, prop, values, dropped)
        for prop, values in links[node.id].items():
            if not (schema == SANCTION and prop == "program"):
                _add(proxy, prop, values, dropped)
        if node.type != SOURCE:
            cited = [ftm_id(s) for s in p.get("source_ids") or [] if s in sources]
            _add(proxy, "proof", cited, dropped)
        yield _checked(proxy)
    for edge, key, s, t, props in extra:
        proxy = model.make_entity(edge.edge)
        proxy.id = ftm_id(key or edge_id(edge.edge, s.id, t.id))
        _add(proxy, edge.source, ftm_id(s.id), dropped)
        _add(proxy, edge.target, ftm_id(t.id), dropped)
        for prop, ours_ in edge.properties.items():
            _add(proxy, prop, props.get(ours_), dropped)
        _add(proxy, "startDate", props.get("start"), dropped)
        _add(proxy, "endDate", props.get("end"), dropped)
        yield _checked(proxy)
    if dropped:
        log.warning(
            "FtM could not clean %d value(s), left out: %s", len(dropped), ", ".join(dropped[:10])
        )


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
