"""Web pages of the account: thin views over forms and services."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from metavast.accounts import forms
from metavast.accounts.backends import canonical_identifier
from metavast.accounts.errors import AccountLocked, CodeCooldown
from metavast.accounts.models import Address, CodePurpose, UserSession, iran_divisions
from metavast.accounts.navigation import safe_next
from metavast.accounts.services import addresses as address_services
from metavast.accounts.services import auth, contacts, sessions, staff
from metavast.accounts.services.codes import code_request, code_verify, mask_mobile
from metavast.core import crypto
from metavast.core.clientip import request_ip
from metavast.core.errors import DomainError
from metavast.core.http import no_store, site_base_url

FLOW_KEY = "accounts_code_flow"


# --- helpers -----------------------------------------------------------------------------


def _flow_set(request, *, mobile: str, purpose: str, next_url: str) -> None:
    # The mobile waits in the session encrypted, like everywhere else at rest.
    request.session[FLOW_KEY] = {"m": crypto.encrypt(mobile), "p": purpose, "n": next_url}


def _flow_get(request, purpose: str) -> tuple[str, str] | None:
    flow = request.session.get(FLOW_KEY)
    if not flow or flow.get("p") != purpose:
        return None
    try:
        return crypto.decrypt(flow["m"]), flow.get("n") or "/accounts/"
    except Exception:
        return None


def _flow_clear(request) -> None:
    request.session.pop(FLOW_KEY, None)


def _error(form, exc: Exception, field: str | None = None) -> None:
    if isinstance(exc, DomainError):
        form.add_error(field, str(exc.message))
    elif isinstance(exc, ValidationError):
        form.add_error(field, exc)
    else:  # pragma: no cover
        raise exc


def _base_url(request) -> str:
    return site_base_url(request)


def stepup_required(view):
    """Sensitive changes need the password or a fresh code within STEPUP_MAX_AGE."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not sessions.stepup_is_fresh(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:stepup')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


def _keep_signed_in(request, user) -> None:
    sessions.web_session_keep_after_password(request=request, user=user)


# --- sign-in and sign-up -------------------------------------------------------------------


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
                    return redirect(
                        f"{reverse('accounts:welcome')}?{urlencode({'next': next_url})}"
                    )
                return redirect(next_url)
    return render(
        request,
        "accounts/code.html",
        {"form": form, "masked": mask_mobile(mobile), "action_label": "ورود"},
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
    # A first password only (P7): changing an existing one needs the step-up of
    # /accounts/password/, so a borrowed signed-in session cannot take the account over.
    may_set_password = not user.has_usable_password()
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
            form.add_error("new_password1" if password else None, exc)
        else:
            if password:
                _keep_signed_in(request, user)
            messages.success(request, "حساب شما آماده است.")
            return redirect(next_url)
    return render(request, "accounts/welcome.html", {"form": form})


@require_POST
def logout_view(request):
    sessions.web_session_end(request=request)
    return redirect("/")


# --- step-up: prove it is still you ------------------------------------------------------


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
    return render(
        request,
        "accounts/stepup.html",
        {
            "password_form": password_form,
            "code_form": code_form,
            "code_sent": code_sent,
            "next": next_url,
            "masked": mask_mobile(user.confirmed_mobile or ""),
        },
    )


# --- passwords -----------------------------------------------------------------------------


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
    return render(
        request, "accounts/password_reset_code.html", {"form": form, "masked": mask_mobile(mobile)}
    )


@require_http_methods(["GET", "POST"])
@no_store
def password_reset_link_view(request, uidb64: str, token: str):
    try:
        user = auth.password_reset_link_user(uidb64=uidb64, token=token)
    except DomainError as exc:
        return render(request, "accounts/link_invalid.html", {"message": exc.message}, status=400)
    form = forms.NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        auth.password_reset_with_link(
            uidb64=uidb64, token=token, new_password=form.cleaned_data["new_password1"]
        )
        messages.success(request, "گذرواژهٔ تازه ذخیره شد؛ اکنون وارد شوید.")
        return redirect("accounts:login")
    return render(request, "accounts/password.html", {"form": form, "reset": True})


# --- profile and contacts --------------------------------------------------------------------


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
            _error(form, exc, "national_code")
        else:
            messages.success(request, "مشخصات ذخیره شد.")
            return redirect("accounts:home")
    return render(request, "accounts/form.html", {"form": form, "title": "ویرایش مشخصات"})


@login_required
@stepup_required
@require_http_methods(["GET", "POST"])
@no_store
def email_view(request):
    form = forms.EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.email_change_request(
                user=request.user, email=form.cleaned_data["email"], base_url=_base_url(request)
            )
        except (DomainError, ValidationError) as exc:
            _error(form, exc, "email")
        else:
            messages.success(
                request,
                "پیوند تأیید به ایمیل تازه فرستاده شد. تا آن را باز نکنید، ایمیل قبلی رسمی می‌ماند.",
            )
            return redirect("accounts:home")
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "title": "ایمیل",
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
    if request.method == "POST":
        try:
            contacts.email_change_confirm(token=token)
        except DomainError as exc:
            return render(
                request, "accounts/link_invalid.html", {"message": exc.message}, status=exc.status
            )
        messages.success(request, "ایمیل شما تأیید شد.")
        if request.user.is_authenticated and request.user.pk == user.pk:
            return redirect("accounts:home")
        return redirect("accounts:login")
    return render(request, "accounts/email_confirm.html", {"email": email})


@login_required
@stepup_required
@require_http_methods(["GET", "POST"])
@no_store
def mobile_view(request):
    form = forms.MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.mobile_change_request(
                user=request.user, mobile=form.cleaned_data["mobile"], ip=request_ip(request)
            )
        except (DomainError, ValidationError) as exc:
            _error(form, exc, "mobile")
        else:
            return redirect("accounts:mobile_confirm")
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
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
                return redirect("accounts:home")
    return render(
        request,
        "accounts/code.html",
        {"form": form, "masked": mask_mobile(user.mobile_pending), "action_label": "تأیید"},
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


# --- addresses -----------------------------------------------------------------------------


@login_required
@require_GET
@no_store
def addresses_view(request):
    items = list(Address.objects.of(request.user))
    return render(request, "accounts/addresses.html", {"addresses": items})


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def address_edit_view(request, pk: int | None = None):
    address = None
    initial = {}
    if pk is not None:
        address = Address.objects.of(request.user).filter(pk=pk).first()
        if address is None:
            raise Http404
        initial = {
            f: getattr(address, f)
            for f in (
                "label",
                "province",
                "city",
                "street",
                "alley",
                "plaque",
                "unit",
                "postal_code",
                "receiver_first_name",
                "receiver_last_name",
                "receiver_mobile",
                "is_default",
            )
        }
        initial["receiver_is_self"] = "1" if address.receiver_is_self else "0"
    form = forms.AddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if address is None:
                address_services.address_create(user=request.user, data=form.to_input())
            else:
                address_services.address_update(
                    user=request.user, address_id=address.pk, data=form.to_input()
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, "نشانی ذخیره شد.")
            return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": address})


@login_required
@require_POST
def address_delete_view(request, pk: int):
    try:
        address_services.address_delete(user=request.user, address_id=pk)
    except DomainError as exc:
        raise Http404 from exc
    messages.success(request, "نشانی حذف شد.")
    return redirect("accounts:addresses")


@require_GET
def cities_view(request):
    """<option>s of a province's cities, for the address form (htmx)."""
    cities = iran_divisions().get(request.GET.get("province", ""), {}).get("cities", [])
    return render(request, "accounts/_city_options.html", {"cities": cities})


# --- sessions ------------------------------------------------------------------------------


@login_required
@require_GET
@no_store
def sessions_view(request):
    current = sessions.current_web_session(request)
    rows = list(UserSession.objects.of(request.user).active())
    return render(
        request,
        "accounts/sessions.html",
        {"rows": rows, "current_id": current.pk if current else None},
    )


@login_required
@require_POST
def session_revoke_view(request, pk: int):
    current = sessions.current_web_session(request)
    try:
        sessions.session_revoke(user=request.user, session_id=pk, current=current)
    except DomainError as exc:
        raise Http404 from exc
    if current is not None and current.pk == pk:
        return redirect("/")
    messages.success(request, "آن نشست بسته شد.")
    return redirect("accounts:sessions")


@login_required
@require_POST
def sessions_revoke_others_view(request):
    ended = sessions.sessions_revoke_others(
        user=request.user, keep=sessions.current_web_session(request), reason="user"
    )
    messages.success(request, f"{ended} نشست دیگر بسته شد.")
    return redirect("accounts:sessions")


# --- staff two-factor ----------------------------------------------------------------------


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
