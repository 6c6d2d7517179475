"""`{% product_reviews product %}`: the product page's reviews and questions block.

A template tag, not a context variable, so the catalog (a lower layer) never imports
reviews: the catalog's template includes it. The rendered block is kept in the cache under
the product's catalog version, which every visible change of a review, question or answer
bumps (services call catalog.cache.bump_product_slugs); so a warm product page costs no
query for it, and a cold one a fixed five (summary.product_block).
"""

from __future__ import annotations

from django import template
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from metavast.catalog import cache as catalog_cache
from metavast.reviews import summary

register = template.Library()

BLOCK_TTL = 3600


def _render(product) -> str:
    context = summary.product_block(product)
    # Already JSON with <, > and & escaped (summary.json_ld): safe inside a data block.
    context["json_ld"] = mark_safe(context["json_ld"])
    return render_to_string("reviews/partials/product_block.html", context)


@register.simple_tag
def product_reviews(product):
    versions = catalog_cache.versions(product.slug)
    key = f"reviews:block:{product.pk}:{versions[0]}:{versions[1]}"
    html = cache.get(key)
    if html is None:
        html = _render(product)
        cache.set(key, html, BLOCK_TTL)
    # The template escaped every text it holds (render_to_string autoescapes).
    return mark_safe(html)


@register.filter
def stars(rating) -> str:
    try:
        n = max(0, min(5, int(rating)))
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * (5 - n)
