"""Sanctions coverage: are the perpetrators of documented incidents designated?

Incidents are grouped by tactic, origin state, host state or perpetrator. A
perpetrator counts as designated when a SanctionListing DESIGNATES it; an
agency, state or organisation also when a listing designates a person
MEMBER_OF it; a state also when a listing designates one of its agencies
(PART_OF) or a member of one. Regimes come from the data (UNDER_REGIME), never
from code. A gap is a group with incidents and no designated perpetrator.

Only incidents of one scope count (transnational unless asked otherwise); each group
and the whole answer count the incidents of the other scopes apart (`left_out`), and
a group whose incidents are all of other scopes is listed with 0 incidents.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from graph.store import Store
from queries.common import (
    NodeRef,
    ScopeCount,
    SourceRef,
    Sources,
    check_scope,
    in_scope,
    incident_scopes,
    left_out,
    merge_sources,
    node_ref,
    year_of,
)

GroupBy = Literal["tactic", "origin", "host", "perpetrator"]
GROUPINGS: tuple[str, ...] = ("tactic", "origin", "host", "perpetrator")

# grouping -> (relation from the incident, node type, key property)
_GROUP_RELATION: dict[str, tuple[str, str, str]] = {
    "tactic": ("USED_TACTIC", "Tactic", "code"),
    "origin": ("ORIGIN_STATE", "State", "code"),
    "host": ("HOST_STATE", "State", "code"),
}


@dataclass(frozen=True)
class RegimeRef:
    id: str
    authority: str | None
    code: str | None
    name: str | None


@dataclass(frozen=True)
class Designation:
    """A listing that covers a perpetrator, directly or through a member or an organ."""

    perpetrator_id: str
    designated_id: str  # the party the listing names
    via: str  # "direct" | "member" | "agency" | "agency-member"
    listing_id: str
    reference: str | None
    party_name: str | None  # as the sanctions list publishes it
    year: int | None
    regime: RegimeRef | None
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class CoverageGroup:
    key: str  # tactic code, state code or perpetrator id
    type: str  # Tactic, State, or the perpetrator's type
    label: str | None
    incidents: int
    incident_ids: tuple[str, ...]
    years: tuple[int, ...]
    perpetrators: int
    perpetrator_ids: tuple[str, ...]
    designated: int
    designated_ids: tuple[str, ...]
    regimes: tuple[RegimeRef, ...]
    designations: tuple[Designation, ...]
    gap: bool
    sources: tuple[SourceRef, ...]
    left_out: tuple[ScopeCount, ...] = ()  # the group's incidents of the other scopes


@dataclass(frozen=True)
class Coverage:
    by: str
    groups: tuple[CoverageGroup, ...]
    gaps: tuple[str, ...]  # keys of the groups with incidents and no designated perpetrator
    incidents: int
    perpetrators: int
    designated: int
    scope: str = "transnational"  # the scope counted, or "all"
    left_out: tuple[ScopeCount, ...] = ()  # incidents of the other scopes, per scope


_INCIDENTS = (
    "MATCH (i:Incident) OPTIONAL MATCH (i)-[r:PERPETRATED_BY]->(p) "
    "RETURN i.id AS id, i.year AS year, i.date AS date, i.source_ids AS src, "
    "properties(p) AS p, labels(p) AS p_labels, r.source_ids AS r_src"
)

_DESIGNATION_TAIL = (
    "OPTIONAL MATCH (l)-[:UNDER_REGIME]->(g:SanctionRegime) "
    "RETURN x.id AS perp, d_party.id AS party, properties(l) AS l, properties(g) AS g, "
    "d.source_ids AS src"
)
_DESIGNATIONS: dict[str, str] = {
    "direct": "MATCH (l:SanctionListing)-[d:DESIGNATES]->(x) WHERE x.id IN $ids "
    "WITH l, d, x, x AS d_party " + _DESIGNATION_TAIL,
    "member": "MATCH (l:SanctionListing)-[d:DESIGNATES]->(d_party:Person)-[:MEMBER_OF]->(x) "
    "WHERE x.id IN $ids " + _DESIGNATION_TAIL,
    "agency": "MATCH (l:SanctionListing)-[d:DESIGNATES]->(d_party:Agency)-[:PART_OF]->(x:State) "
    "WHERE x.id IN $ids " + _DESIGNATION_TAIL,
    "agency-member": "MATCH (l:SanctionListing)-[d:DESIGNATES]->(d_party:Person)"
    "-[:MEMBER_OF]->(:Agency)-[:PART_OF]->(x:State) WHERE x.id IN $ids " + _DESIGNATION_TAIL,
}


def designations(store: Store, perpetrator_ids: list[str],
                 sources: Sources | None = None) -> dict[str, list[Designation]]:  # fmt: skip
    """The designations covering each perpetrator (see the module docstring)."""
    sources = sources or Sources(store)
    out: dict[str, list[Designation]] = defaultdict(list)
    if not perpetrator_ids:
        return out
    for via, query in _DESIGNATIONS.items():
        for row in store.read(query, ids=perpetrator_ids):
            listing: dict[str, Any] = row["l"]
            regime: dict[str, Any] | None = row["g"]
            out[row["perp"]].append(Designation(
                perpetrator_id=row["perp"], designated_id=row["party"], via=via,
                listing_id=listing["id"], reference=listing.get("reference"),
                party_name=listing.get("party_name"),
                year=year_of(listing.get("year"), listing.get("listing_date")),
                regime=None if regime is None else RegimeRef(
                    regime["id"], regime.get("authority"), regime.get("code"), regime.get("name")),
                sources=sources.refs(row.get("src"), listing.get("source_ids")),
            ))  # fmt: skip
    return out


def sanctions_coverage(store: Store, by: GroupBy = "origin", scope: str | None = None) -> Coverage:
    """Incidents, perpetrators and designated perpetrators per group, with the gaps, for the
    incidents of one scope (transnational by default; "all" for every scope)."""
    if by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(GROUPINGS)}")
    scope = check_scope(scope)
    schema = store.schema
    sources = Sources(store)
    scopes = incident_scopes(store)
    outside: dict[str, str] = {i: s for i, s in scopes.items() if not in_scope(scope, s)}
    incident_years: dict[str, int | None] = {}
    incident_src: dict[str, list[str]] = defaultdict(list)
    perps_of: dict[str, set[str]] = defaultdict(set)
    perp_refs: dict[str, NodeRef] = {}
    out_groups: dict[str, tuple[NodeRef, set[str]]] = {}  # groups of the left-out incidents
    for row in store.read(_INCIDENTS):
        iid = row["id"]
        if iid in outside:
            if by == "perpetrator" and row["p"] is not None:
                ref = node_ref(schema, row["p"], row["p_labels"])
                out_groups.setdefault(ref.id, (ref, set()))[1].add(iid)
            continue
        incident_years[iid] = year_of(row.get("year"), row.get("date"))
        incident_src[iid] += list(row.get("src") or ())
        if row["p"] is not None:
            ref = node_ref(schema, row["p"], row["p_labels"])
            perp_refs[ref.id] = ref
            perps_of[iid].add(ref.id)
            incident_src[iid] += list(row.get("r_src") or ())

    # group key -> (ref, incident ids)
    groups: dict[str, tuple[NodeRef, set[str]]] = {}
    if by == "perpetrator":
        for iid, perps in perps_of.items():
            for pid in perps:
                groups.setdefault(pid, (perp_refs[pid], set()))[1].add(iid)
    else:
        rel, label, key = _GROUP_RELATION[by]
        query = (
            f"MATCH (i:Incident)-[r:`{rel}`]->(g:`{label}`) "
            f"RETURN i.id AS incident, g.`{key}` AS key, properties(g) AS g, r.source_ids AS src"
        )
        for row in store.read(query):
            ref = node_ref(schema, row["g"], [label])
            key = str(row["key"] or ref.id)
            if row["incident"] in outside:
                out_groups.setdefault(key, (ref, set()))[1].add(row["incident"])
                continue
            groups.setdefault(key, (ref, set()))[1].add(row["incident"])
            incident_src[row["incident"]] += list(row.get("src") or ())
    for key, (ref, _) in out_groups.items():
        groups.setdefault(key, (ref, set()))  # listed, with 0 incidents of the scope

    covered = designations(store, sorted(perp_refs), sources)
    result: list[CoverageGroup] = []
    for key, (ref, iids) in groups.items():
        group_perps = (
            ([key] if iids else []) if by == "perpetrator" else sorted({p for i in iids for p in perps_of.get(i, ())})
        )
        found = [d for p in group_perps for d in covered.get(p, [])]
        designated = sorted({d.perpetrator_id for d in found})
        regimes = {d.regime.id: d.regime for d in found if d.regime is not None}
        years = sorted({y for i in iids if (y := incident_years.get(i)) is not None})
        result.append(CoverageGroup(
            key=key, type=ref.type, label=ref.label, incidents=len(iids),
            incident_ids=tuple(sorted(iids)), years=tuple(years), perpetrators=len(group_perps),
            perpetrator_ids=tuple(group_perps), designated=len(designated),
            designated_ids=tuple(designated),
            regimes=tuple(sorted(regimes.values(), key=lambda g: (g.authority or "", g.code or ""))),
            designations=tuple(found), gap=bool(iids) and not designated,
            sources=merge_sources(sources.refs(*(incident_src[i] for i in sorted(iids))),
                                  *(d.sources for d in found)),
            left_out=left_out(scope, (outside[i] for i in sorted(out_groups.get(key, (ref, set()))[1]))),
        ))  # fmt: skip
    result.sort(key=lambda g: (-g.incidents, g.key))
    all_perps = {p for g in result for p in g.perpetrator_ids}
    return Coverage(
        by=by,
        groups=tuple(result),
        gaps=tuple(g.key for g in result if g.gap),
        incidents=len(incident_years),
        perpetrators=len(all_perps),
        designated=len({p for p in all_perps if covered.get(p)}),
        scope=scope,
        left_out=left_out(scope, outside.values()),
    )
