from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from metavast.storefront import policy
from metavast.storefront.models import Page

log = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/home.html")


@require_GET
def page_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(Page.objects.published(), slug=slug)
    context = {"page": page}
    if slug == policy.PRIVACY_SLUG:
        # Today's practice, generated from the purpose registry and the retention rules.
        context["practice"] = policy.practice_rows()
        context["retention_rules"] = policy.retention_sentences()
    return render(request, "storefront/page.html", context)


@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """The framework floor for benchmarks: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


def error_400(request, exception=None):
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # No context processors that touch the database: the database may be why we are here.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)
