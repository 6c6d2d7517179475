"""The accounts API (/api/v1/accounts/...): sign-up and sign-in for apps and the browser.

Apps sign in (`/auth/signin`, `/auth/code/verify`, `/auth/signup`) and receive a short-lived
access token and a refresh token; they call with `Authorization: Bearer <access>` and renew
at `/auth/refresh`. A browser signed in on the site may call the `/me` endpoints with its
session cookie and the CSRF header. Sensitive changes (email, mobile, password) take the
current password or a fresh step-up code in the body, or a fresh web step-up.

Every error is the project's `{"code", "message", "fields"}`; no answer says whether an
account exists for a mobile or email that has not been proved.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from ninja import Field, Router, Schema, Status

from config.api_schemas import ErrorOut
from metavast.accounts.api_auth import token_or_session
from metavast.accounts.errors import AccountLocked, StepUpRequired
from metavast.accounts.models import Address, CodePurpose, User, UserSession, iran_divisions
from metavast.accounts.services import addresses as address_services
from metavast.accounts.services import auth, contacts, sessions, tokens
from metavast.accounts.services.addresses import AddressInput
from metavast.accounts.services.codes import code_request, code_verify
from metavast.core.clientip import request_ip
from metavast.core.errors import NotFound
from metavast.core.http import site_base_url

router = Router(tags=["accounts"])


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    return dict.fromkeys(codes, ErrorOut)


PUBLIC = (400, 422, 429, 503)
PRIVATE = (400, 401, 403, 404, 409, 422, 429, 503)

Mobile = Field(..., max_length=64, description="هر نگارشی: ۰۹۱۲…، 0098912…، +98 912…")
Code = Field(..., max_length=12, description="کد شش‌رقمی (رقم فارسی هم پذیرفته است)")
Password = Field(..., max_length=4096)


# --- schemas -----------------------------------------------------------------------------


class DetailOut(Schema):
    detail: str


class CodeRequestIn(Schema):
    mobile: str = Mobile
    purpose: Literal["signin", "reset"] = "signin"


class CodeRequestOut(Schema):
    detail: str
    ttl_seconds: int
    resend_after_seconds: int


class CodeVerifyIn(Schema):
    mobile: str = Mobile
    code: str = Code


class SignupIn(Schema):
    mobile: str = Mobile
    code: str = Code
    first_name: str = Field("", max_length=80)
    last_name: str = Field("", max_length=80)
    password: str | None = Field(None, max_length=4096)


class SigninIn(Schema):
    login: str = Field(..., max_length=254, description="تلفن همراه یا ایمیل")
    password: str = Password


class TokenOut(Schema):
    access: str
    refresh: str
    token_type: str = "Bearer"
    expires_in: int
    session_id: int
    created: bool = False


class RefreshIn(Schema):
    refresh: str = Field(..., max_length=200)


class ResetCodeIn(Schema):
    mobile: str = Mobile
    code: str = Code
    new_password: str = Password


class ResetRequestIn(Schema):
    login: str = Field(..., max_length=254, description="تلفن همراه یا ایمیل تأییدشده")


class ContactOut(Schema):
    value: str | None
    state: Literal["confirmed", "unconfirmed", "declared", "none"]
    confirmed_at: dt.datetime | None = None
    declared_at: dt.datetime | None = None
    pending: str | None = None
    pending_since: dt.datetime | None = None


class ContactsOut(Schema):
    email: ContactOut
    mobile: ContactOut
    landline: ContactOut


class ProfileOut(Schema):
    id: int
    first_name: str
    last_name: str
    national_code: str | None
    has_password: bool
    contacts: ContactsOut


class ProfileIn(Schema):
    """Only these fields can change here; anything else in the body is ignored."""

    first_name: str | None = Field(None, max_length=80)
    last_name: str | None = Field(None, max_length=80)
    national_code: str | None = Field(None, max_length=32)


class StepUpProof(Schema):
    password: str | None = Field(None, max_length=4096, description="گذرواژهٔ فعلی")
    code: str | None = Field(None, max_length=12, description="کد تازهٔ /me/stepup/code")


class EmailChangeIn(StepUpProof):
    email: str = Field(..., max_length=254)


class EmailConfirmIn(Schema):
    token: str = Field(..., max_length=500)


class MobileChangeIn(StepUpProof):
    mobile: str = Mobile


class CodeIn(Schema):
    code: str = Code


class LandlineIn(Schema):
    landline: str = Field("", max_length=64)


class PasswordChangeIn(StepUpProof):
    new_password: str = Password


class AddressIn(Schema):
    label: str = Field("", max_length=40)
    province: str = Field(..., max_length=40)
    city: str = Field(..., max_length=60)
    street: str = Field(..., max_length=200)
    alley: str = Field("", max_length=120)
    plaque: str = Field(..., max_length=20)
    unit: str = Field("", max_length=20)
    postal_code: str = Field(..., max_length=32)
    receiver_is_self: bool = True
    receiver_first_name: str = Field("", max_length=80)
    receiver_last_name: str = Field("", max_length=80)
    receiver_mobile: str = Field("", max_length=64)
    is_default: bool = False


class AddressOut(Schema):
    id: int
    label: str
    province: str
    province_name: str
    city: str
    street: str
    alley: str
    plaque: str
    unit: str
    postal_code: str
    receiver_is_self: bool
    receiver_first_name: str
    receiver_last_name: str
    receiver_mobile: str
    is_default: bool


class ProvinceOut(Schema):
    code: str
    name: str
    cities: list[str]


class SessionOut(Schema):
    id: int
    kind: str
    device: str
    ip: str | None
    created_at: dt.datetime
    last_seen_at: dt.datetime
    current: bool


class CountOut(Schema):
    ended: int


# --- helpers -------------------------------------------------------------------------------


def _ua(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def _tokens(pair: tokens.TokenPair, created: bool = False) -> dict:
    return {
        "access": pair.access,
        "refresh": pair.refresh,
        "expires_in": pair.access_expires_in,
        "session_id": pair.session_id,
        "created": created,
    }


def _current_session(request) -> UserSession | None:
    row = getattr(request, "app_session", None)
    return row if row is not None else sessions.current_web_session(request)


def _user(request) -> User:
    return User.objects.get(pk=request.auth.pk)


def _stepup(request, user: User, proof: StepUpProof) -> None:
    """Password, a fresh step-up code, or a fresh web step-up; else StepUpRequired."""
    web = getattr(request, "app_session", None) is None and hasattr(request, "session")
    if web and sessions.stepup_is_fresh(request):
        return
    if proof.password:
        try:
            found = auth.signin_with_password(
                request=request, identifier=user.email or user.mobile, password=proof.password
            )
        except AccountLocked:
            request.axes_locked_out = False  # our JSON 429, not axes' HTML page
            raise
        if found.pk == user.pk:
            return
    elif proof.code and user.confirmed_mobile:
        code_verify(mobile=user.confirmed_mobile, purpose=CodePurpose.STEPUP, code=proof.code)
        return
    raise StepUpRequired()


def _contact(value, confirmed_at, pending="", pending_at=None) -> dict:
    return {
        "value": value or None,
        "state": "confirmed" if value and confirmed_at else "unconfirmed" if value else "none",
        "confirmed_at": confirmed_at if value else None,
        "pending": pending or None,
        "pending_since": pending_at if pending else None,
    }


def _profile(user: User) -> dict:
    landline = {
        "value": user.landline or None,
        "state": "declared" if user.landline else "none",
        "declared_at": user.landline_declared_at,
    }
    nc = user.national_code
    return {
        "id": user.pk,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "national_code": nc or None,
        "has_password": user.has_usable_password(),
        "contacts": {
            "email": _contact(
                user.email, user.email_confirmed_at, user.email_pending, user.email_pending_at
            ),
            "mobile": _contact(
                user.mobile, user.mobile_confirmed_at, user.mobile_pending, user.mobile_pending_at
            ),
            "landline": landline,
        },
    }


def _address(a: Address) -> dict:
    return {
        "id": a.pk,
        "label": a.label,
        "province": a.province,
        "province_name": a.province_name,
        "city": a.city,
        "street": a.street,
        "alley": a.alley,
        "plaque": a.plaque,
        "unit": a.unit,
        "postal_code": a.postal_code,
        "receiver_is_self": a.receiver_is_self,
        "receiver_first_name": a.receiver_first_name,
        "receiver_last_name": a.receiver_last_name,
        "receiver_mobile": a.receiver_mobile,
        "is_default": a.is_default,
    }


# --- sign-up, sign-in, tokens ----------------------------------------------------------------


@router.post(
    "/auth/code/request",
    response={202: CodeRequestOut, **errors(*PUBLIC)},
    summary="درخواست کد پیامکی (ورود/ثبت‌نام یا بازیابی گذرواژه)",
)
def code_request_endpoint(request, payload: CodeRequestIn):
    if payload.purpose == "reset":
        auth.password_reset_request(
            identifier=payload.mobile,
            ip=request_ip(request),
            base_url=site_base_url(request),
        )
    else:
        auth.signin_code_request(mobile=payload.mobile, ip=request_ip(request))
    return Status(
        202,
        {
            "detail": "اگر شماره درست باشد، کد تا چند لحظهٔ دیگر پیامک می‌شود.",
            "ttl_seconds": settings.OTP_CODE_TTL_SECONDS,
            "resend_after_seconds": settings.OTP_RESEND_COOLDOWN_SECONDS,
        },
    )


@router.post(
    "/auth/code/verify",
    response={200: TokenOut, **errors(*PUBLIC)},
    summary="ورود با کد پیامکی (حساب تازه اگر شماره ثبت نشده باشد)",
)
def code_verify_endpoint(request, payload: CodeVerifyIn):
    result = auth.signin_with_code(mobile=payload.mobile, code=payload.code)
    pair = tokens.app_session_start(
        user=result.user, method="sms", user_agent=_ua(request), ip=request_ip(request)
    )
    return Status(200, _tokens(pair, created=result.created))


@router.post(
    "/auth/signup",
    response={200: TokenOut, **errors(*PUBLIC)},
    summary="ثبت‌نام با کد پیامکی، نام و گذرواژهٔ اختیاری",
)
def signup_endpoint(request, payload: SignupIn):
    result = auth.signin_with_code(
        mobile=payload.mobile,
        code=payload.code,
        first_name=payload.first_name,
        last_name=payload.last_name,
        password=payload.password or None,
    )
    pair = tokens.app_session_start(
        user=result.user, method="sms", user_agent=_ua(request), ip=request_ip(request)
    )
    return Status(200, _tokens(pair, created=result.created))


@router.post(
    "/auth/signin",
    response={200: TokenOut, **errors(401, *PUBLIC)},
    summary="ورود با تلفن همراه یا ایمیل و گذرواژه",
)
def signin_endpoint(request, payload: SigninIn):
    try:
        user = auth.signin_with_password(
            request=request, identifier=payload.login, password=payload.password
        )
    except AccountLocked:
        request.axes_locked_out = False  # answer with our JSON 429, not axes' HTML page
        raise
    pair = tokens.app_session_start(
        user=user, method="password", user_agent=_ua(request), ip=request_ip(request)
    )
    return Status(200, _tokens(pair))


@router.post(
    "/auth/refresh",
    response={200: TokenOut, **errors(401, *PUBLIC)},
    summary="توکن دسترسی تازه با توکن نوسازی (هر توکن نوسازی یک بار)",
)
def refresh_endpoint(request, payload: RefreshIn):
    pair = tokens.app_session_refresh(refresh_token=payload.refresh, ip=request_ip(request))
    return Status(200, _tokens(pair))


@router.post(
    "/auth/signout",
    auth=token_or_session,
    response={200: DetailOut, **errors(*PRIVATE)},
    summary="خروج همین برنامه یا مرورگر",
)
def signout_endpoint(request):
    row = getattr(request, "app_session", None)
    if row is not None:
        tokens.app_session_end(row=row)
    else:
        sessions.web_session_end(request=request)
    return Status(200, {"detail": "خارج شدید."})


@router.post(
    "/auth/password/reset",
    response={202: DetailOut, **errors(*PUBLIC)},
    summary="بازیابی گذرواژه: کد به تلفن همراه یا پیوند به ایمیل تأییدشده",
)
def password_reset_request_endpoint(request, payload: ResetRequestIn):
    auth.password_reset_request(
        identifier=payload.login, ip=request_ip(request), base_url=site_base_url(request)
    )
    return Status(
        202, {"detail": "اگر این نشانی تأییدشدهٔ حسابی باشد، کد یا پیوند بازیابی فرستاده شد."}
    )


@router.post(
    "/auth/password/reset/code",
    response={200: DetailOut, **errors(*PUBLIC)},
    summary="گذرواژهٔ تازه با کد بازیابی پیامکی",
)
def password_reset_code_endpoint(request, payload: ResetCodeIn):
    auth.password_reset_with_code(
        mobile=payload.mobile, code=payload.code, new_password=payload.new_password
    )
    return Status(200, {"detail": "گذرواژهٔ تازه ذخیره شد و همهٔ نشست‌ها بسته شدند."})


@router.get("/provinces", response=list[ProvinceOut], summary="استان‌ها و شهرهای ایران")
def provinces_endpoint(request):
    return [
        {"code": c, "name": p["name"], "cities": p["cities"]} for c, p in iran_divisions().items()
    ]


# --- profile and contacts --------------------------------------------------------------------


@router.get("/me", auth=token_or_session, response={200: ProfileOut, **errors(*PRIVATE)})
def me_endpoint(request):
    return Status(200, _profile(_user(request)))


@router.patch(
    "/me",
    auth=token_or_session,
    response={200: ProfileOut, **errors(*PRIVATE)},
    summary="ویرایش نام و کد ملی (فیلدهای دیگر نادیده گرفته می‌شوند)",
)
def me_update_endpoint(request, payload: ProfileIn):
    user = _user(request)
    user = contacts.profile_update(
        user=user,
        first_name=user.first_name if payload.first_name is None else payload.first_name,
        last_name=user.last_name if payload.last_name is None else payload.last_name,
        national_code=user.national_code
        if payload.national_code is None
        else payload.national_code,
    )
    return Status(200, _profile(user))


@router.get("/me/contacts", auth=token_or_session, response={200: ContactsOut, **errors(*PRIVATE)})
def contacts_endpoint(request):
    return Status(200, _profile(_user(request))["contacts"])


@router.post(
    "/me/stepup/code",
    auth=token_or_session,
    response={202: DetailOut, **errors(*PRIVATE)},
    summary="کد تأیید هویت به تلفن همراه تأییدشده",
)
def stepup_code_endpoint(request):
    user = _user(request)
    if not user.confirmed_mobile:
        raise NotFound("تلفن همراه تأییدشده‌ای ثبت نشده است.")
    code_request(
        mobile=user.confirmed_mobile, purpose=CodePurpose.STEPUP, ip=request_ip(request), actor=user
    )
    return Status(202, {"detail": "کد به تلفن همراه تأییدشده فرستاده شد."})


@router.post(
    "/me/contacts/email",
    auth=token_or_session,
    response={202: ContactsOut, **errors(*PRIVATE)},
    summary="ایمیل تازه (با گذرواژه یا کد تأیید هویت)؛ پس از باز کردن پیوند رسمی می‌شود",
)
def email_change_endpoint(request, payload: EmailChangeIn):
    user = _user(request)
    _stepup(request, user, payload)
    user = contacts.email_change_request(
        user=user, email=payload.email, base_url=site_base_url(request)
    )
    return Status(202, _profile(user)["contacts"])


@router.post(
    "/auth/email/confirm",
    response={200: DetailOut, **errors(*PUBLIC, 409)},
    summary="تأیید ایمیل با نشانهٔ پیوند",
)
def email_confirm_endpoint(request, payload: EmailConfirmIn):
    contacts.email_change_confirm(token=payload.token)
    return Status(200, {"detail": "ایمیل تأیید شد."})


@router.post(
    "/me/contacts/mobile",
    auth=token_or_session,
    response={202: ContactsOut, **errors(*PRIVATE)},
    summary="تلفن همراه تازه (با گذرواژه یا کد تأیید هویت)؛ با کد پیامکی رسمی می‌شود",
)
def mobile_change_endpoint(request, payload: MobileChangeIn):
    user = _user(request)
    _stepup(request, user, payload)
    user = contacts.mobile_change_request(user=user, mobile=payload.mobile, ip=request_ip(request))
    return Status(202, _profile(user)["contacts"])


@router.post(
    "/me/contacts/mobile/confirm",
    auth=token_or_session,
    response={200: ContactsOut, **errors(*PRIVATE)},
)
def mobile_confirm_endpoint(request, payload: CodeIn):
    user = contacts.mobile_change_confirm(user=_user(request), code=payload.code)
    return Status(200, _profile(user)["contacts"])


@router.put(
    "/me/contacts/landline",
    auth=token_or_session,
    response={200: ContactsOut, **errors(*PRIVATE)},
    summary="تلفن ثابت (به اظهار کاربر ثبت می‌شود؛ خالی برای حذف)",
)
def landline_endpoint(request, payload: LandlineIn):
    user = contacts.landline_set(user=_user(request), landline=payload.landline)
    return Status(200, _profile(user)["contacts"])


@router.post(
    "/me/password",
    auth=token_or_session,
    response={200: DetailOut, **errors(*PRIVATE)},
    summary="تعیین یا تغییر گذرواژه؛ نشست‌های دیگر بسته می‌شوند",
)
def password_endpoint(request, payload: PasswordChangeIn):
    user = _user(request)
    _stepup(request, user, payload)
    current = _current_session(request)
    auth.password_set(
        user=user,
        new_password=payload.new_password,
        keep=current,
        reason="change" if user.has_usable_password() else "set",
    )
    if getattr(request, "app_session", None) is None and hasattr(request, "session"):
        sessions.web_session_keep_after_password(request=request, user=user)
    return Status(200, {"detail": "گذرواژه ذخیره شد و همهٔ نشست‌های دیگر بسته شدند."})


# --- addresses -----------------------------------------------------------------------------


@router.get(
    "/me/addresses", auth=token_or_session, response={200: list[AddressOut], **errors(*PRIVATE)}
)
def addresses_endpoint(request):
    return Status(200, [_address(a) for a in Address.objects.of(request.auth)])


@router.post("/me/addresses", auth=token_or_session, response={201: AddressOut, **errors(*PRIVATE)})
def address_create_endpoint(request, payload: AddressIn):
    address = address_services.address_create(
        user=request.auth, data=AddressInput(**payload.dict())
    )
    return Status(201, _address(address))


@router.get(
    "/me/addresses/{address_id}",
    auth=token_or_session,
    response={200: AddressOut, **errors(*PRIVATE)},
)
def address_endpoint(request, address_id: int):
    address = Address.objects.of(request.auth).filter(pk=address_id).first()
    if address is None:
        raise NotFound()
    return Status(200, _address(address))


@router.put(
    "/me/addresses/{address_id}",
    auth=token_or_session,
    response={200: AddressOut, **errors(*PRIVATE)},
)
def address_update_endpoint(request, address_id: int, payload: AddressIn):
    address = address_services.address_update(
        user=request.auth, address_id=address_id, data=AddressInput(**payload.dict())
    )
    return Status(200, _address(address))


@router.delete(
    "/me/addresses/{address_id}",
    auth=token_or_session,
    response={204: None, **errors(*PRIVATE)},
)
def address_delete_endpoint(request, address_id: int):
    address_services.address_delete(user=request.auth, address_id=address_id)
    return Status(204, None)


# --- sessions ------------------------------------------------------------------------------


@router.get(
    "/me/sessions", auth=token_or_session, response={200: list[SessionOut], **errors(*PRIVATE)}
)
def sessions_endpoint(request):
    current = _current_session(request)
    return Status(
        200,
        [
            {
                "id": s.pk,
                "kind": s.kind,
                "device": s.device,
                "ip": s.ip,
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "current": bool(current and current.pk == s.pk),
            }
            for s in UserSession.objects.of(request.auth).active()
        ],
    )


@router.post(
    "/me/sessions/revoke-others",
    auth=token_or_session,
    response={200: CountOut, **errors(*PRIVATE)},
    summary="بستن همهٔ نشست‌های دیگر",
)
def sessions_revoke_others_endpoint(request):
    ended = sessions.sessions_revoke_others(
        user=request.auth, keep=_current_session(request), reason="user"
    )
    return Status(200, {"ended": ended})


@router.delete(
    "/me/sessions/{session_id}",
    auth=token_or_session,
    response={204: None, **errors(*PRIVATE)},
    summary="بستن یکی از نشست‌ها",
)
def session_revoke_endpoint(request, session_id: int):
    sessions.session_revoke(
        user=request.auth, session_id=session_id, current=_current_session(request)
    )
    return Status(204, None)
