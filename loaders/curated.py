"""The bundled, cited dataset in data/curated/ (YAML, one section per node type).

Each YAML file maps node-type names of graph/schema.yaml (`Source`, `Tactic`,
`Incident`, ...) to lists of entries. An entry holds the node's properties, a
`cite` (one citation or a list: `{source: <Source ref>, passage: "..."}`), an
optional `confidence`, and optional `links: {RELATION: target(s)}` whose
targets are natural keys (state names or ISO codes, tactic codes, vendor and
product names, refs), never hashed ids. data/curated/README.md documents it.

`parse(path)` reads a folder (every *.yaml in it, sorted) or one file and
yields Source nodes first, then the other nodes, then the edges. An entry
without a citation, citing an unknown source, naming an unknown entity or an
unknown tactic code, or not fitting the schema becomes a `Rejected` that names
the file, the entry and the field. An Incident without a `scope` gets the one its
own links give (graph.scope.incident_scope: HOST_STATE, else the targets'
residence_country, against ORIGIN_STATE; unknown without both).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.ids import normalize_key
from graph.records import Edge, Node, Provenance, Rejected, source_node
from graph.schema import Schema, load_schema
from graph.scope import incident_scope
from graph.validate import RecordError, validate_node
from graph.vocabulary import PRODUCTS, TACTIC_CODES, canonical_vendor
from loaders.common import state_node
from loaders.countries import resolve_country

NAME = "curated"
DESCRIPTION = "The bundled, cited dataset (data/curated/*.yaml): typology, cases, figures, policy"

Record = Node | Edge | Rejected

#: Entry keys that are not node properties.
_META = frozenset({"cite", "confidence", "links"})
#: Properties that hold a country (any spelling in the YAML, an ISO code in the graph).
_COUNTRY_PROPS = frozenset({"country", "residence_country", "state_code"})
_COUNTRY_LIST_PROPS = frozenset({"nationality"})


@dataclass
class _Entry:
    file: str
    location: str
    type: str
    props: dict[str, Any]
    provs: list[Provenance]
    links: dict[str, Any]
    node: Node | None = None


@dataclass
class _Index:
    """Natural keys, names and aliases of the dataset's nodes -> node ids, per type."""

    ids: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, type_name: str, key: object, node_id: str) -> None:
        k = normalize_key(key)
        if k:
            self.ids[type_name].setdefault(k, set()).add(node_id)

    def find(self, type_name: str, key: str) -> set[str]:
        return self.ids[type_name].get(normalize_key(key), set())


def _product_name(name: str) -> tuple[str, str | None]:
    """Canonical product name and vendor for a known product or alias, else (name, None)."""
    folded = normalize_key(name)
    for canonical, (vendor, aliases) in PRODUCTS.items():
        if folded in {normalize_key(n) for n in (canonical, *aliases)}:
            return canonical, vendor
    return " ".join(name.split()), None


def _where(section: str, i: int, props: dict[str, Any], schema: Schema) -> str:
    """`Incident[2] (ref=...)`; a Person is named by position only (names stay out of reports)."""
    if section == "Person" or section not in schema.nodes:
        return f"{section}[{i}]"
    key = schema.nodes[section].keys[0]
    value = props.get(key)
    return f"{section}[{i}] ({key}={value})" if value is not None else f"{section}[{i}]"


class _Parser:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.sources: dict[str, Node] = {}  # normalized ref -> Source node
        self.entries: list[_Entry] = []
        self.rejects: list[Rejected] = []
        self.index = _Index()
        self.states: dict[str, Node] = {}  # ISO code -> first State node yielded

    # -- reading ----------------------------------------------------------------------
    def read(self, path: Path) -> list[tuple[str, str, int, Any]]:
        """(file, section, position, raw entry) of every entry in the file."""
        try:
            with path.open(encoding="utf-8") as fh:
                doc = yaml.safe_load(fh)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.rejects.append(Rejected(path.name, "", "", f"not readable YAML: {exc}"))
            return []
        if doc is None:
            return []
        if not isinstance(doc, dict):
            self.rejects.append(
                Rejected(path.name, "", "", "expected a mapping of node types to lists")
            )
            return []
        out: list[tuple[str, str, int, Any]] = []
        for section, entries in doc.items():
            if section not in self.schema.nodes:
                self.rejects.append(
                    Rejected(
                        path.name,
                        str(section),
                        "",
                        f"{section!r} is not a node type of graph/schema.yaml",
                    )
                )
                continue
            if not isinstance(entries, list):
                self.rejects.append(
                    Rejected(path.name, str(section), "", "expected a list of entries")
                )
                continue
            out += [(path.name, str(section), i, raw) for i, raw in enumerate(entries)]
        return out

    def add_source(self, file: str, i: int, raw: Any) -> None:
        where = _where("Source", i, raw if isinstance(raw, dict) else {}, self.schema)
        if not isinstance(raw, dict):
            self.rejects.append(Rejected(file, where, "", "an entry must be a mapping"))
            return
        props = {k: v for k, v in raw.items() if k not in _META}
        ref, title = props.pop("ref", None), props.pop("title", None)
        if not ref or not title:
            missing = "ref" if not ref else "title"
            self.rejects.append(Rejected(file, where, missing, f"a Source needs {missing!r}"))
            return
        node = source_node(str(ref), str(title), **props)
        try:
            validate_node(node, self.schema)
        except RecordError as err:
            self.rejects.append(Rejected(file, where, err.field, err.message))
            return
        self.sources[normalize_key(ref)] = node

    def citations(
        self, file: str, where: str, raw: Any, default_conf: Any, fieldname: str = "cite"
    ) -> list[Provenance] | None:
        """The provenances of a `cite` value, or None (and a Rejected) when it is unusable."""
        cites = raw if isinstance(raw, list) else [raw] if raw is not None else []
        if not cites:
            self.rejects.append(
                Rejected(file, where, fieldname, "every entry needs a citation (cite)")
            )
            return None
        out: list[Provenance] = []
        for c in cites:
            if not isinstance(c, dict):
                self.rejects.append(
                    Rejected(
                        file, where, fieldname, "a citation is {source: <ref>, passage: '...'}"
                    )
                )
                return None
            src = self.sources.get(normalize_key(c.get("source")))
            if src is None:
                self.rejects.append(
                    Rejected(
                        file,
                        where,
                        f"{fieldname}.source",
                        f"cites {c.get('source')!r}, which no Source entry defines",
                    )
                )
                return None
            passage = " ".join(str(c.get("passage") or "").split())
            if not passage:
                self.rejects.append(
                    Rejected(
                        file,
                        where,
                        f"{fieldname}.passage",
                        "a citation must quote or pin the passage",
                    )
                )
                return None
            conf = c.get("confidence", default_conf)
            try:
                confidence = float(conf)
            except (TypeError, ValueError):
                self.rejects.append(Rejected(file, where, "confidence", f"not a number: {conf!r}"))
                return None
            if not 0.0 <= confidence <= 1.0:
                self.rejects.append(
                    Rejected(file, where, "confidence", f"must be within 0..1: {conf}")
                )
                return None
            out.append(Provenance(src.id, passage, confidence))
        return out

    def add_entry(self, file: str, section: str, i: int, raw: Any) -> None:
        where = _where(section, i, raw if isinstance(raw, dict) else {}, self.schema)
        if not isinstance(raw, dict):
            self.rejects.append(Rejected(file, where, "", "an entry must be a mapping"))
            return
        provs = self.citations(file, where, raw.get("cite"), raw.get("confidence", 1.0))
        if provs is None:
            return
        links = raw.get("links") or {}
        if not isinstance(links, dict):
            self.rejects.append(
                Rejected(file, where, "links", "links must map relation types to targets")
            )
            return
        props = {k: v for k, v in raw.items() if k not in _META}
        problem = self.normalize(section, props)
        if problem:
            self.rejects.append(Rejected(file, where, *problem))
            return
        if section == "State":
            # Any spelling of the country; the node gets its ISO code and canonical name.
            country = resolve_country(str(props.get("code") or props.get("name") or ""))
            if country is None:
                self.rejects.append(Rejected(file, where, "code", "not a known country"))
                return
            node = state_node(country, provs[0], *props.get("aliases", []))
        else:
            node = Node(section, props, provs[0])
        try:
            validate_node(node, self.schema)
        except RecordError as err:
            self.rejects.append(Rejected(file, where, err.field, err.message))
            return
        entry = _Entry(file, where, section, node.props, provs, links, node)
        self.entries.append(entry)
        self.index_node(node)

    def normalize(self, section: str, props: dict[str, Any]) -> tuple[str, str] | None:
        """Bring names to their canonical form; (field, message) when a value is unknown."""
        if section == "Tactic":
            code = str(props.get("code", ""))
            if code not in TACTIC_CODES:
                return (
                    "code",
                    f"unknown tactic code {code!r} (see graph/vocabulary.py TACTIC_CODES)",
                )
        if section == "Vendor" and props.get("name"):
            props["name"] = canonical_vendor(str(props["name"]))
        if section == "Product" and props.get("name"):
            name, vendor = _product_name(str(props["name"]))
            props["name"] = name
            if props.get("vendor"):
                props["vendor"] = canonical_vendor(str(props["vendor"]))
            elif vendor:
                props["vendor"] = vendor
        for prop in _COUNTRY_PROPS & props.keys():
            country = resolve_country(str(props[prop]))
            if country is None:
                return prop, f"not a known country: {props[prop]!r}"
            props[prop] = country.code
        for prop in _COUNTRY_LIST_PROPS & props.keys():
            values = props[prop] if isinstance(props[prop], list) else [props[prop]]
            codes = [resolve_country(str(v)) for v in values]
            if None in codes:
                return prop, f"not a known country in {values!r}"
            props[prop] = [c.code for c in codes if c]
        return None

    def index_node(self, node: Node) -> None:
        nt = self.schema.node(node.type)
        keys = [node.props.get(k) for k in nt.keys]
        self.index.add(node.type, keys[0], node.id)
        if len(keys) > 1 and all(k is not None for k in keys):
            self.index.add(node.type, "/".join(str(k) for k in keys), node.id)
        self.index.add(node.type, node.props.get(nt.label_property), node.id)
        for alias in node.props.get("aliases") or []:
            self.index.add(node.type, alias, node.id)
        if node.type == "Vendor":
            self.index.add(node.type, canonical_vendor(str(node.props["name"])), node.id)

    # -- links ------------------------------------------------------------------------
    def resolve(
        self, target_types: tuple[str, ...], ref: str, explicit: str | None, prov: Provenance
    ) -> tuple[Node | None, str | None, str]:
        """(State node to yield or None, target id or None, problem) for one reference."""
        types = (explicit,) if explicit else target_types
        if explicit and explicit not in target_types:
            return None, None, f"type {explicit} is not a target of this relation"
        found: set[str] = set()
        for t in types:
            key = ref
            if t == "Vendor":
                key = canonical_vendor(ref)
            elif t == "Product":
                key = _product_name(ref)[0]
            found |= self.index.find(t, key)
        if len(found) == 1:
            return None, next(iter(found)), ""
        if len(found) > 1:
            return None, None, f"{ref!r} is ambiguous; give `type:` ({', '.join(types)})"
        if "State" in types:
            # States need no entry: any spelling of a country resolves to its ISO code.
            country = resolve_country(ref)
            if country is not None:
                state = state_node(country, prov)
                return state, state.id, ""
        if types == ("Tactic",) and ref not in TACTIC_CODES:
            return (
                None,
                None,
                f"unknown tactic code {ref!r} (see graph/vocabulary.py TACTIC_CODES)",
            )
        return None, None, f"no {' or '.join(types)} in the dataset is called {ref!r}"

    def edges(self, entry: _Entry) -> Iterator[Node | Edge | Rejected]:
        assert entry.node is not None
        for rel_name, targets in entry.links.items():
            fieldname = f"links.{rel_name}"
            try:
                rt = self.schema.relation(str(rel_name))
            except KeyError as exc:
                yield Rejected(entry.file, entry.location, fieldname, str(exc.args[0]))
                continue
            if entry.type not in rt.sources:
                yield Rejected(
                    entry.file,
                    entry.location,
                    fieldname,
                    f"{rel_name} goes from {' or '.join(rt.sources)}, not {entry.type}",
                )
                continue
            for target in targets if isinstance(targets, list) else [targets]:
                yield from self.edge(
                    entry, rt.name, rt.targets, set(rt.properties), target, fieldname
                )

    def edge(
        self,
        entry: _Entry,
        rel: str,
        target_types: tuple[str, ...],
        allowed: set[str],
        target: Any,
        fieldname: str,
    ) -> Iterator[Node | Edge | Rejected]:
        assert entry.node is not None
        spec: dict[str, Any] = target if isinstance(target, dict) else {"to": target}
        ref = spec.get("to")
        if not isinstance(ref, str | int) or isinstance(ref, bool) or not str(ref).strip():
            yield Rejected(
                entry.file, entry.location, fieldname, "a link target needs `to: <natural key>`"
            )
            return
        props = {k: v for k, v in spec.items() if k not in ("to", "type", "cite", "confidence")}
        unknown = set(props) - allowed
        if unknown:
            yield Rejected(
                entry.file,
                entry.location,
                fieldname,
                f"{rel} has no property {sorted(unknown)[0]!r}",
            )
            return
        provs = entry.provs
        if "cite" in spec:
            got = self.citations(
                entry.file,
                entry.location,
                spec["cite"],
                spec.get("confidence", 1.0),
                f"{fieldname}.cite",
            )
            if got is None:
                yield self.rejects.pop()
                return
            provs = got
        elif "confidence" in spec:
            provs = [Provenance(p.source_id, p.locator, float(spec["confidence"])) for p in provs]
        state, target_id, problem = self.resolve(
            target_types, str(ref).strip(), spec.get("type"), provs[0]
        )
        if target_id is None:
            yield Rejected(entry.file, entry.location, fieldname, problem)
            return
        for prov in provs:
            if state is not None:
                yield Node("State", dict(state.props), prov)
            yield Edge(rel, entry.node.id, target_id, prov, dict(props))


def _targets(links: dict[str, Any], rel: str) -> list[tuple[str, str | None]]:
    """(natural key, explicit type) of each target of `rel` in an entry's links."""
    got = links.get(rel)
    out: list[tuple[str, str | None]] = []
    for t in got if isinstance(got, list) else [got] if got is not None else []:
        spec = t if isinstance(t, dict) else {"to": t}
        if isinstance(spec.get("to"), str):
            out.append((spec["to"], spec.get("type")))
    return out


def _codes(keys: list[tuple[str, str | None]]) -> set[str]:
    return {c.code for key, _ in keys if (c := resolve_country(key)) is not None}


def _derive_scope(parser: _Parser, entry: _Entry) -> None:
    """Incident.scope from the entry's own links when the curators did not state it: the
    HOST_STATE (else the targets' residence_country) against the ORIGIN_STATE."""
    assert entry.node is not None
    if entry.type != "Incident" or entry.node.props.get("scope"):
        return
    origins = _codes(_targets(entry.links, "ORIGIN_STATE"))
    hosts = _codes(_targets(entry.links, "HOST_STATE"))
    people = {
        e.node.id: e.node for e in parser.entries if e.node is not None and e.type == "Person"
    }
    residences: set[str] = set()
    for key, explicit in _targets(entry.links, "TARGETED"):
        if explicit in (None, "Person"):
            for pid in parser.index.find("Person", key):
                if (code := people[pid].props.get("residence_country")) is not None:
                    residences.add(str(code))
    entry.node.props["scope"] = incident_scope(origins, hosts, residences)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def parse(path: Path) -> Iterator[Record]:
    """Sources, then nodes, then edges of the curated dataset at `path` (folder or file)."""
    path = Path(path)
    parser = _Parser(load_schema())
    raw: list[tuple[str, str, int, Any]] = []
    for yaml_file in _files(path):
        raw += parser.read(yaml_file)
    for name, section, i, entry in raw:
        if section == "Source":
            parser.add_source(name, i, entry)
    for name, section, i, entry in raw:
        if section != "Source":
            parser.add_entry(name, section, i, entry)
    for e in parser.entries:
        _derive_scope(parser, e)
    yield from parser.sources.values()
    for e in parser.entries:
        assert e.node is not None
        for prov in e.provs:
            yield Node(e.node.type, dict(e.node.props), prov, id=e.node.id)
    later: list[Node | Edge | Rejected] = []
    for e in parser.entries:
        for record in parser.edges(e):
            if isinstance(record, Node):
                yield record  # implicit State nodes before any edge
            else:
                later.append(record)
    yield from parser.rejects
    yield from later
