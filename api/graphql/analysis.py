"""The analytical root fields over `queries/`, in the order the schema lists them.

Each resolver (trade.py, sanctions.py, feed.py, incidents.py, walks.py) calls its
function in `queries/` in a worker thread (the store's driver blocks; answers.py) and
hands the result through graph/visibility.py for the caller's role before it leaves: a
redacted person's id becomes `public_id`, its label `label_for`, its properties
`redact_properties`. A public caller can neither find a redacted person by name (search
drops the hit) nor by real id (refused like an unknown id); an anonymous id
(`anon_...`) handed out earlier is accepted as input.
"""

from __future__ import annotations

import strawberry

from .feed import changes
from .incidents import compare_periods, host_collaboration, incidents_per_year, stated_figures
from .sanctions import designations_by_origin, sanctions_coverage
from .trade import licences_to_repressors, vendor_chains
from .walks import neighbourhood, search, shortest_path, subgraph


@strawberry.type
class AnalysisQuery:
    """Root fields over the questions of `queries/` (one resolver each, in this order)."""

    vendor_chains = vendor_chains
    sanctions_coverage = sanctions_coverage
    changes = changes
    designations_by_origin = designations_by_origin
    host_collaboration = host_collaboration
    incidents_per_year = incidents_per_year
    compare_periods = compare_periods
    stated_figures = stated_figures
    licences_to_repressors = licences_to_repressors
    neighbourhood = neighbourhood
    shortest_path = shortest_path
    subgraph = subgraph
    search = search
