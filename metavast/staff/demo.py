"""Demo staff: one account per role, for trying the back office locally (`make run`).

Each new account gets a random password printed once (never a fixed demo password: a demo
database copied to a server must not open with a known one); staff still enrol TOTP on first
sign-in. Existing accounts are left alone. The role is given by the system (no actor), audited.
"""

from __future__ import annotations

import secrets

from django.db import transaction

from metavast.accounts.models import User
from metavast.audit.services import audit_record
from metavast.staff.models import StaffRole
from metavast.staff.roles import ROLES
from metavast.staff.services import roles_sync, user_role_keys

DEMO_DOMAIN = "staff.metavast.example"


def seed_staff() -> dict[str, str]:
    """email -> the new password ("" when the account already existed)."""
    roles_sync()
    made: dict[str, str] = {}
    with transaction.atomic():
        for spec in ROLES:
            email = f"{spec.key.replace('_', '-')}@{DEMO_DOMAIN}"
            user = User.objects.by_email(email).first()
            password = ""
            if user is None:
                password = secrets.token_urlsafe(12)
                user = User(email=email, first_name=spec.name, last_name="(نمونه)", is_staff=True)
                user.set_password(password)
                user.save()
            if spec.key not in user_role_keys(user):
                before = user_role_keys(user)
                user.groups.add(StaffRole.objects.get(key=spec.key).group)
                audit_record(
                    action="staff.role_assigned",
                    subject=user,
                    before={"roles": before},
                    after={"roles": user_role_keys(user), "role": spec.key, "demo": True},
                )
            made[email] = password
    return made
