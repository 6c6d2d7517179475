"""Fixtures of the accounts tests: users, and reading what was sent from the outbox."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from metavast.accounts.models import User
from metavast.notifications.models import OutboxMessage

MOBILE = "+989121234567"
PASSWORD = "tulip-harbour-9318"


def make_user(
    *,
    mobile: str | None = MOBILE,
    email: str | None = None,
    password: str | None = PASSWORD,
    mobile_confirmed: bool = True,
    email_confirmed: bool = True,
    **extra,
) -> User:
    now = timezone.now()
    user = User(
        email=email,
        email_confirmed_at=now if email and email_confirmed else None,
        mobile=mobile or "",
        mobile_confirmed_at=now if mobile and mobile_confirmed else None,
        **extra,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def sent(*, channel: str | None = None, template: str | None = None, address: str | None = None):
    """Outbox messages, oldest first; the address is encrypted, so it is filtered here."""
    rows = OutboxMessage.objects.order_by("pk")
    if channel:
        rows = rows.filter(channel=channel)
    if template:
        rows = rows.filter(template=template)
    rows = list(rows)
    if address:
        rows = [r for r in rows if r.address == address]
    return rows


def last_code(mobile: str = MOBILE) -> str:
    messages = sent(channel="sms", template="accounts/otp_code", address=mobile)
    assert messages, f"no code was texted to {mobile}"
    return re.search(r"(?<!\d)(\d{6})(?!\d)", messages[-1].body).group(1)


def last_link(email: str, template: str = "accounts/email_confirm") -> str:
    messages = sent(channel="email", template=template, address=email)
    assert messages, f"no {template} to {email}"
    return re.search(r"https?://\S+", messages[-1].body).group(0)


@pytest.fixture
def user(db) -> User:
    return make_user()


def signin(client, user: User, *, fresh: bool = False) -> None:
    """Sign `user` in on the test client; `fresh` also marks a recent step-up."""
    import time

    from metavast.accounts.services.sessions import BACKEND, STEPUP_SESSION_KEY

    client.force_login(user, backend=BACKEND)
    if fresh:
        session = client.session
        session[STEPUP_SESSION_KEY] = time.time()
        session.save()
