"""Standard exports of the graph: STIX 2.1, FollowTheMoney, GraphML and CSV.

Each exporter takes an `ExportView` (exports/view.py): a subgraph or the whole graph,
already redacted for the caller's role, so no exporter decides on its own what a role
may see.
"""
