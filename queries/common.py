"""What every query shares: source references, node references, years, name lookup.

Labels and property names are interpolated into Cypher only from the declared
schema (graph/schema.yaml); every value a caller gives travels as a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph.schema import Schema
from graph.scope import incident_scope
from graph.store import Store


@dataclass(frozen=True)
class SourceRef:
    """A Source node as a citation: enough to show and link it."""

    id: str
    title: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class NodeRef:
    """A node named by id, declared type and display label (the schema's label_property)."""

    id: str
    type: str
    label: str | None = None


def node_type(schema: Schema, labels: Iterable[str] | None, node_id: str | None = None) -> str:
    """The declared type among a node's labels (or encoded in its id)."""
    for label in labels or ():
        if label in schema.nodes:
            return label
    if node_id:
        try:
            return schema.type_of_id(node_id)
        except KeyError:
            pass
    return "Node"


def node_ref(
    schema: Schema, props: Mapping[str, Any], labels: Iterable[str] | None = None
) -> NodeRef:
    """A NodeRef from a node's properties (and labels, when known)."""
    node_id = str(props.get("id", ""))
    type_name = node_type(schema, labels, node_id)
    label = None
    if type_name in schema.nodes:
        value = props.get(schema.node(type_name).label_property)
        label = None if value is None else str(value)
    return NodeRef(node_id, type_name, label)


def label_of(schema: Schema, type_name: str, props: Mapping[str, Any]) -> str:
    """The display label of a node: its label_property, else its id."""
    if type_name in schema.nodes:
        value = props.get(schema.node(type_name).label_property)
        if value is not None:
            return str(value)
    return str(props.get("id", ""))


def year_of(*values: Any) -> int | None:
    """The first year found among an int year and ISO (possibly partial) dates."""
    for value in values:
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = str(value).strip()
        if len(text) >= 4 and text[:4].isdigit():
            return int(text[:4])
    return None


def ids_of(*lists: Iterable[str] | None) -> list[str]:
    """Distinct ids from several (possibly missing) id lists, in first-seen order."""
    seen: dict[str, None] = {}
    for items in lists:
        for item in items or ():
            if item:
                seen.setdefault(str(item), None)
    return list(seen)


class Sources:
    """Resolves Source ids to SourceRefs, one query per batch of unseen ids."""

    _QUERY = (
        "MATCH (s:Source) WHERE s.id IN $ids "
        "RETURN s.id AS id, s.title AS title, s.publisher AS publisher, s.date AS date, s.url AS url"
    )

    def __init__(self, store: Store) -> None:
        self.store = store
        self._known: dict[str, SourceRef] = {}

    def load(self, ids: Iterable[str]) -> None:
        wanted = sorted({i for i in ids if i} - set(self._known))
        if not wanted:
            return
        for row in self.store.read(self._QUERY, ids=wanted):
            self._known[row["id"]] = SourceRef(
                row["id"],
                row.get("title"),
                row.get("publisher"),
                None if row.get("date") is None else str(row["date"]),
                row.get("url"),
            )

    def refs(self, *lists: Iterable[str] | None) -> tuple[SourceRef, ...]:
        """SourceRefs for these ids (ids not found as Source nodes are kept, bare)."""
        ids = ids_of(*lists)
        self.load(ids)
        return tuple(self._known.get(i, SourceRef(i)) for i in ids)


def merge_sources(*groups: Iterable[SourceRef]) -> tuple[SourceRef, ...]:
    seen: dict[str, SourceRef] = {}
    for group in groups:
        for ref in group:
            seen.setdefault(ref.id, ref)
    return tuple(seen.values())


# -- the graph as of a record time (graph/schema.yaml `record_time`) ------------------------
#: Every record time at full precision has this many characters ("2026-12-02T01:51:20.053148Z").
_FULL = "0000-01-01T00:00:00.000000Z"


#: A record time as the feed takes it: a date, or a UTC date and time ("...Z" or without).
RECORD_TIME = re.compile(r"\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,6})?)?)?Z?)?)?)?")


def check_time(value: str | None, name: str) -> str | None:
    """`value` if it reads as a record time (UTC ISO 8601, as precise as wanted), else
    ValueError naming the argument."""
    if value is None:
        return None
    text = value.strip()
    if not RECORD_TIME.fullmatch(text):
        raise ValueError(
            f"{name} must be a UTC ISO 8601 date or time, e.g. 2026-12-01 or 2026-12-01T09:30:00Z"
        )
    return text


def check_as_of(value: str | None, name: str = "as_of") -> str | None:
    """`value` as a record time at full precision (UTC, to the microsecond, as the writer
    stores `first_seen`), so that it compares with stored times as a string; None stays
    None. A date or a shorter time means its first instant: "2026-12-01" is 00:00 UTC that
    day. ValueError naming the argument (`name`) when it is not a UTC ISO 8601 time."""
    text = check_time(value, name)
    if text is None:
        return None
    text = text.removesuffix("Z")
    return text + _FULL[len(text) :]


def recorded(var: str, param: str = "$as_of") -> str:
    """The Cypher condition that node or relation `var` was in the graph at the record time
    `param` (none: always): recorded then or before, or stored with no record time (before
    record time was kept, or by a path that does not set it)."""
    return f"({param} IS NULL OR {var}.first_seen IS NULL OR {var}.first_seen <= {param})"


def all_recorded(*variables: str, param: str = "$as_of") -> str:
    """`recorded` for each of `variables`, joined by AND."""
    return " AND ".join(recorded(v, param) for v in variables)


def path_recorded(path: str, param: str = "$as_of") -> str:
    """Every node and relation of the path `path` was in the graph at `param`."""
    return (
        f"all(x IN nodes({path}) WHERE {recorded('x', param)}) AND "
        f"all(x IN relationships({path}) WHERE {recorded('x', param)})"
    )


def lookup_ids(store: Store, type_name: str, text: str, as_of: str | None = None) -> list[str]:
    """Ids of nodes of `type_name` whose id, label, code, ref or alias equals `text` (any
    case), recorded at `as_of` (none: now)."""
    nt = store.schema.node(type_name)
    props = [p for p in (nt.label_property, "name", "code", "ref") if p in nt.properties]
    conditions = ["n.id = $text"] + [
        f"toLower(n.`{p}`) = toLower($text)" for p in dict.fromkeys(props)
    ]
    if "aliases" in nt.properties:
        conditions.append("any(a IN coalesce(n.aliases, []) WHERE toLower(a) = toLower($text))")
    query = (
        f"MATCH (n:`{type_name}`) WHERE ({' OR '.join(conditions)}) AND {recorded('n')} "
        "RETURN n.id AS id ORDER BY id"
    )
    return [r["id"] for r in store.read(query, text=text.strip(), as_of=check_as_of(as_of))]


def state_index(store: Store, as_of: str | None = None) -> dict[str, NodeRef]:
    """Every State (recorded at `as_of`; none: now) by id and by ISO code (both keys point
    to the same NodeRef)."""
    out: dict[str, NodeRef] = {}
    for row in store.read(
        f"MATCH (s:State) WHERE {recorded('s')} RETURN s.id AS id, s.code AS code, s.name AS name",
        as_of=check_as_of(as_of),
    ):
        ref = NodeRef(row["id"], "State", row.get("name"))
        out[row["id"]] = ref
        if row.get("code"):
            out[str(row["code"]).upper()] = ref
    return out


# -- the scope of incidents (graph/schema.yaml, Incident.scope) ---------------------------
SCOPES: tuple[str, ...] = ("transnational", "domestic", "unknown")
#: Analytical answers count transnational repression unless asked otherwise.
DEFAULT_SCOPE = "transnational"
#: Every scope at once (the caller asked for it; the answer says so).
ALL_SCOPES = "all"


@dataclass(frozen=True)
class ScopeCount:
    """Incidents of one scope that an answer did not count, so that it can say so."""

    scope: str
    incidents: int


def check_scope(scope: str | None) -> str:
    """The scope asked for ("transnational" when None); ValueError for anything else."""
    scope = DEFAULT_SCOPE if scope is None else scope.strip().lower()
    if scope not in (*SCOPES, ALL_SCOPES):
        raise ValueError(
            f"unknown scope {scope!r}; choose one of {', '.join((*SCOPES, ALL_SCOPES))}"
        )
    return scope


_SCOPES = (
    f"MATCH (i:Incident) WHERE ($ids IS NULL OR i.id IN $ids) AND {recorded('i')} "
    f"OPTIONAL MATCH (i)-[ro:ORIGIN_STATE]->(o:State) WHERE {all_recorded('ro', 'o')} "
    "WITH i, collect(DISTINCT o.code) AS origins "
    f"OPTIONAL MATCH (i)-[rh:HOST_STATE]->(h:State) WHERE {all_recorded('rh', 'h')} "
    "WITH i, origins, collect(DISTINCT h.code) AS hosts "
    f"OPTIONAL MATCH (i)-[rp:TARGETED]->(p:Person) WHERE {all_recorded('rp', 'p')} "
    "RETURN i.id AS id, i.scope AS scope, origins, hosts, "
    "collect(DISTINCT p.residence_country) AS residences"
)


def incident_scopes(
    store: Store, ids: Iterable[str] | None = None, as_of: str | None = None
) -> dict[str, str]:
    """The scope of each incident: "transnational" or "domestic" as stored (the loader's or the
    source's word), else as the graph gives it (HOST_STATE, else the targets' residence,
    against ORIGIN_STATE), else "unknown". Never a guess. Of the incidents recorded at
    `as_of` (none: now), as the graph stood then."""
    out: dict[str, str] = {}
    wanted = None if ids is None else sorted(set(ids))
    for row in store.read(_SCOPES, ids=wanted, as_of=check_as_of(as_of)):
        stored = row.get("scope")
        if stored in ("transnational", "domestic"):
            out[row["id"]] = str(stored)
            continue
        out[row["id"]] = incident_scope(
            {str(c) for c in row["origins"] or () if c},
            {str(c) for c in row["hosts"] or () if c},
            {str(c) for c in row["residences"] or () if c},
        )
    return out


def in_scope(scope: str, of_incident: str) -> bool:
    return scope == ALL_SCOPES or of_incident == scope


def left_out(scope: str, scopes: Iterable[str]) -> tuple[ScopeCount, ...]:
    """Counts per scope of the incidents (given by their scopes) that `scope` leaves out."""
    counts: dict[str, int] = {}
    for s in scopes:
        if not in_scope(scope, s):
            counts[s] = counts.get(s, 0) + 1
    return tuple(ScopeCount(s, counts[s]) for s in SCOPES if s in counts)
