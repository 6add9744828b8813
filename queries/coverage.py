"""Sanctions coverage: are the perpetrators of documented incidents designated?

Incidents are grouped by tactic, origin state, host state or perpetrator. A
perpetrator counts as designated when a SanctionListing DESIGNATES it; an
agency, state or organisation also when a listing designates a person
MEMBER_OF it; a state also when a listing designates one of its agencies
(PART_OF) or a member of one. Regimes come from the data (UNDER_REGIME), never
from code.

Each group says why it is, or is not, covered (`reason`, one of REASONS), with the
incidents counted three ways: naming no perpetrator, naming perpetrators none of whom is
designated, naming a designated perpetrator. A gap is a group whose incidents name
perpetrators and none of them is designated (PERPETRATORS_NOT_DESIGNATED); a group whose
incidents name no perpetrator at all is not a sanctions gap but unattributed
(NO_PERPETRATOR_KNOWN): nobody is known who could be designated.

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
    all_recorded,
    check_as_of,
    check_scope,
    in_scope,
    incident_scopes,
    left_out,
    merge_sources,
    node_ref,
    recorded,
    year_of,
)

GroupBy = Literal["tactic", "origin", "host", "perpetrator"]

Reason = Literal[
    "COVERED",
    "PARTLY_COVERED",
    "PERPETRATORS_NOT_DESIGNATED",
    "NO_PERPETRATOR_KNOWN",
    "NO_INCIDENTS_IN_SCOPE",
]
#: Why a group is or is not covered, as a client may show it.
REASONS: dict[str, str] = {
    "COVERED": "every incident names a designated perpetrator",
    "PARTLY_COVERED": "some incidents name a designated perpetrator, others do not",
    "PERPETRATORS_NOT_DESIGNATED": "incidents name perpetrators, and none of them is "
    "designated (a gap)",
    "NO_PERPETRATOR_KNOWN": "no incident names a perpetrator: nobody is known who could be "
    "designated (not a sanctions gap)",
    "NO_INCIDENTS_IN_SCOPE": "every incident of the group is of another scope (counted in leftOut)",
}
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
    gap: bool  # reason is PERPETRATORS_NOT_DESIGNATED
    sources: tuple[SourceRef, ...]
    left_out: tuple[ScopeCount, ...] = ()  # the group's incidents of the other scopes
    reason: Reason = "NO_INCIDENTS_IN_SCOPE"
    explanation: str = ""  # the reason and the three counts, in words (names nobody)
    incidents_no_perpetrator: int = 0  # incidents naming no perpetrator
    incidents_not_designated: int = 0  # incidents naming perpetrators, none designated
    incidents_designated: int = 0  # incidents naming a designated perpetrator
    undesignated: tuple[NodeRef, ...] = ()  # the group's perpetrators that nothing designates


@dataclass(frozen=True)
class Coverage:
    by: str
    groups: tuple[CoverageGroup, ...]
    gaps: tuple[str, ...]  # keys of the groups whose perpetrators are known, none designated
    incidents: int
    perpetrators: int
    designated: int
    scope: str = "transnational"  # the scope counted, or "all"
    left_out: tuple[ScopeCount, ...] = ()  # incidents of the other scopes, per scope
    unattributed: tuple[str, ...] = ()  # keys of the groups whose incidents name no perpetrator
    incidents_no_perpetrator: int = 0
    incidents_not_designated: int = 0
    incidents_designated: int = 0


def _reason(no_perpetrator: int, not_designated: int, designated: int) -> Reason:
    if designated:
        return "COVERED" if not (no_perpetrator or not_designated) else "PARTLY_COVERED"
    if not_designated:
        return "PERPETRATORS_NOT_DESIGNATED"
    return "NO_PERPETRATOR_KNOWN" if no_perpetrator else "NO_INCIDENTS_IN_SCOPE"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def explain(reason: str, no_perpetrator: int, not_designated: int, designated: int) -> str:
    """The reason and the three counts in a sentence a client can show as it is."""
    total = no_perpetrator + not_designated + designated
    head = REASONS[reason][0].upper() + REASONS[reason][1:]
    if reason == "NO_INCIDENTS_IN_SCOPE":
        return head + "."
    parts = [
        f"{designated} naming a designated perpetrator" if designated else "",
        f"{not_designated} naming perpetrators none of whom is designated"
        if not_designated
        else "",
        f"{no_perpetrator} naming no perpetrator" if no_perpetrator else "",
    ]
    counted = ", ".join(p for p in parts if p)
    return f"{head}. Of {_plural(total, 'incident')}: {counted}."


_INCIDENTS = (
    f"MATCH (i:Incident) WHERE {recorded('i')} "
    f"OPTIONAL MATCH (i)-[r:PERPETRATED_BY]->(p) WHERE {all_recorded('r', 'p')} "
    "RETURN i.id AS id, i.year AS year, i.date AS date, i.source_ids AS src, "
    "properties(p) AS p, labels(p) AS p_labels, r.source_ids AS r_src"
)

_DESIGNATION_TAIL = (
    f"OPTIONAL MATCH (l)-[u:UNDER_REGIME]->(g:SanctionRegime) WHERE {all_recorded('u', 'g')} "
    "RETURN x.id AS perp, d_party.id AS party, properties(l) AS l, properties(g) AS g, "
    "d.source_ids AS src"
)
_DESIGNATIONS: dict[str, str] = {
    "direct": "MATCH (l:SanctionListing)-[d:DESIGNATES]->(x) WHERE x.id IN $ids AND "
    f"{all_recorded('l', 'd', 'x')} WITH l, d, x, x AS d_party " + _DESIGNATION_TAIL,
    "member": "MATCH (l:SanctionListing)-[d:DESIGNATES]->(d_party:Person)-[m:MEMBER_OF]->(x) "
    f"WHERE x.id IN $ids AND {all_recorded('l', 'd', 'd_party', 'm', 'x')} " + _DESIGNATION_TAIL,
    "agency": "MATCH (l:SanctionListing)-[d:DESIGNATES]->(d_party:Agency)-[o:PART_OF]->(x:State) "
    f"WHERE x.id IN $ids AND {all_recorded('l', 'd', 'd_party', 'o', 'x')} " + _DESIGNATION_TAIL,
    "agency-member": "MATCH (l:SanctionListing)-[d:DESIGNATES]->(d_party:Person)"
    "-[m:MEMBER_OF]->(a:Agency)-[o:PART_OF]->(x:State) WHERE x.id IN $ids AND "
    f"{all_recorded('l', 'd', 'd_party', 'm', 'a', 'o', 'x')} " + _DESIGNATION_TAIL,
}


def designations(
    store: Store,
    perpetrator_ids: list[str],
    sources: Sources | None = None,
    as_of: str | None = None,
) -> dict[str, list[Designation]]:
    """The designations covering each perpetrator (see the module docstring), as the graph
    stood at the record time `as_of` (none: now)."""
    sources = sources or Sources(store)
    as_of = check_as_of(as_of)
    out: dict[str, list[Designation]] = defaultdict(list)
    if not perpetrator_ids:
        return out
    for via, query in _DESIGNATIONS.items():
        for row in store.read(query, ids=perpetrator_ids, as_of=as_of):
            listing: dict[str, Any] = row["l"]
            regime: dict[str, Any] | None = row["g"]
            out[row["perp"]].append(
                Designation(
                    perpetrator_id=row["perp"],
                    designated_id=row["party"],
                    via=via,
                    listing_id=listing["id"],
                    reference=listing.get("reference"),
                    party_name=listing.get("party_name"),
                    year=year_of(listing.get("year"), listing.get("listing_date")),
                    regime=None
                    if regime is None
                    else RegimeRef(
                        regime["id"],
                        regime.get("authority"),
                        regime.get("code"),
                        regime.get("name"),
                    ),
                    sources=sources.refs(row.get("src"), listing.get("source_ids")),
                )
            )
    return out


def sanctions_coverage(
    store: Store, by: GroupBy = "origin", scope: str | None = None, as_of: str | None = None
) -> Coverage:
    """Incidents, perpetrators and designated perpetrators per group, with the gaps, for the
    incidents of one scope (transnational by default; "all" for every scope), as the graph
    stood at the record time `as_of` (none: now)."""
    if by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(GROUPINGS)}")
    scope = check_scope(scope)
    as_of = check_as_of(as_of)
    schema = store.schema
    sources = Sources(store)
    scopes = incident_scopes(store, as_of=as_of)
    outside: dict[str, str] = {i: s for i, s in scopes.items() if not in_scope(scope, s)}
    incident_years: dict[str, int | None] = {}
    incident_src: dict[str, list[str]] = defaultdict(list)
    perps_of: dict[str, set[str]] = defaultdict(set)
    perp_refs: dict[str, NodeRef] = {}
    out_groups: dict[str, tuple[NodeRef, set[str]]] = {}  # groups of the left-out incidents
    for row in store.read(_INCIDENTS, as_of=as_of):
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
            f"MATCH (i:Incident)-[r:`{rel}`]->(g:`{label}`) WHERE {all_recorded('i', 'r', 'g')} "
            f"RETURN i.id AS incident, g.`{key}` AS key, properties(g) AS g, r.source_ids AS src"
        )
        for row in store.read(query, as_of=as_of):
            ref = node_ref(schema, row["g"], [label])
            key = str(row["key"] or ref.id)
            if row["incident"] in outside:
                out_groups.setdefault(key, (ref, set()))[1].add(row["incident"])
                continue
            groups.setdefault(key, (ref, set()))[1].add(row["incident"])
            incident_src[row["incident"]] += list(row.get("src") or ())
    for key, (ref, _) in out_groups.items():
        groups.setdefault(key, (ref, set()))  # listed, with 0 incidents of the scope

    covered = designations(store, sorted(perp_refs), sources, as_of)
    result: list[CoverageGroup] = []
    for key, (ref, iids) in groups.items():
        group_perps = (
            ([key] if iids else [])
            if by == "perpetrator"
            else sorted({p for i in iids for p in perps_of.get(i, ())})
        )
        found = [d for p in group_perps for d in covered.get(p, [])]
        designated = sorted({d.perpetrator_id for d in found})
        mine = set(group_perps)
        no_perp = sum(1 for i in iids if not perps_of.get(i, set()) & mine)
        with_designated = sum(
            1 for i in iids if any(covered.get(p) for p in perps_of.get(i, set()) & mine)
        )
        not_designated = len(iids) - no_perp - with_designated
        reason = _reason(no_perp, not_designated, with_designated)
        regimes = {d.regime.id: d.regime for d in found if d.regime is not None}
        years = sorted({y for i in iids if (y := incident_years.get(i)) is not None})
        result.append(
            CoverageGroup(
                key=key,
                type=ref.type,
                label=ref.label,
                incidents=len(iids),
                incident_ids=tuple(sorted(iids)),
                years=tuple(years),
                perpetrators=len(group_perps),
                perpetrator_ids=tuple(group_perps),
                designated=len(designated),
                designated_ids=tuple(designated),
                regimes=tuple(
                    sorted(regimes.values(), key=lambda g: (g.authority or "", g.code or ""))
                ),
                designations=tuple(found),
                gap=reason == "PERPETRATORS_NOT_DESIGNATED",
                sources=merge_sources(
                    sources.refs(*(incident_src[i] for i in sorted(iids))),
                    *(d.sources for d in found),
                ),
                left_out=left_out(
                    scope, (outside[i] for i in sorted(out_groups.get(key, (ref, set()))[1]))
                ),
                reason=reason,
                explanation=explain(reason, no_perp, not_designated, with_designated),
                incidents_no_perpetrator=no_perp,
                incidents_not_designated=not_designated,
                incidents_designated=with_designated,
                undesignated=tuple(perp_refs[p] for p in group_perps if not covered.get(p)),
            )
        )
    result.sort(key=lambda g: (-g.incidents, g.key))
    all_perps = {p for g in result for p in g.perpetrator_ids}
    # Each incident of the scope once, whatever the grouping.
    no_perp = sum(1 for i in incident_years if not perps_of.get(i))
    with_designated = sum(
        1 for i in incident_years if any(covered.get(p) for p in perps_of.get(i, ()))
    )
    return Coverage(
        by=by,
        groups=tuple(result),
        gaps=tuple(g.key for g in result if g.gap),
        incidents=len(incident_years),
        perpetrators=len(all_perps),
        designated=len({p for p in all_perps if covered.get(p)}),
        scope=scope,
        left_out=left_out(scope, outside.values()),
        unattributed=tuple(g.key for g in result if g.reason == "NO_PERPETRATOR_KNOWN"),
        incidents_no_perpetrator=no_perp,
        incidents_not_designated=len(incident_years) - no_perp - with_designated,
        incidents_designated=with_designated,
    )
