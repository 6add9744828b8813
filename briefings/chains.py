"""The table of vendor-to-regime supply chains, and every product and customer for the appendix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from queries.vendor_chains import Chain

from .model import Row, Table
from .subject import Ctx
from .words import year_span


def chain_rows(ctx: Ctx, chains: Sequence[Chain]) -> Table | None:
    """One row per vendor and customer (its products listed), most documented uses first;
    one row per product and customer goes to the appendix."""
    grouped: dict[tuple[str, str], list[Chain]] = defaultdict(list)
    for c in chains:
        customer = (c.customer.label or c.customer.id) if c.customer else "buyer unknown"
        if c.state and c.customer and c.state.id != c.customer.id:
            customer = f"{customer} ({c.state.label})"
        grouped[(c.vendor.label or c.vendor.id, customer)].append(c)
    rows: list[Row] = []
    detail: list[Row] = []
    for (vendor, customer), cs in sorted(grouped.items()):
        links = sorted({c.link for c in cs})
        used = {i.id for c in cs for i in c.incidents if i.used_product}
        incidents = {i.id for c in cs for i in c.incidents}
        years = [y for c in cs for y in c.years]
        products = sorted({c.product.label or c.product.id for c in cs})
        named = ", ".join(products[:3]) + (
            f" and {len(products) - 3} more" if len(products) > 3 else ""
        )
        rows.append(
            Row(
                (
                    vendor,
                    named,
                    customer,
                    ", ".join(links),
                    str(len(used)),
                    str(len(incidents)),
                    year_span(years),
                ),
                ctx.notes.cite(*(c.sources for c in cs)),
            )
        )
        for c in cs:
            detail.append(
                Row(
                    (
                        vendor,
                        c.product.label or c.product.id,
                        customer,
                        c.link,
                        (c.via.label or c.via.id) if c.via else "",
                        str(c.year or ""),
                        str(c.used_product_count),
                        str(c.incident_count),
                    )
                )
            )
    if not rows:
        return None
    ctx.appendix.append(
        Table(
            "chains",
            "Supply chains: every product and customer",
            (
                "Vendor",
                "Product",
                "Customer",
                "Link",
                "Via",
                "Year",
                "Documented uses",
                "Incidents of the customer",
            ),
            tuple(detail),
        )
    )
    rows.sort(key=lambda r: (-int(r.cells[4]), -int(r.cells[5]), r.cells[2]))
    return Table(
        "chains",
        "Vendor -> products -> customer",
        (
            "Vendor",
            "Products",
            "Customer",
            "Link",
            "Documented uses",
            "Incidents of the customer",
            "Years",
        ),
        tuple(rows),
        note="Link: a sale, an export licence, a deployment (operator attribution) or "
        "documented use in an incident. Incidents of the customer: all incidents of "
        "its state, with or without these products.",
        numeric=(4, 5),
    )
