"""Catalog fragments for the shared templates: the category bar and the home sections.

Both are the same for every visitor, so their HTML is cached per catalog version; a warm
home page or header costs no query.
"""

from __future__ import annotations

import logging

from django import template
from django.conf import settings
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from metavast.catalog import listing
from metavast.catalog.cache import versioned
from metavast.catalog.models import Product
from metavast.catalog.tree import category_tree

register = template.Library()
log = logging.getLogger(__name__)
HOME_PRODUCTS = 8


def _fragment(name: str, build) -> str:
    try:
        return mark_safe(versioned(f"fragment:{name}", build))
    except DatabaseError:  # the header must render even when the catalog cannot
        log.exception("catalog fragment %s failed", name)
        return ""


@register.simple_tag
def category_nav() -> str:
    def build():
        roots = category_tree().children_of(None)
        return render_to_string("catalog/partials/nav.html", {"roots": roots})

    return _fragment("nav", build)


def _cards(qs) -> list[dict]:
    rows = qs.values(*listing.CARD_FIELDS)[:HOME_PRODUCTS]
    return [listing.card(r, settings.MEDIA_URL) for r in rows]


@register.simple_tag
def home_sections() -> str:
    def build():
        tree = category_tree()
        visible = Product.objects.visible()
        featured = tree.featured() or tree.children_of(None)
        return render_to_string(
            "catalog/partials/home.html",
            {
                "featured": featured,
                "newest": _cards(visible.in_stock().sorted_by("newest")),
                "bestselling": _cards(visible.in_stock().sorted_by("bestselling")),
                "picks": _cards(visible.in_stock().filter(is_featured=True).sorted_by("newest")),
            },
        )

    return _fragment("home", build)
