"""Passwords over the API: reset with an SMS code or an emailed link, set or change one."""

from __future__ import annotations

from ninja import Field, Router, Status
from pydantic import ConfigDict

from metavast.accounts.api._common import (
    PRIVATE,
    PUBLIC,
    Code,
    DetailOut,
    Mobile,
    Password,
    _current_session,
    _user,
    errors,
)
from metavast.accounts.api.stepup import StepUpProof, _stepup
from metavast.accounts.api_auth import token_or_session
from metavast.accounts.services import auth, sessions
from metavast.core.clientip import request_ip
from metavast.core.http import site_base_url
from metavast.core.schemas import InputSchema, SecretText

reset_router = Router()
change_router = Router()


class ResetCodeIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"mobile": "09121234567", "code": "123456", "new_password": "tulip-harbour-9318"}
            ]
        }
    )

    mobile: str = Mobile
    code: str = Code
    new_password: SecretText = Password


class ResetRequestIn(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"login": "sara@example.com"}]})

    login: str = Field(..., max_length=254, description="تلفن همراه یا ایمیل تأییدشده")


class PasswordChangeIn(StepUpProof):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"password": "my-current-password", "new_password": "tulip-harbour-9318"}]
        }
    )

    new_password: SecretText = Password


@reset_router.post(
    "/auth/password/reset",
    response={202: DetailOut, **errors(*PUBLIC)},
    summary="بازیابی گذرواژه: کد به تلفن همراه یا پیوند به ایمیل تأییدشده",
    operation_id="accounts_request_password_reset",
)
def password_reset_request_endpoint(request, payload: ResetRequestIn):
    auth.password_reset_request(
        identifier=payload.login, ip=request_ip(request), base_url=site_base_url(request)
    )
    return Status(
        202, {"detail": "اگر این نشانی تأییدشدهٔ حسابی باشد، کد یا پیوند بازیابی فرستاده شد."}
    )


@reset_router.post(
    "/auth/password/reset/code",
    response={200: DetailOut, **errors(*PUBLIC)},
    summary="گذرواژهٔ تازه با کد بازیابی پیامکی",
    operation_id="accounts_reset_password_with_code",
)
def password_reset_code_endpoint(request, payload: ResetCodeIn):
    auth.password_reset_with_code(
        mobile=payload.mobile, code=payload.code, new_password=payload.new_password
    )
    return Status(200, {"detail": "گذرواژهٔ تازه ذخیره شد و همهٔ نشست‌ها بسته شدند."})


@change_router.post(
    "/me/password",
    auth=token_or_session,
    response={200: DetailOut, **errors(*PRIVATE)},
    summary="تعیین یا تغییر گذرواژه؛ نشست‌های دیگر بسته می‌شوند",
    operation_id="accounts_set_password",
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
