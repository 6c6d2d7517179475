"""{% cookie_banner %}: the banner, only while a non-necessary category is in use and the
visitor has not chosen about it (metavast.consent.gate.needs_banner)."""

from __future__ import annotations

from django import template

from metavast.consent import gate, registry
from metavast.consent.models import CookieCategory

register = template.Library()


@register.inclusion_tag("consent/banner.html", takes_context=True)
def cookie_banner(context) -> dict:
    request = context.get("request")
    if request is None or not gate.needs_banner(request):
        return {"show": False}
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name == "consent:settings":
        return {"show": False}  # the settings page says it all already
    groups = [
        {"label": CookieCategory(c).label, "features": registry.features_in(c)}
        for c in registry.categories_in_use()
    ]
    return {
        "show": True,
        "groups": groups,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path(),
    }
