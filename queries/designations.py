"""Designations by origin state: who of a state is designated under one regime, and is it
for the state's documented incidents?

For each origin state with documented incidents (of one scope, transnational unless asked
otherwise; the incidents of other scopes counted apart in `left_out`), the listings under
the regime asked for (a SanctionRegime of the data, never a name in code) that
designate one of the state's parties, each with how the party belongs to the state
(`ties`):

* `citizen`  a person CITIZEN_OF the state (as the sanctions list states it);
* `member`   a person MEMBER_OF the state, or of an agency PART_OF it;
* `organ`    an agency PART_OF the state;
* `based-in` an organisation or vendor BASED_IN the state;

and whether it is linked to the state's incidents: the listing designates a perpetrator of
one of them, or a member or organ of one (queries/coverage.py `designations`). A listing
that covers a perpetrator of the state's incidents is listed even when its party has no
tie to the state (a foreign agent designated for the state's act). A state with no listing
is `NOBODY_DESIGNATED`.

What the answer leaves out, it counts: the incidents of the scope that name no origin
state (`without_origin`), the listings under the regime whose party is tied to states with
no documented incident (`other_states`), and those whose party the data ties to no state
at all (`unattributed`, e.g. an entity the list names only in a script or words the loader
does not read as a state).
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
from queries.coverage import RegimeRef, designations

Status = Literal[
    "NOBODY_DESIGNATED", "DESIGNATED_NOT_LINKED", "PARTLY_LINKED", "LINKED", "NO_INCIDENTS_IN_SCOPE"
]
#: What a state's designations under the regime say, as a client may show it.
STATUSES: dict[str, str] = {
    "NOBODY_DESIGNATED": "nobody of the state, and no perpetrator of its incidents, is "
    "designated under the regime",
    "DESIGNATED_NOT_LINKED": "the state's designated parties are not linked to its documented "
    "incidents (none is a perpetrator, or a member or organ of one)",
    "PARTLY_LINKED": "some of its designations are linked to its documented incidents, others "
    "are not",
    "LINKED": "every designation is linked to its documented incidents",
    "NO_INCIDENTS_IN_SCOPE": "every incident of the state is of another scope (counted in leftOut)",
}

#: tie -> the pattern from a designated party `x` to its state `s`
_TIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "citizen": ("(x:Person)-[t:CITIZEN_OF]->(s:State)", ()),
    "member": ("(x:Person)-[t:MEMBER_OF]->(s:State)", ()),
    "member-of-organ": ("(x:Person)-[t:MEMBER_OF]->(a:Agency)-[o:PART_OF]->(s:State)", ("a", "o")),
    "organ": ("(x:Agency)-[t:PART_OF]->(s:State)", ()),
    "based-in": ("(x)-[t:BASED_IN]->(s:State)", ()),
}
_TIE_NAME = {"member-of-organ": "member"}

_LISTINGS = (
    "MATCH (l:SanctionListing)-[u:UNDER_REGIME]->(g:SanctionRegime) WHERE g.id = $regime AND "
    f"{all_recorded('l', 'u', 'g')} MATCH (l)-[d:DESIGNATES]->(x) WHERE {all_recorded('d', 'x')} "
    "RETURN properties(l) AS l, properties(x) AS x, labels(x) AS x_labels, d.source_ids AS src"
)
_INCIDENTS = (
    f"MATCH (i:Incident) WHERE {recorded('i')} "
    f"OPTIONAL MATCH (i)-[r:ORIGIN_STATE]->(s:State) WHERE {all_recorded('r', 's')} "
    "RETURN i.id AS id, properties(s) AS s, r.source_ids AS src"
)
_PERPETRATORS = (
    f"MATCH (i:Incident)-[r:PERPETRATED_BY]->(p) WHERE {all_recorded('i', 'r', 'p')} "
    "RETURN i.id AS incident, p.id AS perpetrator"
)


@dataclass(frozen=True)
class OriginDesignation:
    """One listing under the regime: its party, how the party belongs to the origin state,
    and the state's incidents it is linked to."""

    listing_id: str
    reference: str | None  # the authority's reference for the listing
    party: NodeRef  # the designated party
    party_name: str | None  # as the sanctions list publishes it
    year: int | None
    ties: tuple[str, ...]  # citizen, member, organ, based-in; empty: only through incidents
    linked: bool  # a perpetrator of the state's incidents (in scope) is covered by it
    incident_ids: tuple[str, ...]  # those incidents
    perpetrator_ids: tuple[str, ...]  # the perpetrators of them it covers
    via: tuple[str, ...]  # how it covers them: direct, member, agency, agency-member
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class OriginState:
    """An origin state with documented incidents and its designations under the regime."""

    key: str  # ISO code
    state: NodeRef
    status: Status
    explanation: str  # the status and the counts, in words
    incidents: int  # of the scope
    incident_ids: tuple[str, ...]
    incidents_no_perpetrator: int  # naming no perpetrator
    incidents_linked: int  # naming a perpetrator covered by a listing under the regime
    designated: int  # listings under the regime shown for the state
    linked: int  # of them, linked to its incidents
    not_linked: int  # of them, not linked
    designations: tuple[OriginDesignation, ...]
    sources: tuple[SourceRef, ...]
    left_out: tuple[ScopeCount, ...] = ()  # the state's incidents of other scopes


@dataclass(frozen=True)
class DesignationsByOrigin:
    regime: RegimeRef
    scope: str  # the scope counted, or "all"
    states: tuple[OriginState, ...]
    nobody_designated: tuple[str, ...]  # codes of states with incidents and no designation
    not_linked: tuple[str, ...]  # codes of states with a designation not linked to incidents
    incidents: int  # incidents of the scope with an origin state
    without_origin: int  # incidents of the scope that name no origin state (left out)
    listings: int  # listings under the regime in the graph
    other_states: int  # listings tied only to states with no documented incident (left out)
    unattributed: int  # listings whose party the data ties to no state (left out)
    unattributed_ids: tuple[str, ...]  # those listings
    left_out: tuple[ScopeCount, ...] = ()  # incidents of the other scopes, per scope


def find_regime(store: Store, regime: str, as_of: str | None = None) -> RegimeRef:
    """The SanctionRegime named by id, `authority/code`, code or name (any case), among those
    recorded at `as_of` (none: now). A ValueError that lists the regimes of the graph when
    none or several match."""
    text = " ".join(str(regime or "").split()).casefold()
    rows = store.read(
        f"MATCH (g:SanctionRegime) WHERE {recorded('g')} RETURN properties(g) AS g",
        as_of=check_as_of(as_of),
    )
    regimes = sorted(
        (
            RegimeRef(r["g"]["id"], r["g"].get("authority"), r["g"].get("code"), r["g"].get("name"))
            for r in rows
        ),
        key=lambda g: (g.authority or "", g.code or ""),
    )

    def names(g: RegimeRef) -> set[str]:
        return {
            g.id.casefold(),
            f"{g.authority}/{g.code}".casefold(),
            *((g.name.casefold(),) if g.name else ()),
        }

    found = [g for g in regimes if text in names(g)] or [
        g for g in regimes if text == str(g.code).casefold()
    ]
    if len(found) == 1:
        return found[0]
    known = ", ".join(f"{g.authority}/{g.code}" for g in (found or regimes))
    if found:
        raise ValueError(
            f"several sanctions regimes have that code; name one as authority/code: {known}"
        )
    if not regimes:
        raise ValueError("the graph holds no sanctions regime: load a sanctions list first")
    raise ValueError(
        f"no sanctions regime of that name in the graph; give one as "
        f"authority/code (e.g. {regimes[0].authority}/{regimes[0].code}): {known}"
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _status(incidents: int, linked: int, not_linked: int) -> Status:
    if not incidents:
        return "NO_INCIDENTS_IN_SCOPE"
    if not (linked or not_linked):
        return "NOBODY_DESIGNATED"
    if not linked:
        return "DESIGNATED_NOT_LINKED"
    return "LINKED" if not not_linked else "PARTLY_LINKED"


def explain(
    status: str,
    regime: RegimeRef,
    incidents: int,
    no_perpetrator: int,
    linked: int,
    not_linked: int,
) -> str:
    """The status and the counts in a sentence a client can show as it is (names nobody)."""
    head = STATUSES[status][0].upper() + STATUSES[status][1:]
    if status == "NO_INCIDENTS_IN_SCOPE":
        return head + "."
    under = f"{regime.authority}/{regime.code}"
    return (
        f"{head}. {_plural(linked + not_linked, 'listing')} under {under}, {linked} linked "
        f"to its incidents; {_plural(incidents, 'incident')}, {no_perpetrator} naming no "
        f"perpetrator."
    )


def designations_by_origin(
    store: Store, regime: str, scope: str | None = None, as_of: str | None = None
) -> DesignationsByOrigin:
    """Per origin state with documented incidents: the listings under `regime` of its
    parties and of its incidents' perpetrators, linked or not (see the module docstring),
    as the graph stood at the record time `as_of` (none: now)."""
    scope = check_scope(scope)
    as_of = check_as_of(as_of)
    reg = find_regime(store, regime, as_of)
    schema = store.schema
    sources = Sources(store)
    scopes = incident_scopes(store, as_of=as_of)

    # The origin states and their incidents, of the scope and of the others.
    states: dict[str, NodeRef] = {}
    codes: dict[str, str] = {}
    incidents_of: dict[str, set[str]] = defaultdict(set)
    out_of_scope: dict[str, list[str]] = defaultdict(list)
    incident_src: dict[str, list[str]] = defaultdict(list)
    without_origin: set[str] = set()
    for row in store.read(_INCIDENTS, as_of=as_of):
        iid, state = row["id"], row["s"]
        of_scope = in_scope(scope, scopes.get(iid, "unknown"))
        if state is None:
            if of_scope:
                without_origin.add(iid)
            continue
        sid = str(state["id"])
        states[sid] = node_ref(schema, state, ["State"])
        codes[sid] = str(state.get("code") or sid)
        if of_scope:
            incidents_of[sid].add(iid)
            incident_src[iid] += list(row.get("src") or ())
        else:
            out_of_scope[sid].append(scopes.get(iid, "unknown"))

    # The perpetrators of the incidents of the scope, and the listings under the regime
    # that cover them (directly, through a member, an organ, a member of an organ).
    perps_of: dict[str, set[str]] = defaultdict(set)
    for row in store.read(_PERPETRATORS, as_of=as_of):
        perps_of[row["incident"]].add(str(row["perpetrator"]))
    in_scope_ids = {i for ids in incidents_of.values() for i in ids}
    perps = sorted({p for i in in_scope_ids for p in perps_of.get(i, ())})
    covering = {
        p: [d for d in ds if d.regime is not None and d.regime.id == reg.id]
        for p, ds in designations(store, perps, sources, as_of).items()
    }

    # Every listing under the regime, and the states its party belongs to.
    listings: dict[str, tuple[dict[str, Any], NodeRef, list[str]]] = {}
    for row in store.read(_LISTINGS, regime=reg.id, as_of=as_of):
        listing = row["l"]
        listings[listing["id"]] = (
            listing,
            node_ref(schema, row["x"], row["x_labels"]),
            list(row.get("src") or ()),
        )
    ties: dict[str, dict[str, set[str]]] = defaultdict(
        lambda: defaultdict(set)
    )  # listing -> state -> ties
    tie_src: dict[str, list[str]] = defaultdict(list)
    for tie, (pattern, between) in _TIES.items():
        query = (
            f"MATCH (l:SanctionListing)-[d:DESIGNATES]->{pattern} WHERE l.id IN $ids AND "
            f"{all_recorded('d', 'x', 't', *between, 's')} "
            "RETURN l.id AS listing, s.id AS state, t.source_ids AS src"
        )
        for row in store.read(query, ids=sorted(listings), as_of=as_of):
            ties[row["listing"]][str(row["state"])].add(_TIE_NAME.get(tie, tie))
            tie_src[row["listing"]] += list(row.get("src") or ())

    result: list[OriginState] = []
    shown: set[str] = set()
    for sid, ref in states.items():
        iids = incidents_of.get(sid, set())
        links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for iid in iids:
            for p in perps_of.get(iid, ()):
                for d in covering.get(p, ()):
                    links[d.listing_id]["incidents"].add(iid)
                    links[d.listing_id]["perpetrators"].add(p)
                    links[d.listing_id]["via"].add(d.via)
        mine = {lid for lid, by_state in ties.items() if sid in by_state} | set(links)
        rows: list[OriginDesignation] = []
        for lid in sorted(mine):
            if lid not in listings:
                continue
            listing, party, src = listings[lid]
            link = links.get(lid, {})
            rows.append(
                OriginDesignation(
                    listing_id=lid,
                    reference=listing.get("reference"),
                    party=party,
                    party_name=listing.get("party_name"),
                    year=year_of(listing.get("year"), listing.get("listing_date")),
                    ties=tuple(sorted(ties.get(lid, {}).get(sid, ()))),
                    linked=bool(link),
                    incident_ids=tuple(sorted(link.get("incidents", ()))),
                    perpetrator_ids=tuple(sorted(link.get("perpetrators", ()))),
                    via=tuple(sorted(link.get("via", ()))),
                    sources=sources.refs(src, listing.get("source_ids"), tie_src.get(lid)),
                )
            )
        shown |= {r.listing_id for r in rows}
        rows.sort(key=lambda r: (not r.linked, r.party_name or "", r.listing_id))
        linked = sum(1 for r in rows if r.linked)
        no_perp = sum(1 for i in iids if not perps_of.get(i))
        incidents_linked = len({i for r in rows for i in r.incident_ids})
        status = _status(len(iids), linked, len(rows) - linked)
        result.append(
            OriginState(
                key=codes[sid],
                state=ref,
                status=status,
                explanation=explain(status, reg, len(iids), no_perp, linked, len(rows) - linked),
                incidents=len(iids),
                incident_ids=tuple(sorted(iids)),
                incidents_no_perpetrator=no_perp,
                incidents_linked=incidents_linked,
                designated=len(rows),
                linked=linked,
                not_linked=len(rows) - linked,
                designations=tuple(rows),
                sources=merge_sources(
                    sources.refs(*(incident_src[i] for i in sorted(iids))),
                    *(r.sources for r in rows),
                ),
                left_out=left_out(scope, out_of_scope.get(sid, ())),
            )
        )
    result.sort(key=lambda s: (-s.incidents, s.key))
    unattributed = sorted(lid for lid in listings if not ties.get(lid) and lid not in shown)
    return DesignationsByOrigin(
        regime=reg,
        scope=scope,
        states=tuple(result),
        nobody_designated=tuple(s.key for s in result if s.status == "NOBODY_DESIGNATED"),
        not_linked=tuple(s.key for s in result if s.not_linked and s.incidents),
        incidents=len(in_scope_ids),
        without_origin=len(without_origin),
        listings=len(listings),
        other_states=sum(1 for lid in listings if lid not in shown and ties.get(lid)),
        unattributed=len(unattributed),
        unattributed_ids=tuple(unattributed),
        left_out=left_out(
            scope,
            (
                scopes.get(i, "unknown")
                for i in scopes
                if not in_scope(scope, scopes.get(i, "unknown"))
            ),
        ),
    )
