"""Staff two-factor sign-in (TOTP, django-otp), and the rules of staff account management.

A staff member without a confirmed device gets an unconfirmed one and a QR code; the first
right code confirms it. django-otp's throttling slows guessing per device.

Privileges (the staff and superuser flags, groups and direct permissions) are changed only by
a superuser, and never by anyone on their own account: a staff member with `change_user`
could otherwise make themself superuser. A staff member who is not a superuser manages
customers only: other staff and superusers are out of reach (no edit, delete or password).
The admin enforces this by making the fields read-only; `user_privileges_changed` checks it
again after the form saved, inside the same transaction, and records the change.
"""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from metavast.accounts.errors import StaffActionForbidden, TotpInvalid
from metavast.accounts.models import User, UserSession
from metavast.accounts.services.auth import password_set
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


# --- Staff managing accounts: privileges, passwords, devices ------------------------------


def staff_may_manage(*, actor: User, target: User | None) -> bool:
    """May `actor` edit, delete or set the password of `target` (None: a new account)?

    Superusers manage everyone; other staff manage customers and their own account (never its
    privileges), not other staff nor superusers.
    """
    if target is None or actor.is_superuser or target.pk == actor.pk:
        return True
    return not (target.is_staff or target.is_superuser)


def staff_may_change_privileges(*, actor: User, target: User | None) -> bool:
    return bool(actor.is_active and actor.is_superuser) and (
        target is None or target.pk != actor.pk
    )


def permission_names(permissions) -> list[str]:
    """`app_label.codename` of a permission queryset, sorted: stable for before/after."""
    return sorted(
        f"{app}.{codename}"
        for app, codename in permissions.values_list("content_type__app_label", "codename")
    )


def user_privileges(user: User) -> dict:
    """What `user` may do, as stored: flags, group names and permission names, sorted."""
    fresh = User.objects.filter(pk=user.pk).values("is_staff", "is_superuser").first() or {}
    return {
        "is_staff": bool(fresh.get("is_staff")),
        "is_superuser": bool(fresh.get("is_superuser")),
        "groups": sorted(user.groups.values_list("name", flat=True)) if fresh else [],
        "user_permissions": permission_names(user.user_permissions) if fresh else [],
    }


NO_PRIVILEGES = {"is_staff": False, "is_superuser": False, "groups": [], "user_permissions": []}


def user_privileges_changed(*, actor: User, user: User, before: dict) -> dict:
    """Check and record what a staff form just saved to `user`'s privileges.

    Called in the transaction that saved the form, with `before` read before saving. A change
    the actor may not make raises StaffActionForbidden, which rolls the whole save back.
    Returns the changed keys' new values (empty when nothing changed).
    """
    after = user_privileges(user)
    changed = [key for key in after if after[key] != before.get(key)]
    if not changed:
        return {}
    if not staff_may_change_privileges(actor=actor, target=user):
        raise StaffActionForbidden()
    with transaction.atomic():
        audit_record(
            action="accounts.privileges_changed_by_staff",
            actor=actor,
            subject=user,
            before={key: before.get(key) for key in changed},
            after={key: after[key] for key in changed},
        )
    return {key: after[key] for key in changed}


def group_permissions_changed(*, actor: User, group, before: list[str] | None) -> None:
    """Record a change of a group's permissions (every member's privileges change with it)."""
    after = permission_names(group.permissions)
    if before is not None and after == before:
        return
    if not (actor.is_active and actor.is_superuser):
        raise StaffActionForbidden()
    with transaction.atomic():
        audit_record(
            action="accounts.group_permissions_changed_by_staff",
            actor=actor,
            subject=group,
            before={"name": group.name, "permissions": before},
            after={"name": group.name, "permissions": after},
        )


def group_delete(*, actor: User, group) -> None:
    """Delete a group (superusers only): its members lose what it granted, so it is recorded."""
    if not (actor.is_active and actor.is_superuser):
        raise StaffActionForbidden()
    with transaction.atomic():
        audit_record(
            action="accounts.group_deleted_by_staff",
            actor=actor,
            subject=group,
            before={
                "name": group.name,
                "permissions": permission_names(group.permissions),
                "members": group.user_set.count(),
            },
        )
        group.delete()


def staff_password_set(
    *, actor: User, user: User, new_password: str, keep: UserSession | None
) -> User:
    """A staff member sets `user`'s password: the customer's own service does the work
    (validation, every other session ended, the owner told), and who did it is recorded."""
    if not staff_may_manage(actor=actor, target=user):
        raise StaffActionForbidden()
    with transaction.atomic():
        password_set(user=user, new_password=new_password, keep=keep, reason="staff")
        audit_record(
            action="accounts.password_set_by_staff",
            actor=actor,
            subject=user,
            after={"own_account": actor.pk == user.pk},
        )
    return user


def staff_user_delete(*, actor: User, user: User) -> None:
    if not staff_may_manage(actor=actor, target=user) or actor.pk == user.pk:
        raise StaffActionForbidden()
    with transaction.atomic():
        audit_record(
            action="accounts.user_deleted_by_staff",
            actor=actor,
            subject=user,
            before={"is_staff": user.is_staff, "is_superuser": user.is_superuser},
        )
        user.delete()


def otp_device_delete(*, actor: User, device) -> None:
    """Remove a two-factor device (superusers only): its owner must enrol again."""
    if not (actor.is_active and actor.is_superuser):
        raise StaffActionForbidden()
    with transaction.atomic():
        audit_record(
            action="accounts.otp_device_deleted_by_staff",
            actor=actor,
            subject=device,
            before={
                "user_id": device.user_id,
                "name": device.name,
                "confirmed": device.confirmed,
            },
        )
        device.delete()


def staff_read_record(
    *, actor: User, action: str, subject_type: str = "", subject_id="", after: dict | None = None
) -> None:
    """One audit row for one look at personal data or secrets' metadata (P8)."""
    with transaction.atomic():
        audit_record(
            action=action,
            actor=actor,
            subject_type=subject_type,
            subject_id=subject_id,
            after=after,
        )


def staff_role_names(actor: User) -> list[str]:
    """The actor's staff roles (metavast.staff's role keys), read through the group relation
    by name so that accounts never imports the staff app above it."""
    if actor is None or not getattr(actor, "pk", None):
        return []
    roles = sorted(
        actor.groups.filter(staffrole__isnull=False).values_list("staffrole__key", flat=True)
    )
    return ["superuser", *roles] if actor.is_superuser else roles


def staff_personal_data_viewed(
    *,
    actor: User,
    subject=None,
    subject_type: str = "",
    subject_id="",
    fields: list[str] | tuple[str, ...] = (),
    reason: str = "",
    purpose: str = "",
    action: str = "staff.personal_data_viewed",
) -> None:
    """One look at personal data (issue 10, P8): who, in which role(s), why (when a reason was
    asked), which object and which fields were shown, never the values. `action` keeps an
    older, more specific action name where one exists."""
    after = {"roles": staff_role_names(actor), "fields": sorted(fields)}
    if reason:
        after["reason"] = reason
    if purpose:
        after["purpose"] = purpose
    with transaction.atomic():
        audit_record(
            action=action,
            actor=actor,
            subject=subject,
            subject_type=subject_type,
            subject_id=subject_id,
            after=after,
        )
