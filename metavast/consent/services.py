"""Writes of the consent app: a visitor's cookie choice; a customer's marketing consent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.consent import registry
from metavast.consent.cookie import Choice
from metavast.consent.errors import ContactNotConfirmed
from metavast.consent.models import (
    ConsentRecord,
    MarketingChannel,
    MarketingConsent,
    MarketingSource,
)


@transaction.atomic
def cookie_consent_choose(
    *, user=None, granted: Iterable[str], now: dt.datetime | None = None
) -> Choice:
    """Record a choice. Only categories actually in use can be granted: consent to a use that
    does not exist yet would not be informed. For a signed-in customer the choice is also a new
    ConsentRecord (history kept) and an audit event; the caller stores the returned choice in
    the visitor's cookie."""
    now = now or timezone.now()
    offered = frozenset(registry.categories_in_use())
    choice = Choice(
        granted=frozenset(granted) & offered,
        offered=offered,
        policy_version=settings.COOKIE_POLICY_VERSION,
        decided_at=now,
    )
    if user is not None and user.is_authenticated:
        record = ConsentRecord.objects.create(
            user=user,
            created_at=now,
            policy_version=choice.policy_version,
            granted=sorted(choice.granted),
            offered=sorted(choice.offered),
        )
        audit_record(
            action="consent.cookies_chosen",
            actor=user,
            subject=record,
            after={
                "policy_version": record.policy_version,
                "granted": record.granted,
                "offered": record.offered,
            },
        )
    return choice


# --- Marketing consent (P5) ------------------------------------------------------------


def contact_index_of(user, channel: str) -> str | None:
    """The blind index of the user's *confirmed* contact for `channel`, or None."""
    if channel == MarketingChannel.EMAIL:
        return user.email_index if user.confirmed_email else None
    return user.mobile_index if user.confirmed_mobile else None


@transaction.atomic
def consent_give(
    *,
    user,
    channel: str,
    source: str,
    text_version: str,
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> MarketingConsent:
    """Record that `user` agreed to promotional messages on `channel` (a new row).

    Only a confirmed contact can be consented: we must know the address is the customer's
    own before anything promotional goes to it. Giving again while already given records
    nothing new (the row of the first agreement stays the proof)."""
    channel = MarketingChannel(channel)
    contact_index = contact_index_of(user, channel)
    if not contact_index:
        raise ContactNotConfirmed()
    current = MarketingConsent.objects.for_user(user).filter(channel=channel).latest_first()
    latest = current.first()
    if latest is not None and latest.is_granted and latest.contact_index == contact_index:
        return latest
    record = MarketingConsent.objects.create(
        user=user,
        channel=channel,
        is_granted=True,
        source=MarketingSource(source),
        text_version=text_version,
        contact_index=contact_index,
        ip=ip or None,
        created_at=now or timezone.now(),
    )
    audit_record(
        action="consent.marketing_given",
        actor=user,
        subject=record,
        after={"channel": channel, "source": record.source, "text_version": text_version},
    )
    return record


@transaction.atomic
def consent_withdraw(
    *,
    user,
    channel: str,
    source: str,
    ip: str | None = None,
    actor=None,
    now: dt.datetime | None = None,
) -> MarketingConsent | None:
    """Withdraw `user`'s consent on `channel` at once. Idempotent: when nothing is given,
    nothing is written and None is returned. Logged (audit) with its source."""
    channel = MarketingChannel(channel)
    latest = (
        MarketingConsent.objects.for_user(user)
        .filter(channel=channel)
        .latest_first()
        .select_for_update()
        .first()
    )
    if latest is None or not latest.is_granted:
        return None
    record = MarketingConsent.objects.create(
        user=user,
        channel=channel,
        is_granted=False,
        source=MarketingSource(source),
        text_version="",
        contact_index=latest.contact_index,
        ip=ip or None,
        created_at=now or timezone.now(),
    )
    audit_record(
        action="consent.marketing_withdrawn",
        actor=actor if actor is not None else user,
        subject=record,
        before={"channel": channel, "granted": True},
        after={"channel": channel, "granted": False, "source": record.source},
    )
    return record


def consent_apply_choices(
    *,
    user,
    choices: dict[str, bool],
    source: str,
    text_version: str,
    ip: str | None = None,
    withdraw_unticked: bool = True,
) -> list[str]:
    """Apply a form's ticks per channel: give where ticked, withdraw where unticked (the
    profile; sign-up and checkout only give). Returns the channels refused because their
    contact is not confirmed, so the page can say so."""
    refused: list[str] = []
    for channel, ticked in choices.items():
        if ticked:
            try:
                consent_give(
                    user=user, channel=channel, source=source, text_version=text_version, ip=ip
                )
            except ContactNotConfirmed:
                refused.append(channel)
        elif withdraw_unticked:
            consent_withdraw(user=user, channel=channel, source=source, ip=ip)
    return refused
