"""Step-up: proving it is still you (password or a fresh code) before a sensitive change."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from metavast.accounts import forms
from metavast.accounts.errors import CodeCooldown
from metavast.accounts.models import CodePurpose
from metavast.accounts.navigation import safe_next
from metavast.accounts.services import auth, sessions
from metavast.accounts.services.codes import code_request, code_verify, mask_mobile
from metavast.accounts.views._common import _error, code_page_context
from metavast.core.clientip import request_ip
from metavast.core.errors import DomainError
from metavast.core.http import no_store


def stepup_required(view):
    """Sensitive changes need the password or a fresh code within STEPUP_MAX_AGE."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not sessions.stepup_is_fresh(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:stepup')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def stepup_view(request):
    user = request.user
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    password_form = forms.CurrentPasswordForm()
    code_form = forms.CodeForm()
    action = request.POST.get("action")
    code_sent = request.session.get("accounts_stepup_code_sent", False)
    if request.method == "POST" and action == "password" and user.has_usable_password():
        password_form = forms.CurrentPasswordForm(request.POST)
        if password_form.is_valid():
            identifier = user.email or user.mobile
            try:
                found = auth.signin_with_password(
                    request=request,
                    identifier=identifier,
                    password=password_form.cleaned_data["password"],
                )
            except DomainError as exc:
                _error(password_form, exc)
            else:
                if found.pk != user.pk:  # pragma: no cover (identifiers are unique)
                    raise PermissionDenied
                sessions.stepup_complete(request=request, method="password")
                return redirect(next_url)
    elif request.method == "POST" and action == "send" and user.confirmed_mobile:
        try:
            code_request(
                mobile=user.confirmed_mobile,
                purpose=CodePurpose.STEPUP,
                ip=request_ip(request),
                actor=user,
            )
            request.session["accounts_stepup_code_sent"] = True
            code_sent = True
            messages.success(request, "کد به تلفن همراه تأییدشدهٔ شما فرستاده شد.")
        except DomainError as exc:
            messages.error(request, str(exc.message))
            code_sent = isinstance(exc, CodeCooldown)
    elif request.method == "POST" and action == "code" and user.confirmed_mobile:
        code_form = forms.CodeForm(request.POST)
        code_sent = True
        if code_form.is_valid():
            try:
                code_verify(
                    mobile=user.confirmed_mobile,
                    purpose=CodePurpose.STEPUP,
                    code=code_form.cleaned_data["code"],
                )
            except DomainError as exc:
                _error(code_form, exc, "code")
            else:
                request.session.pop("accounts_stepup_code_sent", None)
                sessions.stepup_complete(request=request, method="sms")
                return redirect(next_url)
    timing = {}
    if code_sent and user.confirmed_mobile:  # the code's life and the resend countdown
        timing = code_page_context(
            mobile=user.confirmed_mobile, purpose=CodePurpose.STEPUP, edit_url="", action_label=""
        )
    return render(
        request,
        "accounts/stepup.html",
        {
            **timing,
            "password_form": password_form,
            "code_form": code_form,
            "code_sent": code_sent,
            "next": next_url,
            "masked": mask_mobile(user.confirmed_mobile or ""),
        },
    )
