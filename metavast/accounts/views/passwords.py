"""Passwords on the site: set or change one, and reset it by SMS code or emailed link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from metavast.accounts import forms, limits
from metavast.accounts.backends import canonical_identifier
from metavast.accounts.errors import CodeCooldown
from metavast.accounts.models import CodePurpose, User
from metavast.accounts.services import auth, sessions
from metavast.accounts.services.codes import mask_mobile
from metavast.accounts.services.reset import RESET_URL_TOKEN
from metavast.accounts.views._common import (
    _base_url,
    _error,
    _flow_clear,
    _flow_get,
    _flow_set,
    _keep_signed_in,
    duration_text,
)
from metavast.accounts.views.stepup import stepup_required
from metavast.core.clientip import request_ip
from metavast.core.errors import DomainError
from metavast.core.http import no_store

# Where an emailed reset token waits once it has left the URL (see password_reset_link_view).
RESET_SESSION_KEY = "accounts_reset_token"


@login_required
@stepup_required
@require_http_methods(["GET", "POST"])
@no_store
def password_view(request):
    user = request.user
    form = forms.NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        auth.password_set(
            user=user,
            new_password=form.cleaned_data["new_password1"],
            keep=sessions.current_web_session(request),
            reason="change" if user.has_usable_password() else "set",
        )
        _keep_signed_in(request, user)
        messages.success(request, "گذرواژه ذخیره شد و همهٔ نشست‌های دیگر بسته شدند.")
        return redirect("accounts:home")
    return render(request, "accounts/password.html", {"form": form})


@require_http_methods(["GET", "POST"])
@no_store
def password_reset_view(request):
    form = forms.IdentifierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        try:
            kind = auth.password_reset_request(
                identifier=identifier, ip=request_ip(request), base_url=_base_url(request)
            )
        except CodeCooldown as exc:
            messages.info(request, str(exc.message))
            kind = "mobile"
        except (DomainError, ValidationError) as exc:
            _error(form, exc, "identifier")
            kind = None
        if kind == "mobile":
            mobile = canonical_identifier(identifier)[1]
            _flow_set(request, mobile=mobile, purpose=CodePurpose.RESET, next_url="/accounts/")
            return redirect("accounts:password_reset_code")
        if kind == "email":
            return render(request, "accounts/password_reset_sent.html")
    return render(request, "accounts/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
@no_store
def password_reset_code_view(request):
    flow = _flow_get(request, CodePurpose.RESET)
    if flow is None:
        return redirect("accounts:password_reset")
    mobile, _ = flow
    if request.method == "POST" and request.POST.get("action") == "resend":
        try:
            auth.password_reset_request(
                identifier=mobile, ip=request_ip(request), base_url=_base_url(request)
            )
            messages.success(request, "اگر این شماره از آنِ حسابی باشد، کد تازه فرستاده شد.")
        except (DomainError, ValidationError) as exc:
            messages.error(request, str(getattr(exc, "message", exc)))
        return redirect("accounts:password_reset_code")
    form = forms.PasswordResetCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = auth.password_reset_with_code(
                mobile=mobile,
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"],
            )
        except (DomainError, ValidationError) as exc:
            _error(form, exc, "code" if isinstance(exc, DomainError) else "new_password1")
        else:
            _flow_clear(request)
            sessions.web_session_start(request=request, user=user, method="password_reset")
            messages.success(request, "گذرواژهٔ تازه ذخیره شد و همهٔ نشست‌های دیگر بسته شدند.")
            return redirect("accounts:home")
    # The wait comes from the send limit, never from the code itself: a number without an
    # account gets no code, and the page must look the same for it (no account probing).
    resend_in = limits.code_resend_wait(
        mobile_index=User.mobile_index_for(mobile), purpose=CodePurpose.RESET
    )
    return render(
        request,
        "accounts/password_reset_code.html",
        {
            "form": form,
            "masked": mask_mobile(mobile),
            "lifetime_text": duration_text(settings.OTP_CODE_TTL_SECONDS),
            "resend_in": resend_in,
            "resend_in_text": duration_text(resend_in),
            "expires_in": None,
            "edit_url": reverse("accounts:password_reset"),
        },
    )


@require_http_methods(["GET", "POST"])
@no_store
def password_reset_link_view(request, uidb64: str, token: str):
    """The emailed link. Like Django's PasswordResetConfirmView, its first visit checks the
    token, moves it into the session and redirects to the same URL with RESET_URL_TOKEN in
    its place: the token leaves the address bar, the history and any Referer at once."""
    if token != RESET_URL_TOKEN:
        try:
            auth.password_reset_link_user(uidb64=uidb64, token=token)
        except DomainError as exc:
            return _link_invalid(request, exc)
        request.session[RESET_SESSION_KEY] = {"uid": uidb64, "token": token}
        return redirect("accounts:password_reset_link", uidb64=uidb64, token=RESET_URL_TOKEN)
    saved = request.session.get(RESET_SESSION_KEY)
    token = saved.get("token", "") if isinstance(saved, dict) and saved.get("uid") == uidb64 else ""
    try:
        user = auth.password_reset_link_user(uidb64=uidb64, token=token)
    except DomainError as exc:
        request.session.pop(RESET_SESSION_KEY, None)
        return _link_invalid(request, exc)
    form = forms.NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            auth.password_reset_with_link(
                uidb64=uidb64, token=token, new_password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            request.session.pop(RESET_SESSION_KEY, None)
            return _link_invalid(request, exc)
        request.session.pop(RESET_SESSION_KEY, None)
        messages.success(request, "گذرواژهٔ تازه ذخیره شد؛ اکنون وارد شوید.")
        return redirect("accounts:login")
    return render(request, "accounts/password.html", {"form": form, "reset": True})


def _link_invalid(request, exc: DomainError):
    return render(request, "accounts/link_invalid.html", {"message": exc.message}, status=400)
