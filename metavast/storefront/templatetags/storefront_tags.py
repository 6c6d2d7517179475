"""Pieces of base.html that are the same for every visitor, built once per process.

Every storefront page renders base.html, so what it computes per request is paid on every
page (issue 16): the static file URLs (a manifest lookup each) and the footer links (a URL
reverse each). Both are pure functions of what they are keyed by here, so they never go
stale: a static URL by its path (the manifest is read once per process; a settings change
in tests empties the memo), the footer by its pages' slugs and titles and the URL prefix.
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from metavast.storefront.context_processors import footer_pages

register = template.Library()

_static_urls: dict[str, str] = {}
_footers: dict[tuple, SafeString] = {}
FOOTERS_MAX = 64  # a handful of page sets over a process's life; bounded all the same


@register.simple_tag
def asset(path: str) -> str:
    """`{% static path %}`, remembered per path (escaped by the template like static's)."""
    url = _static_urls.get(path)
    if url is None:
        url = _static_urls[path] = static(path)
    return url


@register.simple_tag
def footer_links() -> SafeString:
    """The footer's page links and the cookie settings link."""
    pages = footer_pages()
    key = (get_script_prefix(), *((p["slug"], p["title"]) for p in pages))
    html = _footers.get(key)
    if html is None:
        html = format_html_join(
            "",
            '<a href="{}">{}</a>',
            ((reverse("storefront:page", args=[p["slug"]]), p["title"]) for p in pages),
        ) + format_html('\n      <a href="{}">تنظیمات کوکی</a>', reverse("consent:settings"))
        if len(_footers) >= FOOTERS_MAX:
            _footers.clear()
        _footers[key] = html
    return html


def _forget(*, setting: str, **kwargs) -> None:
    if setting in ("STATIC_URL", "STATIC_ROOT", "STORAGES", "ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _static_urls.clear()
        _footers.clear()


setting_changed.connect(_forget)
