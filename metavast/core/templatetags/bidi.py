"""Isolate what people typed from the page around it, in staff screens.

A name or a title can be Latin in a Persian page, start with a digit, or (typed before the
plain-text check existed) hold a bidi override. Wrapped in ``<bdi>``, each value gets its own
direction and cannot reorder its neighbours: the admin's list cells and read-only fields use
these filters through the template overrides in core/templates/admin/.

Both filters escape what is not already safe and only add markup around the escaped HTML, so
escaping is never undone.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Block-level content is its own bidi paragraph already, and <bdi> may hold phrasing only;
# form controls (list_editable, the action checkbox) are left alone too.
_NOT_PHRASING = re.compile(
    r"<(?:address|article|aside|blockquote|details|div|dl|fieldset|figure|footer|form|h[1-6]|"
    r"header|hr|li|main|nav|ol|p|pre|section|table|ul|input|select|textarea|button)\b",
    re.IGNORECASE,
)
_CELL = re.compile(r"\A(\s*<(td|th)\b[^>]*>)(.*)(</\2>\s*)\Z", re.DOTALL | re.IGNORECASE)


def _isolate(html: str) -> SafeString:
    if not html.strip() or _NOT_PHRASING.search(html):
        return mark_safe(html)
    return mark_safe(f"<bdi>{html}</bdi>")


@register.filter
def bdi(value) -> SafeString:
    """``value`` escaped (unless already safe) inside ``<bdi>``."""
    return _isolate(str(conditional_escape(value)))


@register.filter
def bdi_cell(value) -> SafeString:
    """A changelist cell (``<td>…</td>``/``<th>…</th>``) with its content inside ``<bdi>``."""
    html = str(conditional_escape(value))
    match = _CELL.match(html)
    if match is None:
        return mark_safe(html)
    opening, _tag, inner, closing = match.groups()
    return mark_safe(f"{opening}{_isolate(inner)}{closing}")
