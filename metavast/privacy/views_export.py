"""Download my data: ask for a package (after step-up), then fetch it once by its link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from metavast.accounts.views.stepup import stepup_required
from metavast.core.errors import DomainError
from metavast.core.http import no_store
from metavast.privacy.models import DataCopy
from metavast.privacy.services import export as export_service


@login_required
@require_http_methods(["GET", "POST"])
@no_store
@stepup_required
def export_view(request):
    if request.method == "POST":
        try:
            export_service.export_request(user=request.user, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                "درخواست شما ثبت شد. بسته در پس‌زمینه ساخته می‌شود و پیوند یک‌بار مصرفش را به "
                "ایمیل و تلفن همراه تأییدشدهٔ شما می‌فرستیم.",
            )
        return redirect("privacy:export")
    exports = DataCopy.objects.for_user(request.user).order_by("-requested_at")[:5]
    return render(
        request,
        "privacy/export_page.html",
        {
            "exports": exports,
            "hours": export_service._hours(),
            "has_contact": bool(request.user.confirmed_email or request.user.confirmed_mobile),
        },
    )


@login_required
@require_GET
@no_store
def export_download_view(request, token: str):
    """The one-time link: only for the signed-in owner; the file is gone afterwards."""
    try:
        data = export_service.export_download(token=token, user=request.user)
    except DomainError as exc:
        return render(
            request, "privacy/export_gone.html", {"message": exc.message}, status=exc.status
        )
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="metavast-my-data.zip"'
    return response
