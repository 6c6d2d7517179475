"""Incoming SMS that withdraw SMS marketing consent: «۱۱», «لغو», «لغو۱۱» (P5).

Iranian operators end every promotional SMS with «لغو۱۱»; a reply of «11» or «لغو» (in any
digits — Persian, Arabic-Indic or Latin — with any spacing, ZWNJ or punctuation) means the
sender wants no more promotions. Replies reach us two ways, both ending in `sms_reply_handle`:

- polling Kavenegar's receive API (`sms/receive`, unread messages of our line), a periodic
  task (CELERY_BEAT_SCHEDULE "consent-poll-sms-replies");
- Kavenegar's callback to our receive URL, which carries a secret path segment
  (KAVENEGAR_RECEIVE_SECRET) compared in constant time: Kavenegar does not sign its
  callbacks, so the unguessable URL is the authentication. Without the secret set the
  endpoint does not exist (404).

The sender's number is found through the mobile's blind index (`User.objects.by_mobile`),
never by decrypting every row. Withdrawal is idempotent, so a reply seen both by the poll
and by the callback is harmless.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError

from metavast.accounts.models import User
from metavast.consent.models import MarketingChannel, MarketingSource
from metavast.consent.services import consent_withdraw
from metavast.core.identifiers import normalize_mobile
from metavast.core.text import compact
from metavast.notifications.backends.kavenegar import KavenegarBackend

logger = logging.getLogger(__name__)

_STOP_WORDS = frozenset({"11", "لغو", "لغو11", "11لغو"})
_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def is_stop_reply(text: str) -> bool:
    """True for «11», «۱۱», «لغو», «لغو ۱۱», «لغو۱۱»… and nothing else."""
    key = _NOISE.sub("", compact(text or ""))
    return key in _STOP_WORDS


def sms_reply_handle(*, sender: str, text: str) -> bool:
    """Withdraw SMS consent of the account whose mobile is `sender` when `text` says stop.
    Returns True when a consent was withdrawn."""
    if not is_stop_reply(text):
        return False
    try:
        mobile = normalize_mobile(sender)
    except ValidationError:  # a short code or garbage from the provider: nobody to withdraw
        return False
    if not mobile:
        return False
    withdrawn = False
    for user in User.objects.by_mobile(mobile):
        if consent_withdraw(
            user=user, channel=MarketingChannel.SMS, source=MarketingSource.SMS_REPLY, actor=None
        ):
            withdrawn = True
    return withdrawn


def sms_replies_poll(*, backend=None) -> int:
    """Fetch unread replies from Kavenegar and handle each; returns the withdrawals made."""
    if backend is None:
        # Only when Kavenegar is the SMS provider: the embedded default and tests write SMS
        # to files or memory and have no inbox to poll.
        if not settings.SMS_BACKEND.endswith("kavenegar.KavenegarBackend"):
            return 0
        backend = KavenegarBackend()
    if not backend.api_key or not settings.KAVENEGAR_SENDER:
        return 0
    count = 0
    for entry in backend.receive(linenumber=settings.KAVENEGAR_SENDER):
        if sms_reply_handle(
            sender=str(entry.get("sender", "")), text=str(entry.get("message", ""))
        ):
            count += 1
    return count
