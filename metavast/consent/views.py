"""The cookie settings page and the one view every choice is posted to.

The banner's buttons are a plain form: without JavaScript the POST redirects back to the page
the visitor was on; with htmx the banner is swapped for the (empty) answer in place.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from metavast.consent import cookie, gate, registry
from metavast.consent.forms import CookieChoiceForm
from metavast.consent.models import CATEGORY_DESCRIPTIONS, CookieCategory
from metavast.consent.services import cookie_consent_choose


def _categories(request: HttpRequest) -> list[dict]:
    in_use = registry.categories_in_use()
    rows = []
    for category in CookieCategory:
        rows.append(
            {
                "value": category.value,
                "label": category.label,
                "description": CATEGORY_DESCRIPTIONS[category],
                "is_necessary": category == CookieCategory.NECESSARY,
                "in_use": category == CookieCategory.NECESSARY or category in in_use,
                "granted": gate.allows(request, category),
                "features": registry.features_in(category),
                "cookies": registry.cookies_of(category),
            }
        )
    return rows


@require_safe
def cookie_settings(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "consent/settings.html",
        {
            "categories": _categories(request),
            "choice": gate.current_choice(request),
            "any_in_use": bool(registry.categories_in_use()),
            "storage": registry.NECESSARY_STORAGE,
            "policy_version": settings.COOKIE_POLICY_VERSION,
        },
    )


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("consent:settings")


@require_POST
def choose(request: HttpRequest) -> HttpResponse:
    form = CookieChoiceForm(request.POST)
    if not form.is_valid():
        return HttpResponse("درخواست نامعتبر است.", status=400)
    choice = cookie_consent_choose(
        user=request.user, granted=form.granted(registry.categories_in_use())
    )
    gate.forget(request)
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse("")  # the banner is swapped for nothing
    else:
        messages.success(request, "انتخاب شما دربارهٔ کوکی‌ها ذخیره شد.")
        response = HttpResponseRedirect(_safe_next(request, form.cleaned_data["next"]))
    cookie.set_choice_cookie(response, choice)
    # A category taken back: its features' cookies go at once.
    for feature in registry.features():
        if feature.category not in choice.granted:
            for item in feature.cookies:
                if not item.name.endswith("*") and item.name in request.COOKIES:
                    response.delete_cookie(item.name)
    return response
