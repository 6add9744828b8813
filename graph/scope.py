"""The scope of an Incident: transnational, domestic or unknown, from where its target was.

One rule, used by the loaders when they write an incident and by the questions when an
incident carries no stored scope.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

#: The scopes of an Incident (graph/schema.yaml, Incident.scope).
SCOPES = ("transnational", "domestic", "unknown")


def incident_scope(
    origins: AbstractSet[str],
    hosts: AbstractSet[str] = frozenset(),
    residences: AbstractSet[str] = frozenset(),
) -> str:
    """An incident's scope from where the target was against the origin states (ISO codes or
    State ids, compared as given): the host states, else the target's countries of residence.

    Transnational when a place is known and is not an origin state; domestic when every
    known place is an origin state; unknown without an origin or a place. Nothing is guessed.
    """
    places = hosts or residences
    if not origins or not places:
        return "unknown"
    return "transnational" if places - origins else "domestic"
