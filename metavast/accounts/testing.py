"""Test helpers other apps may import (never used by production code).

Staff must pass TOTP before the admin opens, so a test client that only `force_login`s a
staff user sees the admin's redirect. `verify_staff_client` does what a right code on
/accounts/staff/2fa/ does: a confirmed device, and the session marked verified with it.
The root conftest can wrap pytest-django's `admin_client` with it.
"""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def verify_staff_client(client, user):
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
