"""Erase my account: ask (after step-up), see the grace period, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from metavast.accounts.views.stepup import stepup_required
from metavast.core.errors import DomainError
from metavast.core.http import no_store
from metavast.privacy.models import ErasureRequest
from metavast.privacy.services import erasure


@login_required
@require_http_methods(["GET", "POST"])
@no_store
@stepup_required
def erase_view(request):
    if request.method == "POST":
        try:
            erasure.erasure_request(user=request.user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, "درخواست حذف حساب ثبت شد.")
        return redirect("privacy:erase")
    pending = ErasureRequest.objects.pending().filter(user=request.user).first()
    blocker = None if pending else erasure.erasure_blocker(request.user)
    return render(
        request,
        "privacy/erase_page.html",
        {
            "pending": pending,
            "blocker": blocker.message if blocker else "",
            "days": erasure.grace_days(),
            "kept": erasure.kept_items(),
        },
    )


@login_required
@require_POST
@no_store
def erase_cancel_view(request):
    # No step-up: cancelling only keeps the account as it is.
    try:
        erasure.erasure_cancel(user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, "درخواست حذف حساب لغو شد؛ حساب شما برقرار است.")
    return redirect("privacy:erase")
