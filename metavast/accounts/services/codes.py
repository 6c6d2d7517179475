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

The SMS says what the code is for (CODE_PURPOSE_TEXT: a sign-in code typed into a
"confirm it is you" page is a warning sign the reader can see) and ends with the WebOTP
line `@<domain> #<code>` (https://wicg.github.io/web-otp/), so phones offer the code only
on our own site. When KAVENEGAR_LOOKUP_TEMPLATES names a panel template, the operator's
template text is what reaches the phone (token = the code): it must end with that line.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

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

# What each code is for, as its SMS says it: "<text> در <shop>: <code>".
CODE_PURPOSE_TEXT: dict[str, str] = {
    CodePurpose.SIGNIN: "کد ورود یا ثبت‌نام",
    CodePurpose.RESET: "کد بازیابی گذرواژه",
    CodePurpose.STEPUP: "کد تأیید هویت برای یک تغییر حساس",
    CodePurpose.CHANGE_MOBILE: "کد تأیید شمارهٔ همراه تازه",
    CodePurpose.CONFIRM_MOBILE: "کد تأیید شمارهٔ همراه",
}

_DOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def code_purpose_text(purpose: str) -> str:
    """The words that name a code's purpose in its SMS ("کد ورود یا ثبت‌نام", ...)."""
    text = CODE_PURPOSE_TEXT.get(purpose)
    if text:
        return text
    label = CodePurpose(purpose).label if purpose in CodePurpose.values else ""
    return f"کد {label}" if label else "کد تأیید"


def _as_domain(value: str) -> str:
    """`value` as a WebOTP host (ASCII, lower case), or "" when it names no single domain:
    wildcards, IP addresses and ports are not domains; ".shop.ir" allows shop.ir itself."""
    value = (value or "").strip().lower().rstrip(".")
    if value.startswith("."):
        value = value[1:]
    if not value or "*" in value:
        return ""
    try:
        ipaddress.ip_address(value.strip("[]"))
        return ""
    except ValueError:
        pass
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    return value if _DOMAIN.match(value) else ""


def webotp_domain() -> str:
    """The domain our codes are bound to: SITE_URL's host, else the first ALLOWED_HOSTS entry
    that names one domain; "" when there is none (the SMS then has no WebOTP line)."""
    candidates = [urlsplit(settings.SITE_URL).hostname or ""] if settings.SITE_URL else []
    candidates += [str(host) for host in settings.ALLOWED_HOSTS]
    for candidate in candidates:
        domain = _as_domain(candidate)
        if domain:
            return domain
    return ""


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
    *,
    mobile: str,
    purpose: str,
    ip: str | None,
    deliver: bool = True,
    actor=None,
    check_limits: bool = True,
) -> OneTimeCode:
    """Issue a code for `mobile` (any spelling) and queue its SMS if `deliver`.

    Raises ValidationError for a number that is not a mobile, CodeCooldown / CodeLimited
    for limits, CodeUnavailable when the limit store is down (nothing is sent then).
    """
    mobile = normalize_mobile(mobile)
    assert purpose in CodePurpose.values, purpose
    index = User.mobile_index_for(mobile)
    if check_limits:  # False only when the caller already checked them (a reset task)
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
                    "purpose_text": code_purpose_text(purpose),
                    "webotp_domain": webotp_domain(),
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


@dataclass(frozen=True)
class CodeTimes:
    """What the code page shows: how long the code lives, and when another may be asked for."""

    lifetime: int  # OTP_CODE_TTL_SECONDS: the lifetime every code gets, as the SMS says it
    expires_in: int  # seconds the live code has left; 0 when there is none
    resend_in: int  # seconds until a new code may be requested; 0 when it may be now


def code_times(*, mobile: str, purpose: str) -> CodeTimes:
    """The live code's remaining life and resend wait for (mobile, purpose), in whole seconds."""
    now = timezone.now()
    lifetime = settings.OTP_CODE_TTL_SECONDS
    try:
        index = User.mobile_index_for(normalize_mobile(mobile))
    except Exception:
        return CodeTimes(lifetime=lifetime, expires_in=0, resend_in=0)
    row = (
        OneTimeCode.objects.for_mobile(index, purpose)
        .live(now)
        .order_by("-created_at")
        .values("created_at", "expires_at")
        .first()
    )
    if row is None:
        return CodeTimes(lifetime=lifetime, expires_in=0, resend_in=0)
    resend_at = row["created_at"] + dt.timedelta(seconds=settings.OTP_RESEND_COOLDOWN_SECONDS)
    return CodeTimes(
        lifetime=lifetime,
        expires_in=max(0, int((row["expires_at"] - now).total_seconds())),
        resend_in=max(0, int((resend_at - now).total_seconds() + 0.999)),
    )


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
