"""Vendor -> product -> customer -> incidents: the supply chains of surveillance.

A chain runs from a vendor through a product it MAKES to a state or agency by one
of four links: a Sale (SOLD, BUYER), an ExportLicence (COVERS, DESTINATION), a
deployment (Product OPERATED_BY) or documented use (Incident USED_PRODUCT, whose
ORIGIN_STATE is the customer). From the customer it runs to the incidents of its
state (ORIGIN_STATE) or of itself (PERPETRATED_BY). Targets are counted and
returned as ids only: names are for authorised roles, the caller redacts.

Incidents that used a product but name no origin state (the FinSpy cases against
civil society: a host state and a product, no operator) are reached from the vendor
too, by one chain per product with link "use-operator-unknown" and no customer.
Every incident of a chain says how it relates to it (`relation`, RELATIONS): it used
the chain's product, or it is only an incident of the customer's state that used
another product or none named. Nothing is cut: every chain is returned unless the
caller gives a `limit`, and the API pages through them with a total count.
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
    incident_scopes,
    lookup_ids,
    merge_sources,
    node_ref,
    recorded,
    year_of,
)

#: How an incident relates to a chain.
RELATIONS: dict[str, str] = {
    "used-product": "used the chain's product, on behalf of the customer's state (or by the customer)",
    "used-other-product": "an incident of the customer's state (or by the customer) that used "
    "another product, not the chain's",
    "no-product-named": "an incident of the customer's state (or by the customer); the source "
    "names no product",
    "used-product-operator-unknown": "used the chain's product; the source names no origin state "
    "or operator, so the buyer is unknown",
}


@dataclass(frozen=True)
class Hop:
    """One relation of a chain, in its stored direction, with its sources."""

    relation: str
    source: str
    target: str
    sources: tuple[SourceRef, ...]
    confidence: float | None = None
    year: int | None = None


@dataclass(frozen=True)
class ChainIncident:
    id: str
    title: str | None
    year: int | None
    links: tuple[str, ...]  # ORIGIN_STATE and/or PERPETRATED_BY
    used_product: bool  # the incident documents use of this chain's product
    tactics: tuple[str, ...]
    target_count: int
    target_ids: tuple[str, ...]
    sources: tuple[SourceRef, ...]
    relation: str = "used-product"  # a key of RELATIONS
    relation_text: str = ""  # RELATIONS[relation], for a client to show
    product_ids: tuple[str, ...] = ()  # the products the incident used
    scope: str = "unknown"  # transnational | domestic | unknown (queries.common.incident_scopes)


@dataclass(frozen=True)
class Chain:
    vendor: NodeRef
    product: NodeRef
    link: (
        str  # "sale" | "export-licence" | "deployment" | "documented-use" | "use-operator-unknown"
    )
    via: NodeRef | None  # the Sale, ExportLicence or Incident of the link
    customer: NodeRef | None  # a State or an Agency; None when the buyer is unknown
    state: NodeRef | None  # the customer's state
    year: int | None  # year of the link (sale, licence, incident)
    hops: tuple[Hop, ...]
    incidents: tuple[ChainIncident, ...]
    incident_count: int
    target_count: int
    years: tuple[int, ...]
    sources: tuple[SourceRef, ...]
    used_product_count: int = 0  # incidents that used the chain's product


_BASE = (
    "MATCH (v:Vendor)-[m:MAKES]->(p:Product) "
    "WHERE ($vendors IS NULL OR v.id IN $vendors) AND ($products IS NULL OR p.id IN $products) "
    f"AND {all_recorded('v', 'm', 'p')} "
    "RETURN properties(v) AS v, properties(m) AS m, properties(p) AS p ORDER BY v.name, p.name"
)

# Each link query returns: product, seller, via (+labels), r1 (via/product hop), r2 (hop to
# the customer), customer (+labels). The hop directions are named in _LINKS.
_LINK_QUERIES: dict[str, str] = {
    "sale": (
        f"MATCH (x:Sale)-[r1:SOLD]->(p:Product) WHERE p.id IN $pids AND {all_recorded('x', 'r1')} "
        f"MATCH (x)-[r2:BUYER]->(c) WHERE {all_recorded('r2', 'c')} "
        f"OPTIONAL MATCH (x)-[r0:SELLER]->(sv:Vendor) WHERE {all_recorded('r0', 'sv')} "
        "RETURN p.id AS product, sv.id AS seller, properties(r0) AS r0, properties(x) AS via, "
        "labels(x) AS via_labels, properties(r1) AS r1, properties(r2) AS r2, "
        "properties(c) AS c, labels(c) AS c_labels"
    ),
    "export-licence": (
        "MATCH (x:ExportLicence)-[r1:COVERS]->(p:Product) WHERE p.id IN $pids AND "
        f"{all_recorded('x', 'r1')} MATCH (x)-[r2:DESTINATION]->(c) WHERE {all_recorded('r2', 'c')} "
        "RETURN p.id AS product, null AS seller, null AS r0, properties(x) AS via, "
        "labels(x) AS via_labels, properties(r1) AS r1, properties(r2) AS r2, "
        "properties(c) AS c, labels(c) AS c_labels"
    ),
    "deployment": (
        "MATCH (p:Product)-[r1:OPERATED_BY]->(c) WHERE p.id IN $pids AND "
        f"{all_recorded('r1', 'c')} RETURN p.id AS product, null AS seller, null AS r0, null AS via, null AS via_labels, "
        "properties(r1) AS r1, null AS r2, properties(c) AS c, labels(c) AS c_labels"
    ),
    "documented-use": (
        "MATCH (x:Incident)-[r1:USED_PRODUCT]->(p:Product) WHERE p.id IN $pids AND "
        f"{all_recorded('x', 'r1')} MATCH (x)-[r2:ORIGIN_STATE]->(c:State) "
        f"WHERE {all_recorded('r2', 'c')} "
        "RETURN p.id AS product, null AS seller, null AS r0, properties(x) AS via, "
        "labels(x) AS via_labels, properties(r1) AS r1, properties(r2) AS r2, "
        "properties(c) AS c, labels(c) AS c_labels"
    ),
}
# (relation via->product or product->customer, relation via->customer)
_LINKS: dict[str, tuple[str, str | None]] = {
    "sale": ("SOLD", "BUYER"),
    "export-licence": ("COVERS", "DESTINATION"),
    "deployment": ("OPERATED_BY", None),
    "documented-use": ("USED_PRODUCT", "ORIGIN_STATE"),
}

_AGENCY_STATE = (
    "MATCH (a:Agency) WHERE a.id IN $ids OPTIONAL MATCH (a)-[r:PART_OF]->(s:State) "
    f"WHERE {all_recorded('r', 's')} "
    "RETURN a.id AS agency, a.state_code AS code, properties(r) AS r, properties(s) AS s"
)
_STATE_BY_CODE = (
    f"MATCH (s:State) WHERE s.code IN $codes AND {recorded('s')} RETURN properties(s) AS s"
)
# The targets, products and tactics of an incident `i`, as the graph stood at $as_of.
_ABOUT_INCIDENT = (
    f"OPTIONAL MATCH (i)-[rt:TARGETED]->(t) WHERE {all_recorded('rt', 't')} "
    "WITH {keep}, collect(DISTINCT t.id) AS targets "
    f"OPTIONAL MATCH (i)-[ru:USED_PRODUCT]->(up:Product) WHERE {all_recorded('ru', 'up')} "
    "WITH {keep}, targets, collect(DISTINCT up.id) AS products "
    f"OPTIONAL MATCH (i)-[rc:USED_TACTIC]->(tc:Tactic) WHERE {all_recorded('rc', 'tc')} "
)
_INCIDENT_TAIL = (
    _ABOUT_INCIDENT.replace("{keep}", "x, i, r")
    + "RETURN x.id AS party, properties(i) AS i, properties(r) AS r, targets, products, "
    "collect(DISTINCT tc.code) AS tactics"
)
_UNATTRIBUTED = (
    "MATCH (i:Incident)-[r:USED_PRODUCT]->(p:Product) WHERE p.id IN $pids "
    f"AND {all_recorded('i', 'r')} AND NOT EXISTS {{ MATCH (i)-[ro:ORIGIN_STATE]->(o:State) "
    f"WHERE {all_recorded('ro', 'o')} }} "
    "WITH p, i, r "
    + _ABOUT_INCIDENT.replace("{keep}", "p, i, r")
    + "RETURN p.id AS product, properties(i) AS i, properties(r) AS r, targets, products, "
    "collect(DISTINCT tc.code) AS tactics"
)
_INCIDENTS: dict[str, str] = {
    "ORIGIN_STATE": "MATCH (i:Incident)-[r:ORIGIN_STATE]->(x:State) WHERE x.id IN $ids AND "
    f"{all_recorded('i', 'r')} " + _INCIDENT_TAIL,
    "PERPETRATED_BY": "MATCH (i:Incident)-[r:PERPETRATED_BY]->(x) WHERE x.id IN $ids AND "
    f"{all_recorded('i', 'r')} " + _INCIDENT_TAIL,
}


def _hop(
    sources: Sources,
    rel: str,
    a: str,
    b: str,
    props: dict[str, Any] | None,
    year: int | None = None,
) -> Hop:
    props = props or {}
    conf = props.get("confidence")
    return Hop(
        rel,
        a,
        b,
        sources.refs(props.get("source_ids")),
        None if conf is None else float(conf),
        year,
    )


def _resolve(store: Store, type_name: str, text: str | None, as_of: str | None) -> list[str] | None:
    return None if text is None else lookup_ids(store, type_name, text, as_of)


def vendor_chains(
    store: Store,
    *,
    vendor: str | None = None,
    product: str | None = None,
    state: str | None = None,
    agency: str | None = None,
    limit: int | None = None,
    as_of: str | None = None,
) -> list[Chain]:
    """Every chain vendor -> product -> customer -> incidents, for a vendor and/or a product
    (each given by id, name or alias), or for all vendors; only those whose customer is (or
    belongs to) `state`, or is `agency`, when given. All of them, or the first `limit`. As
    the graph stood at the record time `as_of` (none: now)."""
    as_of = check_as_of(as_of)
    chains = _all_chains(store, vendor, product, as_of)
    states = _resolve(store, "State", state, as_of)
    agencies = _resolve(store, "Agency", agency, as_of)
    if states is not None:
        chains = [
            c
            for c in chains
            if c.customer is not None
            and ({c.customer.id, c.state.id if c.state else ""} & set(states))
        ]
    if agencies is not None:
        chains = [c for c in chains if c.customer is not None and c.customer.id in agencies]
    return chains if limit is None else chains[:limit]


def _all_chains(
    store: Store, vendor: str | None, product: str | None, as_of: str | None
) -> list[Chain]:
    schema = store.schema
    sources = Sources(store)
    vendors = _resolve(store, "Vendor", vendor, as_of)
    products = _resolve(store, "Product", product, as_of)
    if vendors == [] or products == []:
        return []
    base = store.read(_BASE, vendors=vendors, products=products, as_of=as_of)
    if not base:
        return []
    pids = sorted({r["p"]["id"] for r in base})
    links: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for link, query in _LINK_QUERIES.items():
        for row in store.read(query, pids=pids, as_of=as_of):
            links[row["product"]].append((link, row))

    # The state of each customer.
    customers = {row["c"]["id"]: row for rows in links.values() for _, row in rows}
    agency_ids = sorted(
        cid for cid, row in customers.items() if "Agency" in (row["c_labels"] or ())
    )
    states: dict[str, tuple[NodeRef, Hop | None]] = {}
    for cid, row in customers.items():
        if "State" in (row["c_labels"] or ()):
            states[cid] = (node_ref(schema, row["c"], ["State"]), None)
    by_code: dict[str, str] = {}
    for row in store.read(_AGENCY_STATE, ids=agency_ids, as_of=as_of):
        if row["s"] is not None and row["agency"] not in states:
            hop = _hop(sources, "PART_OF", row["agency"], row["s"]["id"], row["r"])
            states[row["agency"]] = (node_ref(schema, row["s"], ["State"]), hop)
        elif row["s"] is None and row.get("code"):
            by_code[row["agency"]] = str(row["code"]).upper()
    if by_code:
        found = {
            r["s"]["code"]: r["s"]
            for r in store.read(_STATE_BY_CODE, codes=sorted(set(by_code.values())), as_of=as_of)
        }
        for agency, code in by_code.items():
            if code in found and agency not in states:
                states[agency] = (node_ref(schema, found[code], ["State"]), None)

    # Incidents of each party (state by ORIGIN_STATE, customer by PERPETRATED_BY).
    party_ids = {
        "ORIGIN_STATE": sorted({ref.id for ref, _ in states.values()}),
        "PERPETRATED_BY": sorted(customers),
    }
    incidents: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # party -> incident -> row
    for rel, query in _INCIDENTS.items():
        for row in store.read(query, ids=party_ids[rel], as_of=as_of):
            entry = incidents[row["party"]].setdefault(row["i"]["id"], {**row, "links": []})
            entry["links"].append(rel)
            entry.setdefault("rels", []).append(row["r"])

    unattributed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in store.read(_UNATTRIBUTED, pids=pids, as_of=as_of):
        unattributed[row["product"]].append({**row, "links": [], "rels": [row["r"]]})
    scopes = incident_scopes(
        store,
        {i for party in incidents.values() for i in party}
        | {r["i"]["id"] for rows in unattributed.values() for r in rows},
        as_of,
    )

    chains: list[Chain] = []
    for b in base:
        v_ref = node_ref(schema, b["v"], ["Vendor"])
        p_ref = node_ref(schema, b["p"], ["Product"])
        makes = _hop(sources, "MAKES", v_ref.id, p_ref.id, b["m"])
        for link, row in links.get(p_ref.id, []):
            if row.get("seller") and row["seller"] != v_ref.id:
                continue  # sold by another vendor; that vendor's chain shows it
            chains.append(
                _chain(sources, schema, v_ref, p_ref, makes, link, row, states, incidents, scopes)
            )
        if unattributed.get(p_ref.id):
            chains.append(
                _unattributed_chain(sources, v_ref, p_ref, makes, unattributed[p_ref.id], scopes)
            )
    return chains


def _incident(
    sources: Sources,
    p_ref: NodeRef,
    iid: str,
    entry: dict[str, Any],
    scopes: dict[str, str],
    unattributed: bool = False,
) -> ChainIncident:
    props = entry["i"]
    targets = tuple(sorted(entry["targets"]))
    stated = props.get("target_count")
    products = tuple(sorted(entry["products"] or ()))
    used = p_ref.id in products
    if unattributed:
        relation = "used-product-operator-unknown"
    else:
        relation = (
            "used-product" if used else "used-other-product" if products else "no-product-named"
        )
    return ChainIncident(
        id=iid,
        title=props.get("title"),
        year=year_of(props.get("year"), props.get("date")),
        links=tuple(sorted(set(entry["links"]))),
        used_product=used,
        tactics=tuple(sorted(entry["tactics"])),
        target_count=max(len(targets), int(stated or 0)),
        target_ids=targets,
        sources=sources.refs(
            props.get("source_ids"), *[(r or {}).get("source_ids") for r in entry["rels"]]
        ),
        relation=relation,
        relation_text=RELATIONS[relation],
        product_ids=products,
        scope=scopes.get(iid, "unknown"),
    )


def _unattributed_chain(
    sources: Sources,
    v_ref: NodeRef,
    p_ref: NodeRef,
    makes: Hop,
    rows: list[dict[str, Any]],
    scopes: dict[str, str],
) -> Chain:
    """Vendor -> product -> (buyer unknown) -> the incidents that used it with no origin state."""
    found = [_incident(sources, p_ref, r["i"]["id"], r, scopes, unattributed=True) for r in rows]
    found.sort(key=lambda c: (c.year or 0, c.id))
    hops = [makes, *(_hop(sources, "USED_PRODUCT", r["i"]["id"], p_ref.id, r["r"]) for r in rows)]
    years = tuple(sorted({c.year for c in found if c.year is not None}))
    return Chain(
        vendor=v_ref,
        product=p_ref,
        link="use-operator-unknown",
        via=None,
        customer=None,
        state=None,
        year=None,
        hops=tuple(hops),
        incidents=tuple(found),
        incident_count=len(found),
        target_count=len({t for c in found for t in c.target_ids})
        + sum(c.target_count - len(c.target_ids) for c in found),
        years=years,
        sources=merge_sources(*(h.sources for h in hops), *(c.sources for c in found)),
        used_product_count=len(found),
    )


def _chain(
    sources: Sources,
    schema: Any,
    v_ref: NodeRef,
    p_ref: NodeRef,
    makes: Hop,
    link: str,
    row: dict[str, Any],
    states: dict[str, tuple[NodeRef, Hop | None]],
    incidents: dict[str, dict[str, dict[str, Any]]],
    scopes: dict[str, str],
) -> Chain:
    customer = node_ref(schema, row["c"], row["c_labels"])
    via = node_ref(schema, row["via"], row["via_labels"]) if row["via"] else None
    via_props = row["via"] or {}
    year = year_of(via_props.get("year"), via_props.get("date"), via_props.get("decision_date"))
    first, second = _LINKS[link]
    hops = [makes]
    if row.get("r0"):
        hops.append(_hop(sources, "SELLER", via.id if via else "", v_ref.id, row["r0"], year))
    if via is None:
        hops.append(_hop(sources, first, p_ref.id, customer.id, row["r1"], year))
    else:
        a, b = (via.id, p_ref.id)
        hops.append(_hop(sources, first, a, b, row["r1"], year))
        assert second is not None
        hops.append(_hop(sources, second, via.id, customer.id, row["r2"], year))
    state, part_of = states.get(customer.id, (None, None))
    if part_of is not None:
        hops.append(part_of)
    found: dict[str, dict[str, Any]] = {}
    for party in {customer.id, *([state.id] if state else [])}:
        for iid, entry in incidents.get(party, {}).items():
            if iid in found:
                found[iid] = {
                    **found[iid],
                    "links": found[iid]["links"] + entry["links"],
                    "rels": found[iid]["rels"] + entry["rels"],
                }
            else:
                found[iid] = entry
    chain_incidents = [
        _incident(sources, p_ref, iid, entry, scopes) for iid, entry in found.items()
    ]
    chain_incidents.sort(key=lambda c: (c.year or 0, c.id))
    years = {y for y in [year, *(c.year for c in chain_incidents)] if y is not None}
    all_sources = merge_sources(
        *(h.sources for h in hops),
        sources.refs(via_props.get("source_ids")),
        *(c.sources for c in chain_incidents),
    )
    return Chain(
        vendor=v_ref,
        product=p_ref,
        link=link,
        via=via,
        customer=customer,
        state=state,
        year=year,
        hops=tuple(hops),
        incidents=tuple(chain_incidents),
        incident_count=len(chain_incidents),
        target_count=len({t for c in chain_incidents for t in c.target_ids})
        + sum(c.target_count - len(c.target_ids) for c in chain_incidents),
        years=tuple(sorted(years)),
        sources=all_sources,
        used_product_count=sum(1 for c in chain_incidents if c.used_product),
    )
