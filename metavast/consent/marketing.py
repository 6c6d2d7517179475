"""Marketing consent per channel (P5): the interface the campaigns use.

Promotional email and SMS go only to a customer who said yes for that channel, to a contact
they confirmed, and only while they have not taken it back. The proof is the append-only
`MarketingConsent` history (text version, source, UTC time, IP). Leaving is one step:

- every promotional email carries `List-Unsubscribe` with a signed link and
  `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), plus the same link in its
  footer; the link works without signing in and is idempotent;
- every promotional SMS ends with «لغو۱۱»; a reply «۱۱» / «لغو» withdraws SMS consent
  (metavast.consent.sms_replies).

The unsubscribe token is a `django.core.signing` signature over (user id, channel) with its
own salt. It never expires: a mail read a year later must still let its reader leave, and
what the token can do is only ever to withdraw, which is harmless to repeat.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.urls import reverse

from metavast.accounts.models import User
from metavast.consent.models import MarketingChannel, MarketingConsent, MarketingSource
from metavast.consent.services import consent_give, consent_withdraw, contact_index_of
from metavast.notifications.models import PROMO_SMS_SUFFIX as NOTIFICATIONS_PROMO_SMS_SUFFIX

Channel = MarketingChannel
Source = MarketingSource

__all__ = [
    "MARKETING_CONSENT_TEXT",
    "MARKETING_CONSENT_TEXT_VERSION",
    "PROMO_SMS_SUFFIX",
    "Channel",
    "Source",
    "consent_give",
    "consent_withdraw",
    "consenting_users",
    "current_state",
    "list_unsubscribe_headers",
    "may_send",
    "unsubscribe_token",
    "unsubscribe_url",
    "user_from_token",
]

# Iranian operators require every promotional SMS to end with «لغو۱۱» (one definition, in
# notifications, whose send_promotion enforces it).
PROMO_SMS_SUFFIX = NOTIFICATIONS_PROMO_SMS_SUFFIX

# Bump the version whenever the wording below changes: each consent row records which
# wording the customer agreed to.
MARKETING_CONSENT_TEXT_VERSION = "1405-09-m1"
MARKETING_CONSENT_TEXT: dict[str, str] = {
    MarketingChannel.EMAIL: (
        "می‌خواهم خبرها، رویدادها و پیشنهادهای ویژهٔ متاوست را به ایمیل تأییدشده‌ام بگیرم. "
        "هر وقت بخواهم با یک کلیک در پایین همان ایمیل‌ها لغو می‌کنم."
    ),
    MarketingChannel.SMS: (
        "می‌خواهم خبرها، رویدادها و پیشنهادهای ویژهٔ متاوست را با پیامک به شمارهٔ "
        "تأییدشده‌ام بگیرم. هر وقت بخواهم با فرستادن «۱۱» یا «لغو» لغو می‌کنم."
    ),
}

_TOKEN_SALT = "metavast.consent.unsubscribe"


def _latest(channel: str):
    return MarketingConsent.objects.filter(user=OuterRef("pk"), channel=channel).order_by(
        "-created_at", "-pk"
    )


def consenting_users(channel: str) -> QuerySet[User]:
    """Active users whose newest consent row for `channel` is a yes, given for the contact
    that is still their confirmed one. One query; the people are never listed to staff,
    campaigns only count them or queue messages to them."""
    channel = MarketingChannel(channel)
    latest = _latest(channel)
    users = User.objects.filter(is_active=True).annotate(
        _mc_granted=Subquery(latest.values("is_granted")[:1]),
        _mc_contact=Subquery(latest.values("contact_index")[:1]),
    )
    if channel == MarketingChannel.EMAIL:
        users = users.filter(
            email_confirmed_at__isnull=False,
            email_index__isnull=False,
            _mc_contact=F("email_index"),
        )
    else:
        users = users.filter(
            mobile_confirmed_at__isnull=False,
            mobile_index__isnull=False,
            _mc_contact=F("mobile_index"),
        )
    return users.filter(_mc_granted=True)


def current_state(user, channel: str) -> MarketingConsent | None:
    """The newest consent row of `user` for `channel`, or None when never asked."""
    return MarketingConsent.objects.for_user(user).filter(channel=channel).latest_first().first()


def may_send(user, channel: str) -> bool:
    """True when a promotional message may go to `user` on `channel` now."""
    if user is None or not getattr(user, "is_active", False):
        return False
    contact_index = contact_index_of(user, channel)
    if not contact_index:
        return False
    latest = current_state(user, channel)
    return bool(latest and latest.is_granted and latest.contact_index == contact_index)


def unsubscribe_token(user, channel: str) -> str:
    channel = MarketingChannel(channel)
    return signing.Signer(salt=_TOKEN_SALT).sign(f"{user.pk}.{channel.value}")


def user_from_token(token: str) -> tuple[User, str] | None:
    """The (user, channel) a token was made for, or None when it is forged or stale."""
    try:
        value = signing.Signer(salt=_TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        return None
    pk, _, channel = value.partition(".")
    if channel not in MarketingChannel.values or not pk.isdigit():
        return None
    user = User.objects.filter(pk=int(pk)).first()
    return (user, channel) if user is not None else None


def _site_url() -> str:
    if settings.SITE_URL:
        return settings.SITE_URL
    hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")]
    return f"https://{hosts[0]}" if hosts else ""


def unsubscribe_url(user, channel: str) -> str:
    """The absolute link of the one-step unsubscribe page for `user` on `channel`."""
    path = reverse("consent:unsubscribe", args=[unsubscribe_token(user, channel)])
    return f"{_site_url()}{path}"


def list_unsubscribe_headers(user) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers of a promotional email to `user`."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user, MarketingChannel.EMAIL)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
