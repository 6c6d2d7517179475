"""Writes for staff roles: keeping the groups equal to roles.ROLES, assigning and removing.

Who may assign: a superuser, or an active holder of the `admin` role with staff.assign_role.
Nobody assigns to or removes from themselves; only a superuser gives or takes the `admin`
role or touches a superuser's account. Assigning makes the account staff; removing the last
thing that made it staff makes it a customer again (`staff_role_remove`). Every change is
audited in the same transaction (`staff.role_assigned` / `staff.role_removed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from metavast.accounts.models import User
from metavast.audit.services import audit_record
from metavast.staff.errors import RoleAssignForbidden, RoleUnknown
from metavast.staff.models import StaffRole
from metavast.staff.roles import ADMIN, ROLES, ROLES_BY_KEY


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # role -> permissions not in DB


def _permissions(names) -> tuple[list[Permission], list[str]]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = [
        perm
        for perm in Permission.objects.select_related("content_type").filter(
            codename__in={codename for _, codename in wanted}
        )
        if (perm.content_type.app_label, perm.codename) in wanted
    ]
    have = {f"{p.content_type.app_label}.{p.codename}" for p in found}
    return found, sorted(set(names) - have)


def roles_sync() -> SyncReport:
    """One group per role, with exactly the table's permissions (those that exist yet)."""
    report = SyncReport()
    with transaction.atomic():
        for spec in ROLES:
            role = StaffRole.objects.filter(key=spec.key).select_related("group").first()
            if role is None:
                group, _ = Group.objects.get_or_create(name=spec.name)
                role = StaffRole.objects.create(
                    key=spec.key, name=spec.name, description=spec.description, group=group
                )
                report.created.append(spec.key)
            elif (role.name, role.description) != (spec.name, spec.description):
                role.name, role.description = spec.name, spec.description
                role.save(update_fields=["name", "description"])
                if role.group.name != spec.name:
                    role.group.name = spec.name
                    role.group.save(update_fields=["name"])
            found, missing = _permissions(spec.permissions)
            role.group.permissions.set(found)
            if missing:
                report.missing[spec.key] = missing
    return report


def user_role_keys(user: User) -> list[str]:
    return sorted(
        StaffRole.objects.filter(group__user=user).values_list("key", flat=True).distinct()
    )


def staff_may_assign(*, actor: User, user: User, role: str) -> bool:
    if not actor.is_active or actor.pk == user.pk:
        return False
    if actor.is_superuser:
        return True
    if role == ADMIN or user.is_superuser:
        return False
    return ADMIN in user_role_keys(actor) and actor.has_perm("staff.assign_role")


def _role(role: str) -> StaffRole:
    if role not in ROLES_BY_KEY:
        raise RoleUnknown()
    found = StaffRole.objects.select_related("group").filter(key=role).first()
    if found is None:  # the table has it but the sync has not run yet
        roles_sync()
        found = StaffRole.objects.select_related("group").get(key=role)
    return found


def staff_role_assign(*, user: User, role: str, actor: User) -> User:
    staff_role = _role(role)
    if not staff_may_assign(actor=actor, user=user, role=role):
        raise RoleAssignForbidden()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = user_role_keys(user)
        user.groups.add(staff_role.group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        audit_record(
            action="staff.role_assigned",
            actor=actor,
            subject=user,
            before={"roles": before},
            after={"roles": user_role_keys(user), "role": role},
        )
    return user


def staff_role_remove(*, user: User, role: str, actor: User) -> User:
    staff_role = _role(role)
    if not staff_may_assign(actor=actor, user=user, role=role):
        raise RoleAssignForbidden()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = {"roles": user_role_keys(user)}
        user.groups.remove(staff_role.group)
        after = {"roles": user_role_keys(user), "role": role}
        if user.is_staff and not _still_staff(user):
            # A customer who held a role for a day must not stay "staff" for ever: the flag
            # decides who the audit names and whose contacts support may reveal.
            user.is_staff = False
            user.save(update_fields=["is_staff"])
            before["is_staff"], after["is_staff"] = True, False
        audit_record(
            action="staff.role_removed",
            actor=actor,
            subject=user,
            before=before,
            after=after,
        )
    return user


def _still_staff(user: User) -> bool:
    """Whether something besides the removed role keeps `user` staff: being a superuser (the
    flag is theirs, not a role's), or any group or direct permission a superuser gave."""
    return user.is_superuser or user.groups.exists() or user.user_permissions.exists()
