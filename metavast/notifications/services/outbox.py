"""Writing messages to the outbox: the narrow ways in (policy P2, P4, P5).

- `notify(user=..., ...)`: the normal case. Sends only to the user's *confirmed* email and
  mobile (`user.confirmed_email`, `user.confirmed_mobile`); a channel without a confirmed
  contact is skipped and no row is written for it.
- `send_verification(...)`: a code or a confirmation link to an address that is being
  confirmed, so not confirmed yet. Only the templates in `VERIFICATION_TEMPLATES`.
- `send_to_address(..., purpose=...)`: an address that belongs to no user, for a purpose on
  the allow-list `ADDRESS_PURPOSES` (today only the shipping SMS to an order's receiver).
- `send_promotion(user=..., ...)`: a campaign's message (P5), pre-rendered, to a confirmed
  contact, with List-Unsubscribe headers or the «لغو۱۱» suffix enforced.

All three render the Persian templates (see `rendering.py` for names and context keys),
write `OutboxMessage` rows in the caller's transaction and queue delivery with
`transaction.on_commit`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from metavast.core.identifiers import normalize_mobile
from metavast.notifications import rendering
from metavast.notifications.errors import (
    InvalidAddress,
    MessageTooLong,
    PurposeNotAllowed,
    TemplateMissing,
    UnknownChannel,
)
from metavast.notifications.models import PROMO_SMS_SUFFIX, Channel, OutboxMessage, Purpose
from metavast.notifications.services import delivery

logger = logging.getLogger(__name__)

# Templates that may go to an address nobody has confirmed yet (that is their point).
# Password reset is not here on purpose: P7 says it goes through a confirmed contact.
VERIFICATION_TEMPLATES = frozenset({"accounts/otp_code", "accounts/email_confirm"})

# P4: an order's receiver gets the shipping SMS of that order and nothing else.
ADDRESS_PURPOSES: dict[str, dict[str, frozenset[str]]] = {
    Purpose.ORDER_SHIPPING: {
        "channels": frozenset({Channel.SMS}),
        "templates": frozenset({"orders/receiver_shipping"}),
    },
}

_CONFIRMED_ATTRIBUTE = {Channel.EMAIL: "confirmed_email", Channel.SMS: "confirmed_mobile"}


# --- Writing ---------------------------------------------------------------------------


def notify(
    *, user, template: str, context: dict, channels: tuple[str, ...] = ("email", "sms")
) -> list[OutboxMessage]:
    """Queue `template` to each of `user`'s confirmed contacts among `channels`.

    Channels the template has no file for are skipped (and logged); a template with none
    of the requested channels is a bug and raises TemplateMissing. Returns the rows written,
    possibly none (a user with no confirmed contact gets nothing, by policy).
    """
    channels = _check_channels(channels)
    available = [channel for channel in channels if rendering.has_channel(template, channel)]
    if not available:
        raise TemplateMissing(f"قالب پیام «{template}» برای هیچ‌یک از روش‌های خواسته‌شده نیست.")
    for channel in channels:
        if channel not in available:
            logger.warning(
                "notification channel has no template",
                extra={"template": template, "channel": channel},
            )
    # Every channel is rendered first, then all rows go in one INSERT: nothing to undo if
    # one fails to render, so no savepoint either.
    messages = []
    for channel in available:
        address = _confirmed_address(user, channel)
        if address is None:
            logger.info(
                "notification skipped: no confirmed contact",
                extra={"template": template, "channel": channel, "user_id": user.pk},
            )
            continue
        messages.append(
            _build(
                channel=channel,
                address=address,
                template=template,
                context=context,
                purpose=Purpose.ACCOUNT,
                user=user,
            )
        )
    if messages:
        OutboxMessage.objects.bulk_create(messages)
        for message in messages:
            _log_queued(message)
        delivery.queue_after_commit(*(message.message_id for message in messages))
    return messages


def send_verification(*, channel: str, address: str, template: str, context: dict) -> OutboxMessage:
    """Queue a code or confirmation link to `address`, which is being confirmed."""
    (channel,) = _check_channels((channel,))
    if template not in VERIFICATION_TEMPLATES:
        raise PurposeNotAllowed(fields={"template": [template]})
    with transaction.atomic():
        return _write(
            channel=channel,
            address=_normalize_address(channel, address),
            template=template,
            context=context,
            purpose=Purpose.VERIFICATION,
            user=None,
        )


def send_to_address(
    *, channel: str, address: str, template: str, context: dict, purpose: str
) -> OutboxMessage:
    """Queue a message to an address of no user, for an allow-listed purpose only (P4)."""
    (channel,) = _check_channels((channel,))
    allowed = ADDRESS_PURPOSES.get(purpose)
    if (
        allowed is None
        or channel not in allowed["channels"]
        or template not in allowed["templates"]
    ):
        raise PurposeNotAllowed(fields={"purpose": [str(purpose)], "template": [template]})
    with transaction.atomic():
        return _write(
            channel=channel,
            address=_normalize_address(channel, address),
            template=template,
            context=context,
            purpose=Purpose(purpose),
            user=None,
        )


def send_promotion(
    *,
    user,
    channel: str,
    subject: str = "",
    body: str,
    html_body: str = "",
    headers: dict[str, str] | None = None,
    template: str = "marketing/campaign",
    not_before: dt.datetime | None = None,
) -> OutboxMessage | None:
    """Queue one promotional message, already rendered, to `user`'s confirmed contact.

    The caller (marketing) must have checked the user's marketing consent: this lower layer
    cannot see it. What it can check, it does: a promotional email must carry the
    List-Unsubscribe headers with a one-click POST (RFC 8058; get them from
    metavast.consent.marketing.list_unsubscribe_headers) and a promotional SMS must end with
    «لغو۱۱». Returns None (nothing written) when the contact is not confirmed. Transactional
    messages never come through here, so marketing consent never blocks them."""
    (channel,) = _check_channels((channel,))
    headers = dict(headers or {})
    if channel == Channel.EMAIL:
        if not headers.get("List-Unsubscribe") or headers.get("List-Unsubscribe-Post") != (
            "List-Unsubscribe=One-Click"
        ):
            raise PurposeNotAllowed(fields={"headers": ["List-Unsubscribe"]})
    else:
        headers = {}
        if not body.rstrip().endswith(PROMO_SMS_SUFFIX):
            raise PurposeNotAllowed(fields={"body": [PROMO_SMS_SUFFIX]})
        if len(body) > rendering.SMS_MAX_LENGTH:
            raise MessageTooLong(fields={"template": [template]})
    address = _confirmed_address(user, channel)
    if address is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        message = OutboxMessage.objects.create(
            channel=channel,
            purpose=Purpose.PROMOTION,
            address=address,
            template=template,
            subject=subject[:200],
            body=body,
            html_body=html_body if channel == Channel.EMAIL else "",
            email_headers=headers,
            user=user,
            next_attempt_at=max(now, not_before) if not_before else now,
        )
        delivery.queue_after_commit(message.message_id)
    return message


def _check_channels(channels) -> tuple[str, ...]:
    if isinstance(channels, str):
        channels = (channels,)
    result = []
    for channel in channels:
        if channel not in Channel.values:
            raise UnknownChannel(fields={"channel": [str(channel)]})
        if channel not in result:
            result.append(channel)
    return tuple(result)


def _normalize_address(channel: str, address: str) -> str:
    if channel == Channel.SMS:
        try:
            return normalize_mobile(address)
        except ValidationError:
            raise InvalidAddress(fields={"address": ["mobile"]}) from None
    address = (address or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidAddress(fields={"address": ["email"]}) from None
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def _confirmed_address(user, channel: str) -> str | None:
    address = getattr(user, _CONFIRMED_ATTRIBUTE[channel], None)
    if not address:
        return None
    try:
        return _normalize_address(channel, address)
    except InvalidAddress:
        # A stored, confirmed contact that no longer parses: never guess, never send.
        logger.error(
            "confirmed contact does not parse", extra={"channel": channel, "user_id": user.pk}
        )
        return None


def _expiry(context: dict, now: dt.datetime) -> dt.datetime | None:
    minutes = context.get("minutes")
    if isinstance(minutes, int) and not isinstance(minutes, bool) and minutes > 0:
        return now + dt.timedelta(minutes=minutes)
    return None


def _write(
    *, channel: str, address: str, template: str, context: dict, purpose: str, user
) -> OutboxMessage:
    message = _build(
        channel=channel,
        address=address,
        template=template,
        context=context,
        purpose=purpose,
        user=user,
    )
    message.save(force_insert=True)
    _queued(message)
    return message


def _build(
    *, channel: str, address: str, template: str, context: dict, purpose: str, user
) -> OutboxMessage:
    """The rendered, unsaved row."""
    rendered = rendering.render(template, channel, context)
    if channel == Channel.SMS and len(rendered.body) > rendering.SMS_MAX_LENGTH:
        raise MessageTooLong(fields={"template": [template]})
    provider_template = provider_token = ""
    lookup_template = settings.KAVENEGAR_LOOKUP_TEMPLATES.get(template)
    if channel == Channel.SMS and lookup_template and context.get("code"):
        provider_template, provider_token = lookup_template, str(context["code"])
    now = timezone.now()
    return OutboxMessage(
        channel=channel,
        purpose=purpose,
        address=address,
        template=template,
        subject=rendered.subject,
        body=rendered.body,
        html_body=rendered.html,
        provider_template=provider_template,
        provider_token=provider_token,
        user=user,
        next_attempt_at=now,
        expires_at=_expiry(context, now),
    )


def _queued(message: OutboxMessage) -> None:
    delivery.queue_after_commit(message.message_id)
    _log_queued(message)


def _log_queued(message: OutboxMessage) -> None:
    logger.info(
        "notification queued",
        extra={
            "message_id": str(message.message_id),
            "template": message.template,
            "channel": message.channel,
        },
    )
