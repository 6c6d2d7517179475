"""Password-reset delivery: the half of a reset request that runs after the answer.

A reset request must not tell, by its answer or by its timing, whether an account exists
for what was typed. So the request (`auth.password_reset_request`) does the same work for
every address: it checks the send limits, writes one audit row and queues the task
`accounts.password_reset_deliver` with the address sealed (encrypted: the broker never
holds it in clear). Only here, in the task, is the account looked up, and only a confirmed
contact of an active account receives anything: a link to the confirmed email, a code to
the confirmed mobile. An unknown mobile still gets a stored code that no one receives, so
verifying a guess costs the same for every number.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from metavast.accounts.backends import user_by_identifier
from metavast.accounts.models import CodePurpose, User
from metavast.accounts.services.codes import code_request
from metavast.audit.services import audit_record
from metavast.core import crypto
from metavast.notifications.services import notify

# The fixed last path segment that replaces a reset token once it has moved into the
# session (as Django's PasswordResetConfirmView does).
RESET_URL_TOKEN = "set-password"


def password_reset_link_path(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"/accounts/password/reset/{uid}/{token}/"


def _reset_target(user: User | None) -> bool:
    return user is not None and user.is_active


def password_reset_deliver(*, kind: str, sealed_address: str, base_url: str) -> bool:
    """Send the reset link or code if `sealed_address` is a confirmed contact of an active
    account; returns whether something was sent. Limits were checked by the request."""
    address = crypto.decrypt(sealed_address)
    user = user_by_identifier(address)
    if kind == "mobile":
        deliver = _reset_target(user) and user.confirmed_mobile == address
        code_request(
            mobile=address,
            purpose=CodePurpose.RESET,
            ip=None,
            deliver=deliver,
            check_limits=False,
        )
        return deliver
    confirmed = (user.confirmed_email or "") if _reset_target(user) else ""
    # The lookup is case-insensitive; the mail goes to the stored, confirmed address.
    if not confirmed or confirmed.lower() != address.lower():
        return False
    with transaction.atomic():
        notify(
            user=user,
            template="accounts/password_reset",
            context={
                "link": f"{base_url.rstrip('/')}{password_reset_link_path(user)}",
                "minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60),
            },
            channels=("email",),
        )
        audit_record(
            action="accounts.password_reset_sent",
            subject=user,
            after={"channel": "email"},
        )
    return True
