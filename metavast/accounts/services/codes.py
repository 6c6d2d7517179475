"""One-time SMS codes: issue, limit, verify.

A code is six digits from `secrets`, valid OTP_CODE_TTL_SECONDS, bound to one mobile (its
blind index) and one purpose; only HMAC(SECRET_KEY, index, purpose, code) is stored. A new
code for the same mobile and purpose replaces the old one.

Guessing. `attempts` is one shared counter per code. Every verification first *claims* an
attempt with a conditional UPDATE (`attempts < max`, not used, not expired) and only then
compares; so however many requests guess in parallel, at most OTP_CODE_MAX_ATTEMPTS
comparisons ever happen for a code, and the guess that exhausts it deletes it. A right code
is consumed by another conditional UPDATE (`used_at IS NULL`): single use, also in a race.

`code_verify` must not run inside a transaction that the failure rolls back: the claimed
attempt has to stay counted. Callers verify first, then open their own atomic block.

Enumeration. Requests answer the same whether or not the mobile has an account; the caller
decides with `deliver` whether the SMS really goes out (a reset for an unknown number
stores a code no one will ever receive, in the same time).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from metavast.accounts import limits
from metavast.accounts.errors import CodeInvalid
from metavast.accounts.models import CodePurpose, OneTimeCode, User
from metavast.audit.services import audit_record
from metavast.core.identifiers import normalize_mobile
from metavast.core.text import to_ascii_digits
from metavast.notifications.services import send_verification


def mask_mobile(mobile: str) -> str:
    """+989123456789 → ۰۹۱۲***۶۷۸۹-style masking for logs and notices (ASCII digits)."""
    if not mobile:
        return ""
    local = "0" + mobile[3:] if mobile.startswith("+98") else mobile
    return f"{local[:4]}***{local[-4:]}"


def _hash(mobile_index: str, purpose: str, code: str) -> str:
    return salted_hmac(
        "metavast.accounts.otp", f"{mobile_index}:{purpose}:{code}", algorithm="sha256"
    ).hexdigest()


def _clean_code(code: str) -> str:
    return to_ascii_digits(str(code or "")).strip()[:12]


def code_request(
    *, mobile: str, purpose: str, ip: str | None, deliver: bool = True, actor=None
) -> OneTimeCode:
    """Issue a code for `mobile` (any spelling) and queue its SMS if `deliver`.

    Raises ValidationError for a number that is not a mobile, CodeCooldown / CodeLimited
    for limits, CodeUnavailable when the limit store is down (nothing is sent then).
    """
    mobile = normalize_mobile(mobile)
    assert purpose in CodePurpose.values, purpose
    index = User.mobile_index_for(mobile)
    limits.code_send_allowed(mobile_index=index, purpose=purpose, ip=ip)
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    ttl = settings.OTP_CODE_TTL_SECONDS
    with transaction.atomic():
        OneTimeCode.objects.for_mobile(index, purpose).delete()
        row = OneTimeCode.objects.create(
            mobile_index=index,
            purpose=purpose,
            code_hash=_hash(index, purpose, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ttl),
        )
        if deliver:
            send_verification(
                channel="sms",
                address=mobile,
                template="accounts/otp_code",
                context={
                    "code": code,
                    "purpose": purpose,
                    "purpose_label": str(CodePurpose(purpose).label),
                    "minutes": max(1, ttl // 60),
                },
            )
        audit_record(
            action="accounts.code_requested",
            actor=actor,
            subject_type="accounts.mobile",
            subject_id=index[:16],
            after={"purpose": purpose, "mobile": mask_mobile(mobile), "delivered": deliver},
        )
    return row


def code_verify(*, mobile: str, purpose: str, code: str) -> None:
    """Consume the live code for (mobile, purpose) if `code` is it; else raise CodeInvalid."""
    try:
        mobile = normalize_mobile(mobile)
    except Exception:
        raise CodeInvalid() from None
    index = User.mobile_index_for(mobile)
    code = _clean_code(code)
    guess = _hash(index, purpose, code)
    now = timezone.now()
    row = (
        OneTimeCode.objects.for_mobile(index, purpose)
        .live(now)
        .order_by("-created_at")
        .values("pk", "code_hash")
        .first()
    )
    if row is None or not (len(code) == 6 and code.isdigit()):
        raise CodeInvalid()
    # Claim one attempt before comparing: the counter, not the comparison, is the gate.
    claimed = OneTimeCode.objects.filter(pk=row["pk"]).live(now).update(attempts=F("attempts") + 1)
    if not claimed:
        raise CodeInvalid()
    if constant_time_compare(row["code_hash"], guess):
        if OneTimeCode.objects.filter(pk=row["pk"], used_at__isnull=True).update(used_at=now):
            return
        raise CodeInvalid()
    OneTimeCode.objects.filter(pk=row["pk"], attempts__gte=settings.OTP_CODE_MAX_ATTEMPTS).delete()
    raise CodeInvalid()


def codes_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete used and expired codes (a periodic task may call this)."""
    with transaction.atomic():
        deleted, _ = OneTimeCode.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted
