"""The fields on the surveillance trade: vendor chains (paged) and licences to repressors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry
from strawberry.types import Info

from queries import licences
from queries import vendor_chains as chain_queries

from .answers import AsOf, ResultView, as_of_argument, run
from .connections import PageInfo
from .context import Context
from .cursors import INVALID_CURSOR, decode_cursor, encode_cursor
from .errors import PublicError

if TYPE_CHECKING:  # the generated types are classes at run time, `Any` for mypy
    LicenceDestination: TypeAlias = Any
    VendorChain: TypeAlias = Any
else:
    from .results import LicenceDestination, VendorChain

MAX_CHAINS = 1000


@strawberry.type(description="A vendor chain and its place in the list.")
class VendorChainEdge:
    cursor: str
    node: VendorChain


@strawberry.type(description="A page of vendor chains, with the count of all that match.")
class VendorChainConnection:
    total_count: int
    page_info: PageInfo
    edges: list[VendorChainEdge]
    nodes: list[VendorChain]


def _chain_cursor(offset: int, role: int) -> str:
    return encode_cursor("vendorChains", offset, "", role)


def _chain_offset(cursor: str | None, role: int) -> int:
    """The offset after `cursor` (0 without one); a cursor not made here is refused."""
    if cursor is None:
        return 0
    value, _ = decode_cursor(cursor, "vendorChains", role)
    if not isinstance(value, int) or value < 0:
        raise PublicError(INVALID_CURSOR)
    return value + 1


@strawberry.field(
    description="Vendor -> product -> customer -> incidents chains, for a vendor "
    "and/or a product (id, name or alias), a customer state (id, ISO code or "
    "name: the state or its agencies) or agency, or for all vendors; paged, "
    "with the total count. Chains with link `use-operator-unknown` reach the "
    "incidents that used a product with no origin state (no customer); each "
    "incident says how it relates to its chain (`relation`)."
)  # type: ignore[untyped-decorator]
async def vendor_chains(
    info: Info[Context, None],
    vendor: str | None = None,
    product: str | None = None,
    state: str | None = None,
    agency: str | None = None,
    first: int = 100,
    after: str | None = None,
    as_of: AsOf = None,
) -> VendorChainConnection:
    if not 0 <= first <= MAX_CHAINS:
        raise PublicError(f"first must be between 0 and {MAX_CHAINS}")
    role = int(info.context.view.role)
    start = _chain_offset(after, role)
    chains = await run(
        info,
        chain_queries.vendor_chains,
        vendor=vendor,
        product=product,
        state=state,
        agency=agency,
        as_of=as_of_argument(as_of),
    )
    page = chains[start : start + first]
    view = await ResultView(info.context).prepare(page)
    edges = [
        VendorChainEdge(cursor=_chain_cursor(start + k, role), node=view.apply(c))
        for k, c in enumerate(page)
    ]
    return VendorChainConnection(
        total_count=len(chains),
        edges=edges,
        nodes=[e.node for e in edges],
        page_info=PageInfo(
            has_next_page=start + len(page) < len(chains),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


@strawberry.field(
    description="Export licences to origin states of TNR and operators of "
    "spyware, grouped by destination."
)  # type: ignore[untyped-decorator]
async def licences_to_repressors(
    info: Info[Context, None],
    exporter: str | None = None,
    control_prefix: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    decision: str | None = None,
    min_value: float | None = None,
    as_of: AsOf = None,
) -> list[LicenceDestination]:
    result = await run(
        info,
        licences.licences_to_tnr_states,
        exporter=exporter,
        control_prefix=control_prefix,
        year_from=year_from,
        year_to=year_to,
        decision=decision,
        min_value=min_value,
        as_of=as_of_argument(as_of),
    )
    view = await ResultView(info.context).prepare(result)
    return [view.apply(g) for g in result]
