"""Staff backup codes: ten single-use codes for the day the authenticator app is lost.

They live in django-otp's static device (one per staff member, `StaticDevice` with its
`StaticToken`s), but django-otp stores a static token as typed, in clear. We store a keyed
digest instead (`crypto.blind_index` with its own purpose, salted by the device id), cut to
the 16 characters `StaticToken.token` holds (64 bits): a database dump shows no usable code
and, without BLIND_INDEX_KEY, no way to test guesses offline. The codes themselves are shown
once, on the page that made them, and never again.

django-otp's own `StaticDevice.verify_token` still does the work: we hand it the digest of
what was typed, and it deletes the matching token (one use each), resets or advances the
device's throttle (the same exponential back-off as the TOTP path) and stamps `last_used_at`.
The device row is locked while it runs, so two requests with one code cannot both pass.

A code is twelve digits (Persian or Latin digits, spaces and dashes are accepted): digits
type the same on a Persian and a Latin keyboard, and the length tells it apart from a
six-digit TOTP code on the one sign-in form. Making new codes needs a confirmed TOTP device
and its current code, and deletes the old ones. Every generation, use and failed try writes
an audit event in the same transaction.
"""

from __future__ import annotations

import re
import secrets

from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from metavast.accounts.errors import BackupCodeInvalid, BackupCodesNeedTotp, TotpInvalid
from metavast.accounts.models import User
from metavast.accounts.services.sessions import stepup_mark
from metavast.accounts.services.staff import staff_totp_device, staff_totp_verify
from metavast.audit.services import audit_record
from metavast.core import crypto
from metavast.core.text import to_ascii_digits

DEVICE_NAME = "کدهای پشتیبان"
CODE_COUNT = 10
CODE_DIGITS = 12
_DIGEST_PURPOSE = "accounts.staff_backup_code"
_SEPARATORS = re.compile(r"[\s\-_.\u200c\u200f\u200e]+")


def backup_code_normalize(value: str) -> str:
    """What was typed, as ASCII digits without separators ("۱۲۳۴ ۵۶۷۸-..." -> "12345678...")."""
    return _SEPARATORS.sub("", to_ascii_digits(str(value or "")))


def is_backup_code(value: str) -> bool:
    code = backup_code_normalize(value)
    return len(code) == CODE_DIGITS and code.isdigit()


def backup_code_display(code: str) -> str:
    """Twelve digits in three groups of four, to read and copy without losing one's place."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _digest(device: StaticDevice, code: str) -> str:
    return crypto.blind_index(f"{device.pk}:{code}", purpose=_DIGEST_PURPOSE)[:16]


def staff_backup_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=DEVICE_NAME, confirmed=True).first()


def staff_backup_codes_left(user: User) -> int:
    device = staff_backup_device(user)
    return device.token_set.count() if device else 0


def staff_backup_codes_generate(*, user: User, totp_token: str) -> list[str]:
    """New codes for `user` (the old ones stop working); the caller shows them once.

    The current TOTP code is asked for, so a borrowed signed-in session alone cannot mint a
    lasting second factor.
    """
    totp = staff_totp_device(user)
    if totp is None:
        raise BackupCodesNeedTotp()
    token = backup_code_normalize(totp_token)
    allowed = totp.verify_is_allowed()[0]
    if not (allowed and token.isdigit() and totp.verify_token(token)):
        with transaction.atomic():
            audit_record(
                action="accounts.staff_2fa_failed",
                actor=user,
                subject=user,
                after={"method": "totp", "purpose": "backup_codes"},
            )
        raise TotpInvalid()
    codes = [
        "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS)) for _ in range(CODE_COUNT)
    ]
    with transaction.atomic():
        device = (
            StaticDevice.objects.select_for_update()
            .filter(user=user, name=DEVICE_NAME)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
        unused = device.token_set.count()
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=_digest(device, code)) for code in codes
        )
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        audit_record(
            action="accounts.staff_backup_codes_generated",
            actor=user,
            subject=user,
            after={"count": CODE_COUNT, "replaced_unused": unused},
        )
    return codes


def staff_backup_code_verify(*, request, user: User, code: str) -> StaticDevice:
    """Sign in with one backup code (deleted as it is used), or raise BackupCodeInvalid."""
    code = backup_code_normalize(code)
    with transaction.atomic():
        device = (
            StaticDevice.objects.select_for_update()
            .filter(user=user, name=DEVICE_NAME, confirmed=True)
            .first()
        )
        # Backup codes stand in for a confirmed app, never for enrolling one.
        ok = False
        throttled = False
        if device is not None and staff_totp_device(user) is not None:
            throttled = not device.verify_is_allowed()[0]
            ok = (
                not throttled
                and len(code) == CODE_DIGITS
                and device.verify_token(_digest(device, code))
            )
        if ok:
            audit_record(
                action="accounts.staff_backup_code_used",
                actor=user,
                subject=user,
                after={"left": device.token_set.count()},
            )
        else:
            audit_record(
                action="accounts.staff_2fa_failed",
                actor=user,
                subject=user,
                after={"method": "backup_code", "throttled": throttled},
            )
    if not ok:
        raise BackupCodeInvalid()
    otp_login(request, device)
    stepup_mark(request=request)
    return device


def staff_second_factor_verify(*, request, user: User, token: str):
    """The staff sign-in form's one field: a TOTP code, or a twelve-digit backup code."""
    if is_backup_code(token):
        return staff_backup_code_verify(request=request, user=user, code=token)
    return staff_totp_verify(request=request, user=user, token=backup_code_normalize(token))
