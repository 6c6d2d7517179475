"""Staff two-factor sign-in (TOTP, django-otp), required before the admin opens.

A staff member without a confirmed device gets an unconfirmed one and a QR code; the first
right code confirms it. django-otp's throttling slows guessing per device.
"""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from metavast.accounts.errors import TotpInvalid
from metavast.accounts.models import User
from metavast.accounts.services.sessions import stepup_mark
from metavast.audit.services import audit_record
from metavast.core.text import to_ascii_digits

DEVICE_NAME = "برنامهٔ احراز هویت"


def staff_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def staff_totp_setup_device(*, user: User) -> TOTPDevice:
    """The unconfirmed device being set up (made once, reused until confirmed)."""
    with transaction.atomic():
        device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_qr_data_url(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def staff_totp_verify(*, request, user: User, token: str) -> TOTPDevice:
    """Check a TOTP code against the confirmed device, or confirm the one being set up."""
    token = to_ascii_digits(str(token or "")).strip()
    device = staff_totp_device(user)
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    allowed, _ = device.verify_is_allowed() if device else (False, None)
    ok = bool(device) and allowed and token.isdigit() and device.verify_token(token)
    with transaction.atomic():
        if not ok:
            audit_record(
                action="accounts.staff_2fa_failed",
                actor=user,
                subject=user,
                after={"enrolling": enrolling},
            )
        else:
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            audit_record(
                action="accounts.staff_2fa_enrolled"
                if enrolling
                else "accounts.staff_2fa_verified",
                actor=user,
                subject=user,
            )
    if not ok:
        raise TotpInvalid()
    otp_login(request, device)
    stepup_mark(request=request)
    return device
