"""The profile over the API: names, national code and the contacts (email, mobile, landline)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from metavast.accounts.api._common import PRIVATE, PUBLIC, Code, DetailOut, Mobile, _user, errors
from metavast.accounts.api.stepup import StepUpProof, _stepup
from metavast.accounts.api_auth import token_or_session
from metavast.accounts.models import User
from metavast.accounts.services import contacts
from metavast.core.clientip import request_ip
from metavast.core.http import site_base_url
from metavast.core.schemas import InputSchema

profile_router = Router()
contacts_router = Router()


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


class ProfileIn(InputSchema):
    """Only these fields can change here; anything else in the body is ignored."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"first_name": "سارا", "last_name": "احمدی", "national_code": "0013542419"}
            ]
        }
    )

    first_name: str | None = Field(None, max_length=80)
    last_name: str | None = Field(None, max_length=80)
    national_code: str | None = Field(None, max_length=32)


class EmailChangeIn(StepUpProof):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "sara@example.com", "code": "123456"}]}
    )

    email: str = Field(..., max_length=254)


class EmailConfirmIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"token": "the-token-from-the-emailed-link"}]}
    )

    token: str = Field(..., max_length=500)


class MobileChangeIn(StepUpProof):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"mobile": "09351234567", "code": "123456"}]}
    )

    mobile: str = Mobile


class CodeIn(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "123456"}]})

    code: str = Code


class LandlineIn(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"landline": "02188776655"}]})

    landline: str = Field("", max_length=64)


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


@profile_router.get(
    "/me",
    auth=token_or_session,
    response={200: ProfileOut, **errors(*PRIVATE)},
    operation_id="accounts_get_profile",
)
def me_endpoint(request):
    return Status(200, _profile(_user(request)))


@profile_router.patch(
    "/me",
    auth=token_or_session,
    response={200: ProfileOut, **errors(*PRIVATE)},
    summary="ویرایش نام و کد ملی (فیلدهای دیگر نادیده گرفته می‌شوند)",
    operation_id="accounts_update_profile",
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


@profile_router.get(
    "/me/contacts",
    auth=token_or_session,
    response={200: ContactsOut, **errors(*PRIVATE)},
    operation_id="accounts_get_contacts",
)
def contacts_endpoint(request):
    return Status(200, _profile(_user(request))["contacts"])


@contacts_router.post(
    "/me/contacts/email",
    auth=token_or_session,
    response={202: ContactsOut, **errors(*PRIVATE)},
    summary="ایمیل تازه (با گذرواژه یا کد تأیید هویت)؛ پس از باز کردن پیوند رسمی می‌شود",
    operation_id="accounts_change_email",
)
def email_change_endpoint(request, payload: EmailChangeIn):
    user = _user(request)
    _stepup(request, user, payload)
    user = contacts.email_change_request(
        user=user, email=payload.email, base_url=site_base_url(request), ip=request_ip(request)
    )
    return Status(202, _profile(user)["contacts"])


@contacts_router.post(
    "/auth/email/confirm",
    response={200: DetailOut, **errors(*PUBLIC, 409)},
    summary="تأیید ایمیل با نشانهٔ پیوند",
    operation_id="accounts_confirm_email",
)
def email_confirm_endpoint(request, payload: EmailConfirmIn):
    contacts.email_change_confirm(token=payload.token)
    return Status(200, {"detail": "ایمیل تأیید شد."})


@contacts_router.post(
    "/me/contacts/mobile",
    auth=token_or_session,
    response={202: ContactsOut, **errors(*PRIVATE)},
    summary="تلفن همراه تازه (با گذرواژه یا کد تأیید هویت)؛ با کد پیامکی رسمی می‌شود",
    operation_id="accounts_change_mobile",
)
def mobile_change_endpoint(request, payload: MobileChangeIn):
    user = _user(request)
    _stepup(request, user, payload)
    user = contacts.mobile_change_request(user=user, mobile=payload.mobile, ip=request_ip(request))
    return Status(202, _profile(user)["contacts"])


@contacts_router.post(
    "/me/contacts/mobile/confirm",
    auth=token_or_session,
    response={200: ContactsOut, **errors(*PRIVATE)},
    operation_id="accounts_confirm_mobile",
)
def mobile_confirm_endpoint(request, payload: CodeIn):
    user = contacts.mobile_change_confirm(user=_user(request), code=payload.code)
    return Status(200, _profile(user)["contacts"])


@contacts_router.put(
    "/me/contacts/landline",
    auth=token_or_session,
    response={200: ContactsOut, **errors(*PRIVATE)},
    summary="تلفن ثابت (به اظهار کاربر ثبت می‌شود؛ خالی برای حذف)",
    operation_id="accounts_set_landline",
)
def landline_endpoint(request, payload: LandlineIn):
    user = contacts.landline_set(user=_user(request), landline=payload.landline)
    return Status(200, _profile(user)["contacts"])
