from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from metavast.legal.transparency import OUTCOMES, transparency_report


@require_safe
def transparency(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "legal/transparency.html",
        {"years": transparency_report(), "outcome_labels": [label for _, label in OUTCOMES]},
    )
