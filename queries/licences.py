"""Export licences to the states (and agencies) that carry out TNR or operate spyware.

A destination qualifies when its state is the ORIGIN_STATE of an incident, or
the origin (ABOUT role "origin") of a Statistic, or when it (or its state)
operates a product (Product OPERATED_BY), or is the origin of an incident that
USED_PRODUCT. Licences are filtered by exporting state, control-code prefix,
year range, decision and minimum value, and grouped by destination with totals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from graph.store import Store
from queries.common import (
    NodeRef,
    SourceRef,
    Sources,
    all_recorded,
    check_as_of,
    merge_sources,
    node_ref,
    state_index,
    year_of,
)

REASONS: dict[str, str] = {
    "origin-of-incidents": (
        f"MATCH (i:Incident)-[r:ORIGIN_STATE]->(s:State) WHERE {all_recorded('i', 'r', 's')} "
        "RETURN DISTINCT s.id AS id"
    ),
    "origin-in-statistic": (
        "MATCH (st:Statistic)-[r:ABOUT]->(s:State) WHERE r.role = 'origin' AND "
        f"{all_recorded('st', 'r', 's')} RETURN DISTINCT s.id AS id"
    ),
    "spyware-operator": (
        f"MATCH (p:Product)-[r:OPERATED_BY]->(x) WHERE {all_recorded('p', 'r', 'x')} "
        "RETURN DISTINCT x.id AS id"
    ),
    "origin-of-spyware-use": (
        "MATCH (i:Incident)-[u:USED_PRODUCT]->(p:Product) MATCH (i)-[r:ORIGIN_STATE]->(s:State) "
        f"WHERE {all_recorded('i', 'u', 'p', 'r', 's')} RETURN DISTINCT s.id AS id"
    ),
}


@dataclass(frozen=True)
class LicenceRow:
    id: str
    ref: str | None
    control_code: str | None
    item: str | None
    decision: str | None
    year: int | None
    value: float | None
    currency: str | None
    exporter: str | None  # ISO code of the licensing state
    sources: tuple[SourceRef, ...]
    decision_date: str | None = None  # ISO date of the decision, when the source gives it
    count: int | None = None  # number of items licensed
    description: str | None = None


@dataclass(frozen=True)
class DestinationGroup:
    destination: NodeRef
    state: NodeRef | None  # the destination's state (itself, or the agency's state)
    reasons: tuple[str, ...]
    count: int
    granted: int
    refused: int
    total_value: float
    value_by_currency: dict[str, float]
    years: tuple[int, ...]
    licences: tuple[LicenceRow, ...]
    sources: tuple[SourceRef, ...]


def _licences_query(exporter: str | None) -> str:
    # The clauses are chosen by which filters are set; the values are parameters.
    year = "coalesce(l.year, toInteger(substring(l.decision_date, 0, 4)))"
    parts = [
        "MATCH (l:ExportLicence)-[d:DESTINATION]->(x) "
        "WHERE ($prefix IS NULL OR toUpper(l.control_code) STARTS WITH toUpper($prefix)) "
        "AND ($decision IS NULL OR toLower(l.decision) = toLower($decision)) "
        "AND ($min_value IS NULL OR l.value >= $min_value) "
        f"AND ($year_from IS NULL OR {year} >= $year_from) "
        f"AND ($year_to IS NULL OR {year} <= $year_to) "
        "AND ($destination IS NULL OR x.id = $destination OR x.state_code = $destination_code) "
        f"AND {all_recorded('l', 'd', 'x')}"
    ]
    if exporter:
        parts.append(
            "MATCH (l)-[rx:LICENSED_BY]->(ex:State) WHERE (ex.code = $exporter OR "
            f"ex.id = $exporter) AND {all_recorded('rx', 'ex')}"
        )
    parts.append(
        f"OPTIONAL MATCH (l)-[re:LICENSED_BY]->(e:State) WHERE {all_recorded('re', 'e')} "
        f"OPTIONAL MATCH (x)-[rs:PART_OF]->(xs:State) WHERE {all_recorded('rs', 'xs')} "
        "RETURN properties(l) AS l, d.source_ids AS d_src, properties(x) AS x, labels(x) AS x_labels, "
        "e.code AS exporter, xs.id AS x_state, x.state_code AS x_code"
    )
    return " ".join(parts)


def licences_to_tnr_states(
    store: Store,
    *,
    exporter: str | None = None,
    control_prefix: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    decision: str | None = None,
    min_value: float | None = None,
    destination: str | None = None,
    as_of: str | None = None,
) -> list[DestinationGroup]:
    """Licences whose destination is an origin state of TNR or an operator of spyware,
    grouped by destination (largest total value first). `destination` (a State's id or ISO
    code) keeps the licences to that state or to one of its agencies. As the graph stood at
    the record time `as_of` (none: now)."""
    schema = store.schema
    as_of = check_as_of(as_of)
    states = state_index(store, as_of)
    sources = Sources(store)
    reasons: dict[str, set[str]] = defaultdict(set)
    for reason, query in REASONS.items():
        for row in store.read(query, as_of=as_of):
            reasons[row["id"]].add(reason)
    # An agency operating spyware makes its state an operator too.
    operators = [
        i for i, r in reasons.items() if "spyware-operator" in r and not i.startswith("state_")
    ]
    for row in store.read(
        f"MATCH (a:Agency) WHERE a.id IN $ids OPTIONAL MATCH (a)-[r:PART_OF]->(s:State) "
        f"WHERE {all_recorded('r', 's')} RETURN s.id AS s, a.state_code AS code",
        ids=sorted(operators),
        as_of=as_of,
    ):
        ref = states.get(row["s"] or "") or states.get(str(row["code"] or "").upper())
        if ref:
            reasons[ref.id].add("spyware-operator")

    dest_ref = None
    dest_code = None
    if destination:
        dest_ref = states.get(destination.upper() if len(destination) == 2 else destination)
        dest_code = next(
            (k for k, ref in states.items() if dest_ref and ref.id == dest_ref.id and k != ref.id),
            None,
        )
    rows = store.read(
        _licences_query(exporter),
        exporter=exporter.upper() if exporter and len(exporter) == 2 else exporter,
        prefix=control_prefix or None,
        decision=decision or None,
        min_value=min_value,
        year_from=year_from,
        year_to=year_to,
        destination=(dest_ref.id if dest_ref else destination) if destination else None,
        destination_code=dest_code,
        as_of=as_of,
    )
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        dest = node_ref(schema, row["x"], row["x_labels"])
        state = (
            states.get(dest.id)
            if dest.type == "State"
            else (states.get(row["x_state"] or "") or states.get(str(row["x_code"] or "").upper()))
        )
        why = reasons.get(dest.id, set()) | (reasons.get(state.id, set()) if state else set())
        if not why:
            continue
        lic = row["l"]
        value = lic.get("value")
        entry = groups.setdefault(dest.id, {"dest": dest, "state": state, "why": why, "rows": []})
        entry["rows"].append(
            LicenceRow(
                id=lic["id"],
                ref=lic.get("ref"),
                control_code=lic.get("control_code"),
                item=lic.get("item"),
                decision=lic.get("decision"),
                year=year_of(lic.get("year"), lic.get("decision_date")),
                value=None if value is None else float(value),
                currency=lic.get("currency"),
                exporter=row.get("exporter"),
                sources=sources.refs(lic.get("source_ids"), row["d_src"]),
                decision_date=None
                if lic.get("decision_date") is None
                else str(lic["decision_date"]),
                count=None if lic.get("count") is None else int(lic["count"]),
                description=lic.get("description"),
            )
        )
    result: list[DestinationGroup] = []
    for entry in groups.values():
        lics: list[LicenceRow] = sorted(entry["rows"], key=lambda r: (r.year or 0, r.ref or ""))
        by_currency: dict[str, float] = defaultdict(float)
        for r in lics:
            if r.value is not None:
                by_currency[r.currency or ""] += r.value
        result.append(
            DestinationGroup(
                destination=entry["dest"],
                state=entry["state"],
                reasons=tuple(sorted(entry["why"])),
                count=len(lics),
                granted=sum(1 for r in lics if (r.decision or "").lower() == "granted"),
                refused=sum(1 for r in lics if (r.decision or "").lower() == "refused"),
                total_value=sum(by_currency.values()),
                value_by_currency=dict(by_currency),
                years=tuple(sorted({r.year for r in lics if r.year is not None})),
                licences=tuple(lics),
                sources=merge_sources(*(r.sources for r in lics)),
            )
        )
    result.sort(key=lambda g: (-g.total_value, -g.count, g.destination.id))
    return result
