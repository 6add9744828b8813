"""Reading one page of a connection: one keyset query, or the public's order run by run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .context import Context
from .cursors import INVALID_CURSOR, compare_ties, order_by
from .errors import PublicError
from .filters import Params


async def read_page(
    ctx: Context,
    label: str,
    conditions: list[str],
    params: Params,
    keys: list[str],
    keyset: list[str],
    key: str | None,
    tie_exprs: list[str],
    size: int,
    descending: bool,
    backwards: bool,
) -> list[dict[str, Any]]:
    """The rows of one page in one query (size + 1 of them when there are more)."""
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    then = f" WHERE {' AND '.join(keyset)}" if keyset else ""
    limit = params.add(size + 1)
    # Sorted and cut on the keys alone, the properties read only for the rows kept (about
    # twice as fast on both engines as projecting every row first); the RETURN sorts its
    # few rows again, since a projection is not bound to keep the order of the WITH.
    order = order_by(key, tie_exprs, descending, backwards)
    kept = ", ".join(["n"] + [k for k in ("k", "rk") if k == key or k in tie_exprs])
    query = (
        f"MATCH (n:`{label}`){where} WITH {', '.join(keys)}{then} "
        f"WITH {kept} ORDER BY {order} LIMIT {limit} "
        f"RETURN properties(n) AS p, {key or 'null'} AS k ORDER BY {order}"
    )
    return await ctx.loaders.read(query, **params.values) if size else []


def _within(rank: int, bounds: list[tuple[str, Any]], asc: bool) -> bool:
    """Whether an anonymous rank lies after/before (">"/"<") each bound in the order."""
    for op, (value, _) in bounds:
        if rank == int(value):
            return False
        ahead = rank > int(value) if asc else rank < int(value)
        if ahead != (op == ">"):
            return False
    return True


@dataclass(frozen=True)
class Segment:
    """One run of a public page's order: rows meeting `where`, by (`col`, id); or, with
    `where` None, the anonymous rows by rank."""

    where: str | None = None
    col: str | None = None


async def read_segmented_page(
    ctx: Context,
    label: str,
    conditions: list[str],
    params: Params,
    segments: list[Segment],
    ranks: dict[str, int],
    places: dict[str, tuple[int, Any, str]],
    size: int,
    descending: bool,
    backwards: bool,
) -> list[dict[str, Any]]:
    """A public page in runs, each read by a query as cheap as the analyst's.

    The public's order (graph/visibility.py) puts the rows it sees as stored first and the
    anonymous ones, by rank, where nulls go; one query computing that order for every row
    costs up to twice the analyst's. Here each run is the analyst's query with one more
    condition, cut at the rows still needed, and a run is read only when a page reaches
    it. `places` gives, per cursor (after/before), its run, its value and its real id.
    Rows come back in page order (size + 1 of them when there are more).
    """
    if not size:
        return []
    asc = not descending
    scan_asc = asc != backwards
    d = "ASC" if scan_asc else "DESC"
    order = range(len(segments)) if not backwards else range(len(segments) - 1, -1, -1)
    need = size + 1
    out: list[dict[str, Any]] = []
    for position in order:
        segment = segments[position]
        bounds: list[tuple[str, Any]] = []  # (">" after / "<" before, (value, id))
        excluded = False
        for which, (at, value, real) in places.items():
            if at == position:
                bounds.append((">" if which == "after" else "<", (value, real)))
            elif (which == "after") == (at > position):
                excluded = True  # the whole run lies before `after` or after `before`
        if excluded:
            continue
        if segment.where is None:
            anon_bounds = [(op, (ranks[real], real)) for op, (_, real) in bounds]
            ordered = sorted(
                (r for r, rank in ranks.items() if _within(rank, anon_bounds, asc)),
                key=ranks.__getitem__,
                reverse=not scan_asc,
            )
            # In rank order, a chunk at a time (doubling while a filter drops rows), so a
            # page reads the properties of the rows it keeps, not of every anonymous one.
            start, chunk = 0, need - len(out)
            while start < len(ordered) and len(out) < need:
                ids = ordered[start : start + chunk]
                start, chunk = start + len(ids), chunk * 2
                conds = [*conditions, f"n.id IN {params.add(ids)}"]
                query = (
                    f"MATCH (n:`{label}`) WHERE {' AND '.join(conds)} "
                    "RETURN properties(n) AS p, null AS k"
                )
                found = await ctx.loaders.read(query, **params.used_in(query))
                found.sort(key=lambda row: ranks[row["p"]["id"]], reverse=not scan_asc)
                out.extend(found[: need - len(out)])
        else:
            conds = [*conditions, segment.where]
            ties = ([segment.col] if segment.col else []) + ["n.id"]
            for op, (value, real) in bounds:
                sym = op if asc else {">": "<", "<": ">"}[op]
                values = ([value] if segment.col else []) + [real]
                conds.append(
                    compare_ties(
                        [(e, params.add(v)) for e, v in zip(ties, values, strict=True)], sym
                    )
                )
            by = ", ".join(f"{t} {d}" for t in ties)
            k = segment.col or "null"
            query = (
                f"MATCH (n:`{label}`) WHERE {' AND '.join(conds)} WITH n ORDER BY {by} "
                f"LIMIT {params.add(need - len(out))} RETURN properties(n) AS p, {k} AS k "
                f"ORDER BY {by}"
            )
            out.extend(await ctx.loaders.read(query, **params.used_in(query)))
        if len(out) >= need:
            break
    return out[:need]


def segments_of(
    order_field: str,
    col: str,
    masked: list[str],
    anonymous: list[str],
    params: Params,
    descending: bool,
) -> list[Segment]:
    """The runs of the public's order, when a page can be read run by run (else [])."""
    if not anonymous:
        return []
    anon = f"{params.add(dict.fromkeys(anonymous, True))}[n.id] IS NULL"
    if order_field == "id":  # the rows shown as stored by id, then the anonymous ones
        return [Segment(anon), Segment()]
    if not masked or not set(anonymous) <= set(masked):
        return []  # anonymous rows keep their value here: one query orders them
    m = params.add(dict.fromkeys(masked, True))
    valued = Segment(f"{m}[n.id] IS NULL AND {col} IS NOT NULL", col)
    nulls = Segment(f"{anon} AND ({col} IS NULL OR coalesce({m}[n.id], false))")
    # nulls last; among them the ties (rank, then id) go the way of the order
    return [valued, Segment(), nulls] if descending else [valued, nulls, Segment()]


def run_of(runs: list[Segment], real: str, value: Any, ranks: dict[str, int]) -> int:
    """The run a cursor's row belongs to: anonymous, with a value, or without."""
    for i, segment in enumerate(runs):
        if segment.where is None:
            if real in ranks:
                return i
        elif real not in ranks and (segment.col is not None) == (value is not None):
            return i  # ordered by id, the one run of stored rows has no value either
    raise PublicError(INVALID_CURSOR)
