"""One's own marketing consents over the API: read them, change them (P5).

A change through the API is recorded like one on the page: a new row with the text version
the app showed, source «API», the time and the IP. Only a confirmed contact can be
consented (422-style domain error `consent.contact_not_confirmed`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from ninja import Router, Schema, Status
from pydantic import ConfigDict

from metavast.accounts.api._common import PRIVATE, _user, errors
from metavast.accounts.api_auth import token_or_session
from metavast.consent import marketing
from metavast.consent.errors import TextVersionOutdated
from metavast.consent.models import MarketingChannel, MarketingSource
from metavast.consent.services import consent_give, consent_withdraw
from metavast.core.clientip import client_ip
from metavast.core.schemas import InputSchema

router = Router(tags=["consent"])


class ChannelOut(Schema):
    channel: str
    granted: bool
    contact_confirmed: bool
    changed_at: dt.datetime | None
    source: str | None
    text: str


class ConsentsOut(Schema):
    text_version: str
    channels: list[ChannelOut]


class ConsentsIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": True,
                    "sms": False,
                    "text_version": marketing.MARKETING_CONSENT_TEXT_VERSION,
                }
            ]
        }
    )

    email: bool | None = None
    sms: bool | None = None
    # The version of the wording the app showed; must be the current one to give consent.
    text_version: str


def _state(user) -> dict:
    rows = []
    for channel in MarketingChannel:
        latest = marketing.current_state(user, channel)
        rows.append(
            {
                "channel": channel.value,
                "granted": marketing.may_send(user, channel),
                "contact_confirmed": bool(
                    user.confirmed_email if channel == "email" else user.confirmed_mobile
                ),
                "changed_at": latest.created_at if latest else None,
                "source": latest.source if latest else None,
                "text": marketing.MARKETING_CONSENT_TEXT[channel],
            }
        )
    return {"text_version": marketing.MARKETING_CONSENT_TEXT_VERSION, "channels": rows}


@router.get(
    "/me/marketing",
    auth=token_or_session,
    response={200: ConsentsOut, **errors(*PRIVATE)},
    summary="رضایت‌های من برای پیام تبلیغاتی (ایمیل، پیامک)",
    operation_id="consent_get_marketing",
)
def marketing_endpoint(request):
    return Status(200, _state(_user(request)))


@router.put(
    "/me/marketing",
    auth=token_or_session,
    response={200: ConsentsOut, **errors(*PRIVATE)},
    summary="تغییر رضایت‌های من برای پیام تبلیغاتی",
    operation_id="consent_set_marketing",
)
def marketing_change_endpoint(request, payload: ConsentsIn):
    user = _user(request)
    ip = client_ip(request.META)
    wanted = {"email": payload.email, "sms": payload.sms}
    if any(wanted.values()) and payload.text_version != marketing.MARKETING_CONSENT_TEXT_VERSION:
        raise TextVersionOutdated()
    with transaction.atomic():  # both channels or neither
        _apply(user, wanted, payload.text_version, ip)
    return Status(200, _state(user))


def _apply(user, wanted: dict, text_version: str, ip: str | None) -> None:
    for channel, value in wanted.items():
        if value is True:
            consent_give(
                user=user,
                channel=channel,
                source=MarketingSource.API,
                text_version=text_version,
                ip=ip,
            )
        elif value is False:
            consent_withdraw(user=user, channel=channel, source=MarketingSource.API, ip=ip)
