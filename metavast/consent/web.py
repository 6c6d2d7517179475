"""What pages of higher apps (checkout) need to ask for marketing consent: the boxes to show
and applying the ticks after the page's own action succeeded. Boxes are always unticked and
shown only for channels whose contact is confirmed and not already consented."""

from __future__ import annotations

from metavast.consent import marketing
from metavast.consent.models import MarketingChannel, MarketingSource
from metavast.consent.services import consent_apply_choices

_FIELD = {MarketingChannel.EMAIL: "marketing_email", MarketingChannel.SMS: "marketing_sms"}


def marketing_boxes(user) -> list[dict]:
    if not getattr(user, "is_authenticated", False):
        return []
    boxes = []
    for channel in MarketingChannel:
        confirmed = user.confirmed_email if channel == "email" else user.confirmed_mobile
        if confirmed and not marketing.may_send(user, channel):
            boxes.append(
                {"name": _FIELD[channel], "text": marketing.MARKETING_CONSENT_TEXT[channel]}
            )
    return boxes


def apply_ticked_boxes(*, user, data, source: str, ip: str | None) -> list[str]:
    """Give consent for each ticked box (never withdraws: an absent box is not a "no")."""
    choices = {channel: True for channel, name in _FIELD.items() if data.get(name)}
    if not choices:
        return []
    return consent_apply_choices(
        user=user,
        choices=choices,
        source=source,
        text_version=marketing.MARKETING_CONSENT_TEXT_VERSION,
        ip=ip,
        withdraw_unticked=False,
    )


def apply_signup_boxes(*, user, data, ip: str | None) -> None:
    apply_ticked_boxes(user=user, data=data, source=MarketingSource.SIGNUP, ip=ip)
