"""The network figure: the story around the subject, at most so many nodes of each type."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from queries.neighbourhood import neighbourhood
from queries.network import Graph, GraphEdge, GraphNode

from .model import NetEdge, NetNode, Network, Section, Text, left_out_text
from .subject import Ctx

#: Rows that come by the hundred: counted beside the figure, never drawn.
BULK_TYPES = ("ExportLicence", "SanctionListing", "Indicator")
#: What tells the story first, and how many of each type the figure draws at most.
STORY: dict[str, int] = {
    "Incident": 12,
    "Agency": 6,
    "Vendor": 6,
    "Product": 8,
    "Sale": 8,
    "SanctionRegime": 4,
    "State": 10,
    "Tactic": 6,
    "PolicyResponse": 3,
    "Organization": 4,
    "Person": 6,
}
PEOPLE = ("Person", "Organization")
NETWORK_POOL = 400
NETWORK_LIMIT = 36


def _readable_label(node: GraphNode, edges: Sequence[GraphEdge], labels: dict[str, str]) -> str:
    """A sale reads as its customer and products, not as its record reference."""
    if node.type != "Sale":
        return node.label
    buyer = str(node.properties.get("customer_label") or "")
    products: list[str] = []
    for e in edges:
        if e.source == node.id and e.type == "BUYER" and not buyer:
            buyer = labels.get(e.target, "")
        if e.source == node.id and e.type == "SOLD" and e.target in labels:
            products.append(labels[e.target])
    names = sorted(set(products))
    what = names[0] + (f" and {len(names) - 1} more" if len(names) > 1 else "") if names else ""
    if not buyer:
        return "Sale, customer not named" + (f": {what}" if what else "")
    return f"Sale to {buyer}" + (f": {what}" if what else "")


def network_section(ctx: Ctx, network: Network) -> Section:
    """The figure, or, when nothing but the subject would be drawn, a sentence saying so."""
    if len(network.nodes) > 1:
        return Section("network", "Network", network=network)
    bulk = (
        f" (only bulk rows: {left_out_text(network.left_out, ctx.store.schema)})"
        if network.left_out
        else ""
    )
    return Section(
        "network",
        "Network",
        (
            Text(
                f"No incident, agency, vendor, product, sale or sanctions regime is linked to "
                f"{ctx.name} in the graph{bulk}, so there is no network to draw."
            ),
        ),
    )


def _anonymous_sale(node: GraphNode) -> bool:
    return node.type == "Sale" and not node.properties.get("customer_label")


def story_network(
    ctx: Ctx, depth: int, skip: Iterable[str] = (), incidents: set[str] | None = None
) -> Network:
    """The story around the subject: its incidents, host states, agencies, vendors, products,
    sales and sanctions regimes first (at most `STORY[type]` of each), the people of those
    incidents, never bulk rows (licences, listings: counted in `left_out` instead)."""
    # Left out: the types declared `network: false` (sources are footnotes, statistics have
    # their table) and those this briefing skips.
    skipped = {t for t, nt in ctx.store.schema.nodes.items() if not nt.network} | set(skip)
    view, store, sid = ctx.view, ctx.store, ctx.subject.id
    story = [t for t in STORY if t not in skipped and t not in PEOPLE and t in store.schema.nodes]
    pool = neighbourhood(store, sid, depth=depth, types=story, limit=NETWORK_POOL, avoid=view.avoid)
    nodes: dict[str, GraphNode] = {n.id: n for n in pool.nodes}
    edges: dict[str, GraphEdge] = {e.id: e for e in pool.edges}
    truncated = pool.truncated
    people = [t for t in PEOPLE if t not in skipped]
    if people:
        for n in sorted(pool.nodes, key=lambda n: n.id):
            if n.type in ("Incident", "Agency", "Sale") and n.id != sid:
                near = neighbourhood(store, n.id, depth=1, types=people, limit=12, avoid=view.avoid)
                nodes.update({m.id: m for m in near.nodes if m.id not in nodes})
                edges.update({e.id: e for e in near.edges})
    # Only the incidents the briefing counts (its scope): the others are said, not drawn.
    other_scope = 0
    if incidents is not None:
        outside = {i for i, n in nodes.items() if n.type == "Incident" and i not in incidents}
        other_scope = len(outside)
        nodes = {i: n for i, n in nodes.items() if i not in outside}
    g = Graph(tuple(nodes.values()), tuple(edges.values()), truncated).seen_by(view)
    centre = view.shown_id(sid)
    adjacent: dict[str, set[str]] = defaultdict(set)
    for e in g.edges:
        adjacent[e.source].add(e.target)
        adjacent[e.target].add(e.source)
    dist = {centre: 0}
    frontier = [centre]
    while frontier:
        nxt = []
        for a in frontier:
            for b in sorted(adjacent[a]):
                if b not in dist:
                    dist[b] = dist[a] + 1
                    nxt.append(b)
        frontier = nxt
    order = list(STORY)
    ranked = sorted(
        (n for n in g.nodes if n.id != centre and n.type in STORY),
        key=lambda n: (
            order.index(n.type),
            _anonymous_sale(n),
            -len(adjacent[n.id]),
            dist.get(n.id, 9),
            n.label,
        ),
    )
    kept: dict[str, GraphNode] = {n.id: n for n in g.nodes if n.id == centre}
    per_type: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    waiting = list(ranked)
    while True:  # again while a pass adds a node (an incident hangs on a product kept later)
        later = []
        for n in waiting:
            linked = adjacent[n.id] & set(kept)
            if n.type in PEOPLE and not (linked - {centre}):
                later.append(n)  # tied to the subject alone (citizens on a list ...)
                continue
            if not linked or per_type[n.type] >= STORY[n.type] or len(kept) >= NETWORK_LIMIT:
                later.append(n)
                continue
            kept[n.id] = n
            per_type[n.type] += 1
        if len(later) == len(waiting):
            break
        waiting = later
    for n in waiting:
        dropped[n.type] += 1
    labels = {n.id: n.label for n in g.nodes}
    shown_edges = tuple(
        NetEdge(e.source, e.target, e.type)
        for e in g.edges
        if e.source in kept and e.target in kept
    )
    net_nodes = tuple(
        NetNode(n.id, _readable_label(n, g.edges, labels), n.type, n.id == centre)
        for n in kept.values()
    )
    bulk = neighbourhood(store, sid, depth=1, types=list(BULK_TYPES), limit=5000, avoid=view.avoid)
    counts = Counter(n.type for n in bulk.nodes if n.id != sid)
    left = [(t, counts[t]) for t in BULK_TYPES if counts[t]]
    left += [(t, dropped[t]) for t in STORY if dropped[t]]
    if other_scope:
        left.append(("OtherScope", other_scope))
    # One source per node: the figure shows what the sections cite in full.
    src = [list(n.properties.get("source_ids") or [])[:1] for n in kept.values()]
    colours = store.schema.colours()
    drawn = sorted({n.type for n in net_nodes if n.type in colours})
    return Network(
        f"The story around {ctx.name}",
        net_nodes,
        shown_edges,
        truncated or bool(dropped),
        ctx.cite_ids(*src),
        tuple(left),
        tuple((t, colours[t]) for t in drawn),
    )
