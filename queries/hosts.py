"""Host-state collaboration: where the host's own authorities acted for the origin state.

An incident counts for a host state when it was ASSISTED_BY the host state or one
of its agencies (PART_OF, or the agency's state_code), or when it used a tactic
that only the host's authorities can carry out (HOST_ACTIONS) and names that
state as HOST_STATE. Incidents whose origin is the host itself are left out.
Only incidents of one scope count (transnational unless asked otherwise); each host
counts its incidents of the other scopes apart (`left_out`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from graph.store import Store
from graph.vocabulary import TACTIC_CODES
from queries.common import (
    NodeRef,
    ScopeCount,
    SourceRef,
    Sources,
    all_recorded,
    check_as_of,
    check_scope,
    in_scope,
    incident_scopes,
    left_out,
    merge_sources,
    state_index,
    year_of,
)

#: Tactics that need the host's authorities: detention, deportation, handover, entry, services.
HOST_ACTIONS: tuple[str, ...] = (
    "detention",
    "unlawful-deportation",
    "rendition",
    "denial-of-entry",
    "denial-of-services",
)
assert set(HOST_ACTIONS) <= TACTIC_CODES


@dataclass(frozen=True)
class HostIncident:
    id: str
    title: str | None
    year: int | None
    tactics: tuple[str, ...]
    origins: tuple[str, ...]  # ISO codes of the origin states
    via: tuple[str, ...]  # "assisted-by" and/or "tactic"
    assisted_by: tuple[NodeRef, ...]  # the host's agencies (or the state) that acted
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class HostState:
    state: NodeRef
    code: str | None
    incidents: int
    origins: tuple[str, ...]
    years: tuple[int, ...]
    incident_list: tuple[HostIncident, ...]
    sources: tuple[SourceRef, ...]
    left_out: tuple[ScopeCount, ...] = ()  # the host's incidents of the other scopes


@dataclass
class _Hit:
    via: set[str] = field(default_factory=set)
    src: list[str] = field(default_factory=list)
    actors: dict[str, NodeRef] = field(default_factory=dict)


_ASSISTED = (
    f"MATCH (i:Incident)-[r:ASSISTED_BY]->(a:Agency) WHERE {all_recorded('i', 'r', 'a')} "
    f"OPTIONAL MATCH (a)-[o:PART_OF]->(h:State) WHERE {all_recorded('o', 'h')} "
    "RETURN i.id AS incident, h.id AS host, a.state_code AS code, a.id AS actor, "
    "a.name AS actor_name, 'Agency' AS actor_type, r.source_ids AS src "
    "UNION ALL "
    f"MATCH (i:Incident)-[r:ASSISTED_BY]->(h:State) WHERE {all_recorded('i', 'r', 'h')} "
    "RETURN i.id AS incident, h.id AS host, h.code AS code, h.id AS actor, "
    "h.name AS actor_name, 'State' AS actor_type, r.source_ids AS src"
)
_BY_TACTIC = (
    "MATCH (i:Incident)-[u:USED_TACTIC]->(t:Tactic) WHERE t.code IN $codes AND "
    f"{all_recorded('i', 'u', 't')} "
    f"MATCH (i)-[r:HOST_STATE]->(h:State) WHERE {all_recorded('r', 'h')} "
    "RETURN DISTINCT i.id AS incident, h.id AS host, r.source_ids AS src"
)
_DETAILS = (
    "MATCH (i:Incident) WHERE i.id IN $ids "
    f"OPTIONAL MATCH (i)-[ro:ORIGIN_STATE]->(o:State) WHERE {all_recorded('ro', 'o')} "
    "WITH i, collect(DISTINCT o.code) AS origins, collect(DISTINCT o.id) AS origin_ids "
    f"OPTIONAL MATCH (i)-[ru:USED_TACTIC]->(t:Tactic) WHERE {all_recorded('ru', 't')} "
    "RETURN i.id AS id, i.title AS title, i.year AS year, i.date AS date, i.source_ids AS src, "
    "origins, origin_ids, collect(DISTINCT t.code) AS tactics"
)


def host_collaboration(
    store: Store,
    *,
    origin: str | None = None,
    host: str | None = None,
    limit: int = 100,
    scope: str | None = None,
    as_of: str | None = None,
) -> list[HostState]:
    """Host states ranked by incidents in which their authorities acted for an origin state.

    `origin` and `host` filter by ISO code or State id; `scope` is transnational by default
    ("all" for every scope). As the graph stood at the record time `as_of` (none: now).
    """
    scope = check_scope(scope)
    as_of = check_as_of(as_of)
    states = state_index(store, as_of)
    sources = Sources(store)
    hits: dict[tuple[str, str], _Hit] = {}

    for row in store.read(_ASSISTED, as_of=as_of):
        by_code = states.get(str(row["code"] or "").upper())
        host_id = row["host"] or (by_code.id if by_code else None)
        if host_id is None:
            continue
        entry = hits.setdefault((host_id, row["incident"]), _Hit())
        entry.via.add("assisted-by")
        entry.src += list(row["src"] or ())
        entry.actors[row["actor"]] = NodeRef(row["actor"], row["actor_type"], row["actor_name"])
    for row in store.read(_BY_TACTIC, codes=list(HOST_ACTIONS), as_of=as_of):
        entry = hits.setdefault((row["host"], row["incident"]), _Hit())
        entry.via.add("tactic")
        entry.src += list(row["src"] or ())
    if not hits:
        return []
    details = {
        r["id"]: r for r in store.read(_DETAILS, ids=sorted({i for _, i in hits}), as_of=as_of)
    }

    origin_ref = states.get(origin.upper() if origin else "") or states.get(origin or "")
    host_ref = states.get(host.upper() if host else "") or states.get(host or "")
    if (origin and origin_ref is None) or (host and host_ref is None):
        return []
    per_host: dict[str, list[HostIncident]] = defaultdict(list)
    outside: dict[str, list[str]] = defaultdict(list)  # host -> scopes of its left-out incidents
    scopes = incident_scopes(store, sorted({i for _, i in hits}), as_of)
    for (host_id, iid), entry in hits.items():
        d = details.get(iid)
        if d is None:
            continue
        if origin_ref and origin_ref.id not in (d["origin_ids"] or ()):
            continue
        if host_ref and host_ref.id != host_id:
            continue
        if host_id in (d["origin_ids"] or ()):
            outside[host_id].append("domestic")  # the host acting for itself: not collaboration
            continue
        if not in_scope(scope, scopes.get(iid, "unknown")):
            outside[host_id].append(scopes.get(iid, "unknown"))
            continue
        per_host[host_id].append(
            HostIncident(
                id=iid,
                title=d.get("title"),
                year=year_of(d.get("year"), d.get("date")),
                tactics=tuple(sorted(d["tactics"] or ())),
                origins=tuple(sorted(d["origins"] or ())),
                via=tuple(sorted(entry.via)),
                assisted_by=tuple(sorted(entry.actors.values(), key=lambda a: a.id)),
                sources=sources.refs(d.get("src"), entry.src),
            )
        )
    result: list[HostState] = []
    for host_id in outside:
        per_host.setdefault(host_id, [])  # listed with 0 incidents of the scope
    for host_id, incidents in per_host.items():
        incidents.sort(key=lambda i: (i.year or 0, i.id))
        ref = states.get(host_id, NodeRef(host_id, "State"))
        code = next((k for k, v in states.items() if v.id == host_id and k != host_id), None)
        result.append(
            HostState(
                state=ref,
                code=code,
                incidents=len(incidents),
                origins=tuple(sorted({o for i in incidents for o in i.origins})),
                years=tuple(sorted({i.year for i in incidents if i.year is not None})),
                incident_list=tuple(incidents),
                sources=merge_sources(*(i.sources for i in incidents)),
                left_out=left_out(scope, outside.get(host_id, ())),
            )
        )
    result.sort(key=lambda h: (-h.incidents, h.code or h.state.id))
    return result[:limit]
