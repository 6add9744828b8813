"""A STIX 2.1 bundle of an export view.

Nodes become STIX objects with deterministic ids (uuid5 of the node id, so exporting
twice gives the same ids) and carry their node id in `x_tnr_id` and type in
`x_tnr_type`. Each type's mapping is its `stix:` block in graph/schema.yaml; today:

- State: a `location` (its country code) and an `identity` (an organisation in the
  sector "government-national"), the identity `located-at` the location;
- Agency: a `threat-actor` (type "nation-state") when it perpetrates an incident in
  the view, else an `identity` like a State's;
- Vendor and Organization: `identity` (organisation); Person: `identity` (individual;
  anonymous for public when the person is at risk);
- Product: `malware` (`malware_types` ["spyware"], `is_family` true) when it is
  spyware, else `tool`; its vendor in `x_vendor` and an `authored-by` relationship;
- Tactic: `attack-pattern`; Indicator: `indicator` (its original STIX id when it has one);
- Incident: a `report` whose `object_refs` are everything it is related to;
- ExportLicence, Sale, SanctionListing (and the other types) as custom objects
  `x-tnr-export-licence`, `x-tnr-sale`, `x-tnr-sanction-listing` ... with `x_tnr_` properties;
- Sources: `external_references` of the facts they support (source_name = publisher or
  title, url, description = the locators of the citations).

Relations become `relationship` objects: STIX's suggested types where they fit
(`uses`, `targets`, `attributed-to`, `located-at`, `originates-from`, `authored-by`,
`indicates`: each relation's `stix:` block), else the relation's name in lower case with
hyphens; `x_tnr_relation` keeps our name.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from exports.view import ExportView
from graph.schema import SOURCE, RelationStix, StixMapping
from queries.network import GraphEdge, GraphNode

#: The namespace of our uuid5 STIX ids (itself uuid5 of the project's name).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/tnr-graph/tnr-graph")

SKIPPED_PROPS = {"id", "source_ids", "citations", "confidence"}


def stix_id(stix_type: str, node_id: str) -> str:
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, f'{stix_type}:{node_id}')}"


def timestamp(value: str | None) -> str | None:
    """A STIX timestamp of an ISO date that may be partial ("2021", "2021-07"), or None."""
    if not value:
        return None
    text = str(value)[:10]
    parts = [*text.split("-"), "01", "01"]
    try:
        day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except (ValueError, IndexError):
        return None
    return f"{day.isoformat()}T00:00:00.000Z"


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


def _value(v: Any) -> Any:
    """A property value STIX accepts: no None, no empty list, no NaN."""
    if v is None or v == [] or v == "":
        return None
    if isinstance(v, float) and v != v:
        return None
    return v


class _Builder:
    def __init__(self, view: ExportView, created: str) -> None:
        self.view = view
        self.created = created
        self.nodes = view.by_id()
        self.schema = view.schema
        self.sources = {n.id: n for n in view.nodes if n.type == SOURCE}
        self.perpetrators = {e.target for e in view.edges if e.type == "PERPETRATED_BY"}
        self.objects: list[dict[str, Any]] = []

    # -- ids -------------------------------------------------------------------------
    def mapping(self, node: GraphNode) -> StixMapping | None:
        """The node's `stix:` mapping; None when it has no object of its own."""
        return self.schema.node(node.type).stix

    def main_type(self, node: GraphNode) -> str:
        m = self.mapping(node)
        if m is None:
            return ""
        if m.perpetrator and node.id in self.perpetrators:
            return m.perpetrator
        if m.not_spyware and not self._is_spyware(node):
            return m.not_spyware
        return m.type

    def relation(self, name: str) -> RelationStix:
        rel = self.schema.relations.get(name)
        return rel.stix_type if rel else RelationStix(name.lower().replace("_", "-"))

    def ref(self, node: GraphNode, relation: str | None = None) -> str:
        """The STIX id a relation to `node` points to."""
        m = self.mapping(node)
        if m and m.location and relation is not None and not self.relation(relation).actor:
            return stix_id("location", node.id)
        stix_type = self.main_type(node)
        if stix_type == "indicator" and node.properties.get("stix_id"):
            return str(node.properties["stix_id"])
        return stix_id(stix_type, node.id)

    @staticmethod
    def _is_spyware(node: GraphNode) -> bool:
        p = node.properties
        return bool(p.get("is_spyware")) or p.get("category") in (None, "spyware")

    # -- common properties -----------------------------------------------------------
    def external_references(self, props: dict[str, Any]) -> list[dict[str, Any]]:
        locators: dict[str, list[str]] = defaultdict(list)
        for c in props.get("citations") or []:
            sid, _, loc = str(c).partition("|")
            if loc and loc not in locators[sid]:
                locators[sid].append(loc)
        refs: list[dict[str, Any]] = []
        for sid in props.get("source_ids") or []:
            src = self.sources.get(sid)
            sp = src.properties if src else {}
            ref: dict[str, Any] = {
                "source_name": str(sp.get("publisher") or sp.get("title") or sid),
                "external_id": sid,
            }
            if sp.get("url"):
                ref["url"] = str(sp["url"])
            described = [str(sp["title"])] if sp.get("publisher") and sp.get("title") else []
            if locators.get(sid):
                described.append("; ".join(locators[sid]))
            if described:
                ref["description"] = ": ".join(described)
            refs.append(ref)
        return refs

    def base(self, stix_type: str, node: GraphNode, sid: str | None = None) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "type": stix_type,
            "spec_version": "2.1",
            "id": sid or stix_id(stix_type, node.id),
            "created": self.created,
            "modified": self.created,
        }
        conf = node.properties.get("confidence")
        if isinstance(conf, int | float) and 0 <= conf <= 1:
            obj["confidence"] = round(float(conf) * 100)
        refs = self.external_references(node.properties)
        if refs:
            obj["external_references"] = refs
        obj["x_tnr_id"] = node.id
        obj["x_tnr_type"] = node.type
        return obj

    def extra(self, obj: dict[str, Any], node: GraphNode) -> dict[str, Any]:
        """Every property without a STIX name, as x_tnr_<name>."""
        m = self.mapping(node)
        standard = m.standard if m else frozenset()
        for key, value in sorted(node.properties.items()):
            if key in SKIPPED_PROPS or key in standard:
                continue
            v = _value(value)
            if v is not None:
                obj[f"x_tnr_{key}"] = v
        return obj

    @staticmethod
    def put(obj: dict[str, Any], **props: Any) -> dict[str, Any]:
        for key, value in props.items():
            v = _value(value)
            if v is not None:
                obj[key] = v
        return obj

    # -- nodes ------------------------------------------------------------------------
    def node(self, node: GraphNode) -> None:
        p = node.properties
        m = self.mapping(node)
        stix_type = self.main_type(node)
        if m is None:
            return  # e.g. sources: the external_references of the facts they support
        obj = self.base(stix_type, node, self.ref(node))
        if m.location:
            loc = self.base("location", node)
            self.put(loc, name=p.get("name"), country=p.get(m.location))
            self.objects.append(self.extra(loc, node))
            self.put(
                obj,
                name=node.label,
                identity_class=m.identity_class or None,
                sectors=list(m.sectors),
            )
            self.objects.append(obj)
            self.objects.append(
                self.relationship(
                    "located-at", obj["id"], loc["id"], {}, "LOCATED_AT", f"{node.id}:located-at"
                )
            )
            return
        if stix_type == "identity":
            self.put(
                obj,
                name=node.label,
                identity_class=m.identity_class or "organization",
                description=p.get("description"),
            )
            if m.sectors:
                obj["sectors"] = list(m.sectors)
        elif stix_type == "threat-actor":
            self.put(
                obj,
                name=node.label,
                threat_actor_types=["nation-state"],
                aliases=p.get("aliases"),
                description=p.get("description"),
            )
        elif stix_type in ("malware", "tool"):
            self.put(
                obj,
                name=node.label,
                aliases=p.get("aliases"),
                description=p.get("description"),
                x_vendor=p.get("vendor"),
            )
            if stix_type == "malware":
                obj["malware_types"] = ["spyware"]
                obj["is_family"] = True
        elif stix_type == "attack-pattern":
            self.put(
                obj, name=node.label, aliases=p.get("aliases"), description=p.get("definition")
            )
        elif stix_type == "report":
            published = timestamp(p.get("date")) or timestamp(
                str(p["year"]) if p.get("year") else None
            )
            self.put(
                obj,
                name=node.label,
                description=p.get("description"),
                report_types=["threat-report"],
                published=published or self.created,
            )
            obj["object_refs"] = []  # filled in by the relations
        elif stix_type == "indicator":
            self.put(
                obj,
                name=p.get("value") or p.get("pattern"),
                pattern=p.get("pattern"),
                pattern_type=p.get("pattern_type") or "stix",
                indicator_types=p.get("indicator_types"),
                valid_from=timestamp(p.get("valid_from")) or self.created,
            )
        else:  # a custom object (or a STIX type without a branch here, e.g. campaign): its
            # `standard` properties under their own names, every other one x_tnr_
            self.put(obj, **{k: p.get(k) for k in sorted(m.standard)})
            obj["x_tnr_label"] = node.label
        self.objects.append(self.extra(obj, node))

    # -- relations --------------------------------------------------------------------
    def relationship(
        self, rtype: str, source: str, target: str, props: dict[str, Any], ours: str, key: str
    ) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "type": "relationship",
            "spec_version": "2.1",
            "id": stix_id("relationship", key),
            "created": self.created,
            "modified": self.created,
            "relationship_type": rtype,
            "source_ref": source,
            "target_ref": target,
        }
        conf = props.get("confidence")
        if isinstance(conf, int | float) and 0 <= conf <= 1:
            obj["confidence"] = round(float(conf) * 100)
        self.put(
            obj, start_time=timestamp(props.get("start")), stop_time=timestamp(props.get("end"))
        )
        if "start_time" in obj and "stop_time" in obj and obj["stop_time"] <= obj["start_time"]:
            del obj["stop_time"]
        refs = self.external_references(props)
        if refs:
            obj["external_references"] = refs
        obj["x_tnr_relation"] = ours
        for key_, value in sorted(props.items()):
            if key_ in SKIPPED_PROPS or key_ in ("start", "end"):
                continue
            v = _value(value)
            if v is not None:
                obj[f"x_tnr_{key_}"] = v
        return obj

    def edge(self, edge: GraphEdge, reports: dict[str, dict[str, Any]]) -> None:
        s, t = self.nodes.get(edge.source), self.nodes.get(edge.target)
        if s is None or t is None:
            return
        mapped = self.relation(edge.type)
        rtype, reverse = mapped.type, mapped.reversed
        if edge.type == "PART_OF" and self.main_type(s) == "threat-actor":
            rtype = "attributed-to"
        s_ref, t_ref = self.ref(s, edge.type), self.ref(t, edge.type)
        if reverse:
            s_ref, t_ref = t_ref, s_ref
        self.objects.append(
            self.relationship(rtype, s_ref, t_ref, edge.properties, edge.type, edge.id)
        )
        for node, other in ((s, t_ref), (t, s_ref)):
            report = reports.get(node.id)
            if report is not None and other not in report["object_refs"]:
                report["object_refs"].append(other)


def bundle(view: ExportView, created: str | None = None) -> dict[str, Any]:
    """The STIX 2.1 bundle (a dict) of `view`."""
    builder = _Builder(view, created or now())
    for node in view.nodes:
        builder.node(node)
    reports = {str(o["x_tnr_id"]): o for o in builder.objects if o["type"] == "report"}
    for edge in view.edges:
        builder.edge(edge, reports)
    for report in reports.values():
        if not report[
            "object_refs"
        ]:  # STIX needs one: a report about nothing else refers to itself
            report["object_refs"] = [report["id"]]
    objects = sorted(builder.objects, key=lambda o: (o["type"], o["id"]))
    digest = uuid.uuid5(NAMESPACE, "bundle:" + ",".join(o["id"] for o in objects))
    return {"type": "bundle", "id": f"bundle--{digest}", "objects": objects}


def write(view: ExportView, out: Path, created: str | None = None) -> Path:
    out.write_text(
        json.dumps(bundle(view, created), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out
