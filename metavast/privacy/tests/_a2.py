"""Helpers shared by the data-copy and erasure tests (part A2 of issue 11)."""

from __future__ import annotations

import io
import re
import time
import zipfile

from metavast.accounts.models import UserSession
from metavast.accounts.services.addresses import AddressInput, address_create
from metavast.accounts.services.sessions import BACKEND, STEPUP_SESSION_KEY
from metavast.notifications.models import OutboxMessage


def signin(client, user, *, fresh: bool = True) -> None:
    client.force_login(user, backend=BACKEND)
    if fresh:
        session = client.session
        session[STEPUP_SESSION_KEY] = time.time()
        session.save()


def other_receiver_address(user, **names):
    return address_create(
        user=user,
        data=AddressInput(
            province="tehran",
            city="تهران",
            street=names.get("street", "خیابان یاس"),
            plaque="7",
            postal_code=names.get("postal_code", "1476543210"),
            receiver_is_self=False,
            receiver_first_name=names.get("first", "کیان"),
            receiver_last_name=names.get("last", "رستمی"),
            receiver_mobile=names.get("mobile", "09351112233"),
        ),
    )


def app_session(user, *, ip="203.0.113.9"):
    return UserSession.objects.create(
        user=user,
        kind="app",
        refresh_hash=f"h-{user.pk}-{time.time_ns()}",
        ip=ip,
        user_agent="MetavastApp/1.0 (Android 14)",
    )


def link_token(user, template="privacy/export_ready") -> str:
    message = OutboxMessage.objects.filter(user=user, template=template, channel="email").last()
    assert message is not None, f"no {template} to user {user.pk}"
    return re.search(r"/privacy/export/download/([A-Za-z0-9_\-]+)/", message.body).group(1)


def unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
