"""Sign-up and sign-in for apps: SMS codes, passwords, tokens, refresh and sign-out."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from metavast.accounts.api._common import PRIVATE, PUBLIC, Code, DetailOut, Mobile, Password, errors
from metavast.accounts.api_auth import token_or_session
from metavast.accounts.errors import AccountLocked
from metavast.accounts.services import auth, sessions, tokens
from metavast.core.clientip import request_ip
from metavast.core.http import site_base_url
from metavast.core.schemas import InputSchema, SecretText

router = Router()


class CodeRequestIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"mobile": "09121234567", "purpose": "signin"}]}
    )

    mobile: str = Mobile
    purpose: Literal["signin", "reset"] = "signin"


class CodeRequestOut(Schema):
    detail: str
    ttl_seconds: int
    resend_after_seconds: int


class CodeVerifyIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"mobile": "09121234567", "code": "123456"}]}
    )

    mobile: str = Mobile
    code: str = Code


class SignupIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "mobile": "09121234567",
                    "code": "123456",
                    "first_name": "سارا",
                    "last_name": "احمدی",
                    "password": "tulip-harbour-9318",
                }
            ]
        }
    )

    mobile: str = Mobile
    code: str = Code
    first_name: str = Field("", max_length=80)
    last_name: str = Field("", max_length=80)
    password: SecretText | None = Field(None, max_length=4096)


class SigninIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"login": "09121234567", "password": "tulip-harbour-9318"}]}
    )

    login: str = Field(..., max_length=254, description="تلفن همراه یا ایمیل")
    password: SecretText = Password


class TokenOut(Schema):
    access: str
    refresh: str
    token_type: str = "Bearer"
    expires_in: int
    session_id: int
    created: bool = False


class RefreshIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"refresh": "Xq3v9Jm2c7Kp0Rw5Tz8Ls1Nd4Fg6Hb2Yc0Ve7Ua9Qo"}]}
    )

    refresh: str = Field(..., max_length=200)


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


@router.post(
    "/auth/code/request",
    response={202: CodeRequestOut, **errors(*PUBLIC)},
    summary="درخواست کد پیامکی (ورود/ثبت‌نام یا بازیابی گذرواژه)",
    operation_id="accounts_request_code",
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
    operation_id="accounts_verify_code",
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
    operation_id="accounts_sign_up",
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
    operation_id="accounts_sign_in",
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
    operation_id="accounts_refresh_tokens",
)
def refresh_endpoint(request, payload: RefreshIn):
    pair = tokens.app_session_refresh(refresh_token=payload.refresh, ip=request_ip(request))
    return Status(200, _tokens(pair))


@router.post(
    "/auth/signout",
    auth=token_or_session,
    response={200: DetailOut, **errors(*PRIVATE)},
    summary="خروج همین برنامه یا مرورگر",
    operation_id="accounts_sign_out",
)
def signout_endpoint(request):
    row = getattr(request, "app_session", None)
    if row is not None:
        tokens.app_session_end(row=row)
    else:
        sessions.web_session_end(request=request)
    return Status(200, {"detail": "خارج شدید."})
