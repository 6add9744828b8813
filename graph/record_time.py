"""Record time: now as a record time, the last and the next load's, and the sighting strings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from graph.store import Store


def record_now() -> str:
    """Now as a record time: UTC ISO 8601 to the microsecond, so times sort as strings."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def last_load_time(store: Store) -> str:
    """The record time of the last load ("" before any)."""
    found = store.read("MATCH (l:Load) RETURN max(l.started) AS t")
    return str(found[0]["t"]) if found and found[0]["t"] else ""


def next_record_time(store: Store) -> str:
    """The record time of a new load: now, or just after the last load's when the clock
    has not moved past it (so loads are strictly ordered)."""
    now = record_now()
    last = last_load_time(store)
    if last and last >= now:
        after = datetime.strptime(last, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        now = (after + timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return now


def sighting_key(source_id: str, dataset: str) -> str:
    """The prefix of a fact's sighting by one source in one dataset ("source|dataset|")."""
    return f"{source_id.replace('|', '/')}|{dataset.replace('|', '/')}|"


def parse_sighting(text: str) -> tuple[str, str, str, str, str]:
    """(source id, dataset, first seen, last seen, no longer confirmed since or "")."""
    parts = [*str(text).split("|"), "", "", "", "", ""][:5]
    return parts[0], parts[1], parts[2], parts[3], parts[4]
