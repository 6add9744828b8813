"""Synthetic graphs that follow graph/schema.yaml, for benchmarks and fault tests.

`generate(relations=N, seed=S)` streams Node and Edge records (never a list), so a
graph of a million relations never sits in memory at once; the same seed gives
the same records. The shapes are meant to look like the real data:

- incidents of transnational repression with ORIGIN_STATE (heavy-tailed: a few
  hub states such as Russia and China carry most cases), HOST_STATE, one or two
  USED_TACTIC, TARGETED persons (some targeted again and again), PERPETRATED_BY an
  agency of the origin state, and USED_PRODUCT for digital tactics;
- the surveillance trade: vendors (a few hub vendors sell most) MAKES products,
  Sales with SELLER / BUYER / SOLD, ExportLicences with LICENSED_BY / EXPORTER /
  DESTINATION / COVERS;
- sanctions: officials (MEMBER_OF an agency) designated by SanctionListings
  UNDER_REGIME a few regimes.

Every record cites a Source whose ref starts with ``synthetic:`` and whose title
says SYNTHETIC: nothing here is a fact. States use real ISO codes (so hubs read
as Russia or China in a benchmark), everything else has "Synthetic" in its name.

Each node is yielded once, before any edge that points to it, and each relation
(type, source, target) once, so the counts a `Tally` collects are what a store
holds after `Writer.write` (`expected_counts`).
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pycountry

from graph.records import Edge, Node, Provenance, source_node

Record = Node | Edge

#: Origin states in the order of their weight (the rest follow, in ISO order).
ORIGIN_HUBS = ("RU", "CN", "TR", "TJ", "EG", "RW", "SA", "IR", "BY", "TM", "UZ", "AE")
#: Host states in the order of their weight.
HOST_HUBS = ("DE", "TR", "GB", "US", "FR", "AE", "KZ", "RU", "UA", "SE", "NL", "TH")
#: States where the synthetic vendors are based, in the order of their weight.
VENDOR_HUBS = ("IL", "DE", "GB", "IT", "US", "FR", "CN", "BG", "CY", "AE")
#: (code, name, family, parent) of a small tactic typology.
TACTICS: tuple[tuple[str, str, str, str | None], ...] = (
    ("transnational-repression", "Transnational repression", "", None),
    ("physical", "Physical", "physical", "transnational-repression"),
    ("abduction", "Abduction", "physical", "physical"),
    ("detention", "Detention", "physical", "physical"),
    ("assault", "Assault", "physical", "physical"),
    ("legal", "Legal", "legal", "transnational-repression"),
    ("interpol-abuse", "Interpol abuse", "legal", "legal"),
    ("extradition-request", "Extradition request", "legal", "legal"),
    ("mobility", "Mobility controls", "mobility", "transnational-repression"),
    ("denial-of-entry", "Denial of entry", "mobility", "mobility"),
    ("coercion", "Coercion", "coercion", "transnational-repression"),
    ("threats-to-family", "Threats to family", "coercion", "coercion"),
    ("intimidation", "Intimidation", "coercion", "coercion"),
    ("digital", "Digital", "digital", "transnational-repression"),
    ("spyware", "Spyware", "digital", "digital"),
    ("surveillance", "Surveillance", "digital", "digital"),
)
LEAF_TACTICS = tuple(t[0] for t in TACTICS if t[0] not in {p for *_, p in TACTICS if p})
DIGITAL = frozenset({"spyware", "surveillance"})
AGENCY_KINDS = ("intelligence", "security", "police", "prosecutor", "consulate")
PROFILES = ("journalist", "activist", "exile", "lawyer", "politician", "family", "student")
OUTCOMES = ("detained", "deported", "threatened", "attempted", "thwarted", "released")
REGIMES = (("EU", "HR"), ("EU", "CYB"), ("UK", "GHR"), ("US", "GLOMAG"))
CURRENCIES = ("EUR", "USD", "GBP")
CONFIDENCES = (1.0, 1.0, 0.8, 0.6)

#: Share of the relation budget per kind of fact.
MIX = (("incident", 0.62), ("sale", 0.16), ("licence", 0.12), ("listing", 0.10))


@dataclass
class Tally:
    """Nodes and relations per type, as generated (each is yielded once)."""

    nodes: Counter[str] = field(default_factory=Counter)
    relations: Counter[str] = field(default_factory=Counter)

    def add(self, record: Record) -> None:
        (self.nodes if isinstance(record, Node) else self.relations)[record.type] += 1

    def counts(self) -> dict[str, int]:
        """Per type, in the shape of `Store.counts()` (types with none are left out)."""
        return {**self.nodes, **self.relations}


class _Zipf:
    """Draw an index in 0..n-1 with weight 1/(rank+1)^s: a heavy tail with a few hubs."""

    def __init__(self, n: int, s: float) -> None:
        weights = [1.0 / (k + 1) ** s for k in range(n)]
        self.cum = list(itertools.accumulate(weights))

    def __call__(self, rng: random.Random) -> int:
        return min(bisect(self.cum, rng.random() * self.cum[-1]), len(self.cum) - 1)


def _states() -> list[tuple[str, str, str]]:
    """(code, alpha3, name) of every ISO 3166-1 state, deterministic order."""
    return sorted((c.alpha_2, c.alpha_3, c.name) for c in pycountry.countries)


def _ranked(codes: Sequence[str], hubs: Sequence[str]) -> list[str]:
    return [*hubs, *(c for c in codes if c not in hubs)]


class _Generator:
    def __init__(self, relations: int, seed: int, tally: Tally | None) -> None:
        self.budget = relations
        self.seed = seed
        self.rng = random.Random(seed)
        self.tally = tally
        self.emitted = 0  # relations yielded so far
        self.n = 0  # records yielded so far (the locator of the next one)
        self.sources: list[str] = []
        self.state: dict[str, str] = {}  # ISO code -> State id
        self.agencies: dict[str, list[str]] = {}  # ISO code -> Agency ids, created when first used
        self.targets: list[str] = []  # persons targeted so far (a bounded sample)
        self.officials: list[str] = []  # sanctioned officials so far (a bounded sample)
        self.tactics: list[str] = []
        self.digital: set[str] = set()
        self.regimes: list[str] = []
        self.vendor_ids: list[str] = []
        self.vendor_base: list[str] = []
        self.products: list[list[str]] = []

    # -- helpers -------------------------------------------------------------------------
    def prov(self) -> Provenance:
        self.n += 1
        source = self.sources[self.n % len(self.sources)]
        return Provenance(source, f"synthetic record {self.n}", self.rng.choice(CONFIDENCES))

    def node(self, type_name: str, props: dict[str, Any]) -> Node:
        return Node(type_name, props, self.prov())

    def edge(self, rel: str, source: Node | str, target: Node | str, **props: Any) -> Edge:
        s = source if isinstance(source, str) else source.id
        t = target if isinstance(target, str) else target.id
        return Edge(rel, s, t, self.prov(), props)

    def emit(self, records: list[Record]) -> Iterator[Record]:
        """Yield a unit of records, cutting its relations off at the budget."""
        for record in records:
            if isinstance(record, Edge):
                if self.emitted >= self.budget:
                    continue
                self.emitted += 1
            if self.tally is not None:
                self.tally.add(record)
            yield record

    # -- the graph -----------------------------------------------------------------------
    def run(self) -> Iterator[Record]:
        r = self.budget
        tag = f"seed {self.seed}"
        for k in range(1 + r // 50_000):
            src = source_node(
                f"synthetic:seed-{self.seed}:{k}",
                f"SYNTHETIC test data ({tag}, part {k + 1}); not real facts",
                kind="dataset",
                publisher="tnr-graph synthetic generator (benchmarks/synthetic.py)",
            )
            self.sources.append(src.id)
            yield from self.emit([src])

        states = _states()
        codes = [c for c, _, _ in states]
        out: list[Record] = []
        for code, alpha3, name in states:
            node = self.node("State", {"code": code, "alpha3": alpha3, "name": name})
            self.state[code] = node.id
            out.append(node)
        self.origins = _ranked(codes, ORIGIN_HUBS)
        self.hosts = _ranked(codes, HOST_HUBS)
        self.pick_origin, self.pick_host = _Zipf(len(codes), 1.3), _Zipf(len(codes), 1.0)

        tactic: dict[str, str] = {}
        for code, name, family, parent in TACTICS:
            props = {"code": code, "name": name, "family": family or None}
            t = self.node("Tactic", props)
            tactic[code] = t.id
            out.append(t)
            if parent:
                out.append(self.edge("SUBTYPE_OF", t, tactic[parent]))
        self.tactics = [tactic[c] for c in LEAF_TACTICS]
        self.digital = {tactic[c] for c in DIGITAL}
        self.pick_tactic = _Zipf(len(self.tactics), 0.6)

        for authority, code in REGIMES:
            reg = self.node(
                "SanctionRegime",
                {
                    "authority": authority,
                    "code": code,
                    "name": f"Synthetic regime {authority}/{code}",
                },
            )
            self.regimes.append(reg.id)
            out.append(reg)
        yield from self.emit(out)

        # Vendors and their products: about one vendor per 2,000 relations.
        yield from self.vendors(max(3, r // 2000), codes)

        kinds = [k for k, _ in MIX]
        cum = list(itertools.accumulate(w for _, w in MIX))
        for i in itertools.count():
            if self.emitted >= self.budget:
                return
            kind = kinds[bisect(cum, self.rng.random() * cum[-1])]
            unit = getattr(self, kind)(i)
            yield from self.emit(unit)

    def vendors(self, n: int, codes: list[str]) -> Iterator[Record]:
        bases = _ranked(codes, VENDOR_HUBS)
        pick_base = _Zipf(len(bases), 1.5)
        for v in range(n):
            base = bases[pick_base(self.rng)]
            vend = self.node("Vendor", {"name": f"Synthetic Vendor {v}", "country": base})
            unit: list[Record] = [vend, self.edge("BASED_IN", vend, self.state[base])]
            prods: list[str] = []
            for p in range(min(12, int(self.rng.paretovariate(1.5)))):
                spy = self.rng.random() < 0.5
                prod = self.node(
                    "Product",
                    {
                        "name": f"Synthetic Product {v}.{p}",
                        "vendor": vend.props["name"],
                        "category": "spyware"
                        if spy
                        else self.rng.choice(("interception", "dpi", "forensics")),
                        "is_spyware": spy,
                    },
                )
                prods.append(prod.id)
                unit += [prod, self.edge("MAKES", vend, prod)]
            self.vendor_ids.append(vend.id)
            self.vendor_base.append(base)
            self.products.append(prods)
            yield from self.emit(unit)
        self.pick_vendor = _Zipf(n, 1.2)

    def agency(self, code: str, unit: list[Record]) -> str:
        """An agency of state `code` (a new one now and then), its PART_OF added to `unit`."""
        known = self.agencies.setdefault(code, [])
        if known and self.rng.random() < 0.97 - 0.5 / len(known):
            return self.rng.choice(known)
        kind = self.rng.choice(AGENCY_KINDS)
        ag = self.node(
            "Agency",
            {"name": f"Synthetic {kind} agency {len(known)}", "state_code": code, "kind": kind},
        )
        unit += [ag, self.edge("PART_OF", ag, self.state[code])]
        known.append(ag.id)
        return ag.id

    def _sample(self, pool: list[str], new_id: str) -> None:
        """Keep a bounded, deterministic sample of ids (for repeat targets)."""
        if len(pool) < 5000:
            pool.append(new_id)
        else:
            pool[self.rng.randrange(5000)] = new_id

    def incident(self, i: int) -> list[Record]:
        rng = self.rng
        origin = self.origins[self.pick_origin(rng)]
        host = self.hosts[self.pick_host(rng)]
        year = rng.randint(2010, 2025)
        inc = self.node(
            "Incident",
            {
                "ref": f"synthetic:{self.seed}:incident:{i}",
                "title": f"Synthetic incident {i}",
                "date": f"{year}-{rng.randint(1, 12):02d}",
                "year": year,
                "outcome": rng.choice(OUTCOMES),
                "verification": rng.choice(("verified", "reported", "alleged")),
                "target_profiles": sorted(set(rng.sample(PROFILES, rng.randint(1, 2)))),
            },
        )
        unit: list[Record] = [inc, self.edge("ORIGIN_STATE", inc, self.state[origin])]
        if host != origin:
            unit.append(self.edge("HOST_STATE", inc, self.state[host]))
        tactics = {self.tactics[self.pick_tactic(rng)] for _ in range(rng.randint(1, 2))}
        unit += [self.edge("USED_TACTIC", inc, t) for t in sorted(tactics)]
        if rng.random() < 0.6:
            unit.append(self.edge("PERPETRATED_BY", inc, self.agency(origin, unit)))
        if tactics & self.digital:
            prods = self.products[self.pick_vendor(rng)]
            if prods:
                unit.append(self.edge("USED_PRODUCT", inc, rng.choice(prods)))
        targeted: set[str] = set()
        for _ in range(min(4, int(rng.paretovariate(2.0)))):
            if self.targets and rng.random() < 0.2:
                pid = rng.choice(self.targets)
            else:
                person = self.node(
                    "Person",
                    {
                        "name": f"Synthetic Person {self.seed}-{i}-{len(targeted)}",
                        "is_target": True,
                        "roles": [rng.choice(PROFILES)],
                        "residence_country": host,
                        "nationality": [origin],
                    },
                )
                unit += [person, self.edge("CITIZEN_OF", person, self.state[origin])]
                if host != origin:
                    unit.append(self.edge("RESIDES_IN", person, self.state[host]))
                pid = person.id
                self._sample(self.targets, pid)
            if pid not in targeted:
                targeted.add(pid)
                unit.append(self.edge("TARGETED", inc, pid))
        return unit

    def sale(self, i: int) -> list[Record]:
        rng = self.rng
        v = self.pick_vendor(rng)
        buyer = self.origins[self.pick_origin(rng)]
        sale = self.node(
            "Sale",
            {
                "ref": f"synthetic:{self.seed}:sale:{i}",
                "year": rng.randint(2005, 2025),
                "licences": rng.randint(1, 40),
                "total_cost": float(rng.randint(10, 5000) * 1000),
                "currency": rng.choice(CURRENCIES),
            },
        )
        unit: list[Record] = [
            sale,
            self.edge("SELLER", sale, self.vendor_ids[v]),
            self.edge("BUYER", sale, self.state[buyer]),
        ]
        prods = self.products[v]
        for pid in sorted(set(rng.sample(prods, min(len(prods), rng.randint(1, 2))))):
            unit.append(self.edge("SOLD", sale, pid))
        return unit

    def licence(self, i: int) -> list[Record]:
        rng = self.rng
        v = self.pick_vendor(rng)
        dest = self.origins[self.pick_origin(rng)]
        year = rng.randint(2008, 2025)
        lic = self.node(
            "ExportLicence",
            {
                "ref": f"synthetic:{self.seed}:licence:{i}",
                "control_code": rng.choice(("5A001", "5D002", "ML11")),
                "decision": "refused" if rng.random() < 0.1 else "granted",
                "year": year,
                "decision_date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "value": float(rng.randint(1, 900) * 1000),
                "currency": "EUR",
            },
        )
        unit: list[Record] = [
            lic,
            self.edge("LICENSED_BY", lic, self.state[self.vendor_base[v]]),
            self.edge("EXPORTER", lic, self.vendor_ids[v]),
            self.edge("DESTINATION", lic, self.state[dest]),
        ]
        if self.products[v]:
            unit.append(self.edge("COVERS", lic, rng.choice(self.products[v])))
        return unit

    def listing(self, i: int) -> list[Record]:
        rng = self.rng
        regime = rng.randrange(len(self.regimes))
        unit: list[Record] = []
        if self.officials and rng.random() < 0.3:
            pid = rng.choice(self.officials)  # an official listed again, under another reference
        else:
            state = self.origins[self.pick_origin(rng)]
            official = self.node(
                "Person",
                {
                    "name": f"Synthetic Official {self.seed}-{i}",
                    "roles": ["official"],
                    "position": "Synthetic head of department",
                    "is_target": False,
                    "nationality": [state],
                },
            )
            unit += [
                official,
                self.edge("MEMBER_OF", official, self.agency(state, unit), role="officer"),
            ]
            pid = official.id
            self._sample(self.officials, pid)
        authority, code = REGIMES[regime]
        year = rng.randint(2012, 2025)
        listing = self.node(
            "SanctionListing",
            {
                "regime": f"{authority}/{code}",
                "reference": f"SYN.{self.seed}.{i}",
                "party_type": "person",
                "listing_date": f"{year}-{rng.randint(1, 12):02d}",
                "year": year,
                "measures": ["asset freeze", "travel ban"][: rng.randint(1, 2)],
            },
        )
        unit += [
            listing,
            self.edge("UNDER_REGIME", listing, self.regimes[regime]),
            self.edge("DESIGNATES", listing, pid),
        ]
        return unit


def generate(relations: int = 1000, seed: int = 0, tally: Tally | None = None) -> Iterator[Record]:
    """Stream a synthetic graph of `relations` relations (see the module docstring).

    Pass a `Tally` to count what is yielded, per node and relation type.
    """
    if relations < 0:
        raise ValueError(f"relations must be 0 or more, got {relations}")
    return _Generator(relations, seed, tally).run()


def expected_counts(relations: int, seed: int = 0) -> dict[str, int]:
    """Nodes and relations per type that `generate(relations, seed)` yields."""
    tally = Tally()
    for _ in generate(relations, seed, tally):
        pass
    return tally.counts()
