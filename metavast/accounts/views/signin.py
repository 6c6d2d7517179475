"""Signing in and up on the site: SMS code or password, the welcome page, signing out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from metavast.accounts import forms, hooks
from metavast.accounts.errors import AccountLocked, CodeCooldown
from metavast.accounts.models import CodePurpose
from metavast.accounts.navigation import safe_next
from metavast.accounts.services import auth, contacts, sessions
from metavast.accounts.views._common import (
    _error,
    _flow_clear,
    _flow_get,
    _flow_set,
    _keep_signed_in,
    code_page_context,
)
from metavast.core.clientip import request_ip
from metavast.core.errors import DomainError
from metavast.core.http import no_store


@require_http_methods(["GET", "POST"])
@no_store
def login_view(request, signup: bool = False):
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    code_form = forms.MobileForm()
    password_form = forms.PasswordSigninForm()
    action = request.POST.get("action")
    if request.method == "POST" and action == "code":
        code_form = forms.MobileForm(request.POST)
        if code_form.is_valid():
            mobile = code_form.cleaned_data["mobile"]
            try:
                auth.signin_code_request(mobile=mobile, ip=request_ip(request))
            except CodeCooldown as exc:
                # A code went out moments ago: let them type that one.
                messages.info(request, str(exc.message))
                _flow_set(request, mobile=mobile, purpose=CodePurpose.SIGNIN, next_url=next_url)
                return redirect("accounts:code")
            except DomainError as exc:
                _error(code_form, exc)
            else:
                _flow_set(request, mobile=mobile, purpose=CodePurpose.SIGNIN, next_url=next_url)
                return redirect("accounts:code")
    elif request.method == "POST" and action == "password":
        password_form = forms.PasswordSigninForm(request.POST)
        if password_form.is_valid():
            try:
                user = auth.signin_with_password(
                    request=request,
                    identifier=password_form.cleaned_data["username"],
                    password=password_form.cleaned_data["password"],
                )
            except AccountLocked as exc:
                _error(password_form, exc)  # axes answers with its lockout page anyway
            except DomainError as exc:
                _error(password_form, exc)
            else:
                sessions.web_session_start(request=request, user=user, method="password")
                return redirect(next_url)
    return render(
        request,
        "accounts/login.html",
        {
            "code_form": code_form,
            "password_form": password_form,
            "next": next_url,
            "signup": signup,
        },
    )


@require_http_methods(["GET", "POST"])
@no_store
def code_view(request):
    flow = _flow_get(request, CodePurpose.SIGNIN)
    if flow is None:
        return redirect("accounts:login")
    mobile, next_url = flow
    form = forms.CodeForm()
    if request.method == "POST" and request.POST.get("action") == "resend":
        try:
            auth.signin_code_request(mobile=mobile, ip=request_ip(request))
            messages.success(request, "کد تازه فرستاده شد.")
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("accounts:code")
    if request.method == "POST":
        form = forms.CodeForm(request.POST)
        if form.is_valid():
            try:
                result = auth.signin_with_code(mobile=mobile, code=form.cleaned_data["code"])
            except DomainError as exc:
                _error(form, exc, "code")
            else:
                _flow_clear(request)
                sessions.web_session_start(request=request, user=result.user, method="sms")
                if result.created:
                    auth.signup_session_mark(request=request, user=result.user)
                    return redirect(
                        f"{reverse('accounts:welcome')}?{urlencode({'next': next_url})}"
                    )
                return redirect(next_url)
    # «ویرایش شماره» goes back to the sign-in form, keeping where the shopper was headed.
    edit_url = f"{reverse('accounts:login')}?{urlencode({'next': next_url})}"
    return render(
        request,
        "accounts/code.html",
        {
            "form": form,
            **code_page_context(
                mobile=mobile, purpose=CodePurpose.SIGNIN, edit_url=edit_url, action_label="ورود"
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def welcome_view(request):
    next_url = safe_next(request, request.GET.get("next"))
    user = request.user
    form = forms.WelcomeForm(
        request.POST or None,
        user=user,
        initial={"first_name": user.first_name, "last_name": user.last_name},
    )
    # A first password only (P7), and only right after sign-up in this session or after a
    # fresh step-up (auth.welcome_password_allowed): setting one ends every other session,
    # so a borrowed signed-in phone must not be able to. Otherwise a posted one is ignored.
    may_set_password = auth.welcome_password_allowed(request=request, user=user)
    if not may_set_password:
        del form.fields["new_password1"], form.fields["new_password2"]
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data.get("new_password1") if may_set_password else None
        try:
            # Names and password together: a refused password leaves the names unsaved.
            with transaction.atomic():
                contacts.profile_update(
                    user=user,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    national_code=user.national_code,
                )
                if password:
                    user.refresh_from_db()
                    auth.password_set(
                        user=user,
                        new_password=password,
                        keep=sessions.current_web_session(request),
                        reason="set",
                    )
        except ValidationError as exc:
            user.refresh_from_db()
            _error(form, exc, "new_password1" if password else None)
        else:
            if password:
                _keep_signed_in(request, user)
                auth.signup_session_clear(request=request)
            elif request.POST.get("new_password1"):
                messages.info(
                    request,
                    "گذرواژه ذخیره نشد: برای گذاشتن آن به بخش گذرواژه بروید و هویت خود را "
                    "دوباره تأیید کنید.",
                )
            for hook in hooks.after_signup:  # P5: the marketing consent boxes
                hook(user=user, data=request.POST, ip=request_ip(request))
            messages.success(request, "حساب شما آماده است.")
            return redirect(next_url)
    return render(
        request,
        "accounts/welcome.html",
        {
            "form": form,
            "may_set_password": may_set_password,
            "marketing_boxes": [box for hook in hooks.signup_boxes for box in hook(user)],
        },
    )


@require_POST
def logout_view(request):
    sessions.web_session_end(request=request)
    return redirect("/")
