"""Facet counts that follow the shopper's other filters.

A category's filter panel lists its brands and filterable specification values
(`listing.facets`, the same for every visitor). Beside each value it shows how many products
the listing would have with that value ticked *and every other active filter kept*: a
facet's own choices do not narrow its own counts (ticking «سامسونگ» leaves «شیائومی»'s count
as it was), the other facets and the price and stock filters do.

Queries, whatever the catalog size: none when no filter is active (the category's counts
are the answer), else one for the brands, one for every attribute without a choice, and one
per attribute with a choice. Cached per catalog version and filters (not sort or page).
"""

from __future__ import annotations

from dataclasses import replace

from django.core.cache import cache
from django.db.models import Count

from metavast.catalog import listing
from metavast.catalog.cache import catalog_version, page_key
from metavast.catalog.models import ProductSpec
from metavast.catalog.tree import Node

TTL = 3600


def _is_narrowed(filters: listing.Filters) -> bool:
    return bool(
        filters.brands
        or filters.specs
        or filters.in_stock
        or filters.min_price is not None
        or filters.max_price is not None
    )


def facet_counts(category: Node, filters: listing.Filters) -> dict:
    """`listing.facets(category)` with every count recomputed under the other filters.
    Values keep their place; a value no product would have gets 0 (shown, not dropped, so
    a ticked one can still be unticked)."""
    universe = listing.facets(category)
    if not _is_narrowed(filters):
        return universe
    identity = replace(filters, category=category, sort="", page=1).identity()
    key = page_key("facet-counts", f"{catalog_version()}|{identity}")
    counted = cache.get(key)
    if counted is None:
        counted = _count(universe, replace(filters, category=category))
        cache.set(key, counted, TTL)
    return counted


def _count(universe: dict, filters: listing.Filters) -> dict:
    brand_counts: dict[str, int] = {}
    if universe["brands"]:
        rows = (
            listing.filtered(replace(filters, brands=[]))
            .exclude(brand=None)
            .order_by()
            .values("brand__slug")
            .annotate(n=Count("id"))
        )
        brand_counts = {r["brand__slug"]: r["n"] for r in rows}

    slugs = [a["slug"] for a in universe["attributes"]]
    chosen = [s for s in slugs if s in filters.specs]
    free = [s for s in slugs if s not in filters.specs]
    value_counts: dict[tuple[str, str], int] = {}
    if free:
        value_counts.update(_spec_counts(listing.filtered(filters), free))
    for slug in chosen:
        others = {k: v for k, v in filters.specs.items() if k != slug}
        value_counts.update(_spec_counts(listing.filtered(replace(filters, specs=others)), [slug]))

    return {
        "brands": [{**b, "count": brand_counts.get(b["slug"], 0)} for b in universe["brands"]],
        "attributes": [
            {
                **a,
                "values": [
                    {**v, "count": value_counts.get((a["slug"], v["key"]), 0)} for v in a["values"]
                ],
            }
            for a in universe["attributes"]
        ],
    }


def _spec_counts(products, attribute_slugs: list[str]) -> dict[tuple[str, str], int]:
    rows = (
        ProductSpec.objects.filter(
            attribute__slug__in=attribute_slugs, product_id__in=products.order_by().values("id")
        )
        .values("attribute__slug", "value_key")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(r["attribute__slug"], r["value_key"]): r["n"] for r in rows}
