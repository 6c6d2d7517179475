"""Catalog fragments for the shared templates: the category bar, the home sections and the
listing's facet checkboxes.

The bar and the home sections are the same for every visitor, so their HTML is cached per
catalog version; a warm home page or header costs no query. The facets are built in Python
(like listing.card_html): a category shows up to 30 brands and a dozen values per
specification, and the template engine spent about a millisecond a page on their lookups.
"""

from __future__ import annotations

import logging

from django import template
from django.conf import settings
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from metavast.catalog import listing
from metavast.catalog.cache import versioned
from metavast.catalog.models import Product
from metavast.catalog.tree import category_tree
from metavast.core.text import to_persian_number_text

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
    return listing.cards(rows, settings.MEDIA_URL)


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


def _facet_label(*, name: str, value: str, label: str, count, checked: bool) -> str:
    none = "" if count or checked else " none"
    tick = " checked" if checked else ""
    shown = "" if count is None else to_persian_number_text(count)
    return (
        f'<label class="check{none}"><input type="checkbox" name="{escape(name)}"'
        f' value="{escape(value)}"{tick}> {escape(label)}'
        f' <span class="muted">({escape(shown)})</span></label>'
    )


@register.simple_tag
def facet_groups(facets, oob: bool = False) -> SafeString:
    """Brands and specification values with their counts under the other active filters
    (views._facets_view decided which are ticked). An htmx swap of the results sends this
    again out of band (`oob`)."""
    facets = facets or {}
    swap = ' hx-swap-oob="true"' if oob else ""
    parts = [f'<div id="facet-groups"{swap}>\n']
    brands = facets.get("brands")
    if brands:
        labels = "".join(
            _facet_label(
                name="brand",
                value=b["slug"],
                label=b["name"],
                count=b["count"],
                checked=b["checked"],
            )
            for b in brands
        )
        parts.append(f"\n<fieldset><legend>برند</legend>\n  {labels}\n</fieldset>\n")
    parts.append("\n")
    for a in facets.get("attributes") or ():
        labels = "".join(
            _facet_label(
                name=f"spec_{a['slug']}",
                value=v["key"],
                label=v["label"],
                count=v["count"],
                checked=v["checked"],
            )
            for v in a["values"]
        )
        parts.append(f"\n<fieldset><legend>{escape(a['name'])}</legend>\n  {labels}\n</fieldset>\n")
    parts.append("\n</div>\n")
    return mark_safe("".join(parts))
