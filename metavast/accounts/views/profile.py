"""The account's home, profile and contacts: email, mobile and landline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from metavast.accounts import forms
from metavast.accounts.models import CodePurpose
from metavast.accounts.navigation import safe_next
from metavast.accounts.services import contacts
from metavast.accounts.views._common import (
    _base_url,
    _error,
    code_page_context,
    return_to_keep,
    return_to_take,
)
from metavast.accounts.views.stepup import stepup_required
from metavast.core.clientip import request_ip
from metavast.core.errors import DomainError
from metavast.core.http import no_store


@login_required
@require_GET
@no_store
def home_view(request):
    return render(request, "accounts/home.html", {"u": request.user})


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def profile_view(request):
    user = request.user
    # Sent here by checkout for a missing name (?next=/checkout/): back there once it is saved.
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), default="")
    form = forms.ProfileForm(
        request.POST or None,
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "national_code": user.national_code,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            contacts.profile_update(
                user=user,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                national_code=form.cleaned_data["national_code"],
            )
        except ValidationError as exc:
            _error(form, exc)  # keyed by field: names, national code
        else:
            messages.success(request, "مشخصات ذخیره شد.")
            return redirect(next_url or "accounts:home")
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "title": "ویرایش مشخصات",
            "next": next_url,
            "intro": "نام و نام خانوادگی را بنویسید؛ پس از ذخیره به خرید برمی‌گردید."
            if next_url
            else "",
        },
    )


@login_required
@stepup_required
@require_http_methods(["GET", "POST"])
@no_store
def email_view(request):
    # Sent here by checkout (?next=/checkout/…): back there once the emailed link is opened.
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), default="")
    form = forms.EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.email_change_request(
                user=request.user,
                email=form.cleaned_data["email"],
                base_url=_base_url(request),
                ip=request_ip(request),
            )
        except (DomainError, ValidationError) as exc:
            _error(form, exc, "email")
        else:
            return_to_keep(request, next_url)
            messages.success(
                request,
                "پیوند تأیید به ایمیل تازه فرستاده شد. تا آن را باز نکنید، ایمیل قبلی رسمی می‌ماند."
                + (" پس از باز کردن پیوند در همین مرورگر، به خرید برمی‌گردید." if next_url else ""),
            )
            return redirect("accounts:home")
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "title": "ایمیل",
            "next": next_url,
            "intro": "ایمیل تازه پس از باز کردن پیوند تأییدی که به آن می‌فرستیم، ایمیل رسمی حساب می‌شود.",
        },
    )


@require_http_methods(["GET", "POST"])
@no_store
def email_confirm_view(request, token: str):
    try:
        user, email = contacts.email_confirm_peek(token=token)
    except DomainError as exc:
        return render(request, "accounts/link_invalid.html", {"message": exc.message}, status=400)
    if user.confirmed_email == email:
        # A used link: say so, and offer nothing to confirm again.
        return render(request, "accounts/email_confirm.html", {"email": email, "already": True})
    if request.method == "POST":
        try:
            contacts.email_change_confirm(token=token)
        except DomainError as exc:
            return render(
                request, "accounts/link_invalid.html", {"message": exc.message}, status=exc.status
            )
        messages.success(request, "ایمیل شما تأیید شد.")
        if request.user.is_authenticated and request.user.pk == user.pk:
            return redirect(return_to_take(request))
        return redirect("accounts:login")
    return render(request, "accounts/email_confirm.html", {"email": email})


@login_required
@stepup_required
@require_http_methods(["GET", "POST"])
@no_store
def mobile_view(request):
    # Sent here by checkout (?next=/checkout/…): back there once the code is confirmed.
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), default="")
    form = forms.MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.mobile_change_request(
                user=request.user, mobile=form.cleaned_data["mobile"], ip=request_ip(request)
            )
        except (DomainError, ValidationError) as exc:
            _error(form, exc, "mobile")
        else:
            return_to_keep(request, next_url)
            return redirect("accounts:mobile_confirm")
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "next": next_url,
            "title": "تلفن همراه",
            "intro": "شمارهٔ تازه پس از واردکردن کدی که به آن پیامک می‌کنیم، شمارهٔ رسمی حساب می‌شود.",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def mobile_confirm_view(request):
    user = request.user
    if not user.mobile_pending:
        return redirect("accounts:home")
    form = forms.CodeForm()
    if request.method == "POST" and request.POST.get("action") == "resend":
        try:
            contacts.mobile_change_request(
                user=user, mobile=user.mobile_pending, ip=request_ip(request)
            )
            messages.success(request, "کد تازه فرستاده شد.")
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("accounts:mobile_confirm")
    if request.method == "POST":
        form = forms.CodeForm(request.POST)
        if form.is_valid():
            try:
                contacts.mobile_change_confirm(user=user, code=form.cleaned_data["code"])
            except DomainError as exc:
                _error(form, exc, "code")
            else:
                messages.success(request, "تلفن همراه تأیید شد.")
                return redirect(return_to_take(request))
    purpose = (
        CodePurpose.CONFIRM_MOBILE
        if user.mobile_pending == user.mobile
        else CodePurpose.CHANGE_MOBILE
    )
    return render(
        request,
        "accounts/code.html",
        {
            "form": form,
            **code_page_context(
                mobile=user.mobile_pending,
                purpose=purpose,
                edit_url=reverse("accounts:mobile"),
                action_label="تأیید",
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def landline_view(request):
    form = forms.LandlineForm(request.POST or None, initial={"landline": request.user.landline})
    if request.method == "POST" and form.is_valid():
        try:
            contacts.landline_set(user=request.user, landline=form.cleaned_data["landline"])
        except ValidationError as exc:
            _error(form, exc, "landline")
        else:
            messages.success(request, "تلفن ثابت ثبت شد.")
            return redirect("accounts:home")
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "title": "تلفن ثابت",
            "intro": "تلفن ثابت همان‌طور که وارد می‌کنید ثبت می‌شود؛ فعلاً راهی برای تأیید آن با تماس صوتی نداریم.",
        },
    )
