"""«حریم خصوصی من»: what the shop holds about the signed-in customer, why, and until when."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from metavast.core.http import no_store
from metavast.privacy import holdings


def _url(name: str) -> str:
    """Links to pages other parts of the privacy centre add; absent ones are not shown."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@login_required
@require_GET
@no_store
def privacy_home_view(request):
    held = holdings.customer_holdings(request.user)
    return render(
        request,
        "privacy/home.html",
        {
            "held": held,
            "consent_rows": holdings.consent_labels(held.latest_consent),
            "export_url": _url("privacy:export"),
            "erase_url": _url("privacy:erase"),
            "cookie_settings_url": _url("consent:settings"),
        },
    )
