"""Staff two-factor: enrolling and checking the TOTP code (or a backup code) before the admin,
and making the backup codes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from metavast.accounts import forms
from metavast.accounts.navigation import safe_next
from metavast.accounts.services import backup_codes, staff
from metavast.accounts.views._common import _error
from metavast.core.errors import DomainError
from metavast.core.http import no_store
from metavast.core.text import to_persian_digits


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
    form_class = forms.TotpForm if setup is not None else forms.StaffSecondFactorForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            backup_codes.staff_second_factor_verify(
                request=request, user=user, token=form.cleaned_data["token"]
            )
        except DomainError as exc:
            _error(form, exc, "token")
        else:
            return redirect(next_url)
    context = {"form": form, "next": next_url, "enrolling": setup is not None}
    if setup is not None:
        context["qr"] = staff.totp_qr_data_url(setup)
        context["secret"] = staff.totp_secret_base32(setup)
    return render(request, "accounts/staff_2fa.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def staff_backup_codes_view(request):
    """Make (or make again) the ten backup codes; they are on the answer to the POST only."""
    user = request.user
    if not user.is_staff:
        raise PermissionDenied
    if not (staff.staff_totp_device(user) and user.is_verified()):
        here = reverse("accounts:staff_backup_codes")
        return redirect(f"{reverse('accounts:staff_2fa')}?{urlencode({'next': here})}")
    form = forms.TotpForm(request.POST or None)
    codes = None
    if request.method == "POST" and form.is_valid():
        try:
            made = backup_codes.staff_backup_codes_generate(
                user=user, totp_token=form.cleaned_data["token"]
            )
        except DomainError as exc:
            _error(form, exc, "token")
        else:
            codes = [to_persian_digits(backup_codes.backup_code_display(c)) for c in made]
            form = forms.TotpForm()
    context = {
        "form": form,
        "codes": codes,
        "left": to_persian_digits(backup_codes.staff_backup_codes_left(user)),
        "count": to_persian_digits(backup_codes.CODE_COUNT),
    }
    return render(request, "accounts/staff_backup_codes.html", context)
