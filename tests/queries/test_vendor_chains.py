"""Vendor chains on the small graph: from a vendor's product to the states and targets."""

from __future__ import annotations

from dataclasses import asdict

from graph.store import Store
from queries.vendor_chains import vendor_chains


# -- vendor chains ----------------------------------------------------------------------------
def test_gamma_finspy_sale_reaches_qatar_ssb_with_sources(g: dict[str, str], store: Store) -> None:
    chains = vendor_chains(store, vendor="FinFisher")  # an alias of Gamma Group
    links = {(c.link, c.customer.id) for c in chains}
    assert links == {("sale", g["ssb"]), ("export-licence", g["QA"]), ("deployment", g["ssb"])}
    sale = next(c for c in chains if c.link == "sale")
    assert sale.vendor.label == "Gamma Group" and sale.product.label == "FinSpy"
    assert sale.state is not None and sale.state.id == g["QA"]
    assert sale.year == 2012 and sale.via is not None and sale.via.type == "Sale"
    assert [h.relation for h in sale.hops] == ["MAKES", "SELLER", "SOLD", "BUYER", "PART_OF"]
    assert all(h.sources and h.sources[0].title for h in sale.hops)
    assert sale.sources[0].publisher == "Example Watch"
    assert sale.incidents == ()  # Qatar has no documented incident here


def test_nso_pegasus_chains_reach_mexican_incident_targets_as_ids(
    g: dict[str, str], store: Store
) -> None:
    chains = vendor_chains(store, product=g["pegasus"])
    assert {c.link for c in chains} == {"deployment", "documented-use"}
    deploy = next(c for c in chains if c.link == "deployment")
    assert deploy.customer.id == g["cisen"] and deploy.state is not None
    assert deploy.state.id == g["MX"]
    assert deploy.incident_count == 1 and deploy.target_count == 1
    inc = deploy.incidents[0]
    assert inc.id == g["mx1"] and inc.used_product and inc.year == 2017
    assert set(inc.links) == {"ORIGIN_STATE", "PERPETRATED_BY"}
    assert inc.target_ids == (g["journalist"],)
    assert {s.title for s in inc.sources} == {"Spyware in Mexico"}
    assert deploy.years == (2017,)
    use = next(c for c in chains if c.link == "documented-use")
    assert use.customer.id == g["MX"] and use.via is not None and use.via.id == g["mx1"]
    assert asdict(use)["customer"]["label"] == "Mexico"


def test_vendor_chains_unknown_vendor_is_empty(g: dict[str, str], store: Store) -> None:
    assert vendor_chains(store, vendor="No Such Vendor") == []
    assert len(vendor_chains(store)) == 5
