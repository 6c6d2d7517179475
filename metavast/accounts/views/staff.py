"""Staff two-factor: enrolling and checking the TOTP code before the admin."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from metavast.accounts import forms
from metavast.accounts.navigation import safe_next
from metavast.accounts.services import staff
from metavast.accounts.views._common import _error
from metavast.core.errors import DomainError
from metavast.core.http import no_store


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def staff_2fa_view(request):
    user = request.user
    if not user.is_staff:
        raise PermissionDenied
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), default="/")
    device = staff.staff_totp_device(user)
    setup = None if device else staff.staff_totp_setup_device(user=user)
    form = forms.TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff.staff_totp_verify(request=request, user=user, token=form.cleaned_data["token"])
        except DomainError as exc:
            _error(form, exc, "token")
        else:
            return redirect(next_url)
    context = {"form": form, "next": next_url, "enrolling": setup is not None}
    if setup is not None:
        context["qr"] = staff.totp_qr_data_url(setup)
        context["secret"] = staff.totp_secret_base32(setup)
    return render(request, "accounts/staff_2fa.html", context)
