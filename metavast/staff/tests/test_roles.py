"""Roles as data (issue 10, item 1): the table, the groups the sync keeps equal to it, the
assignment service's rules, and the management command."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from metavast.audit.models import AuditEvent
from metavast.orders.tests.factories import make_customer
from metavast.staff.errors import RoleAssignForbidden, RoleUnknown
from metavast.staff.models import StaffRole
from metavast.staff.roles import ROLES, ROLES_BY_KEY, RoleSpec
from metavast.staff.services import (
    roles_sync,
    staff_role_assign,
    staff_role_remove,
    user_role_keys,
)

pytestmark = pytest.mark.django_db

CAPABILITIES = {
    "staff.reveal_customer_contact",
    "staff.view_packing_slip",
    "staff.assign_role",
    "staff.view_all_access_history",
    "staff.view_sales_aggregates",
}


def _group_perms(key: str) -> set[str]:
    group = StaffRole.objects.get(key=key).group
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_the_table_has_the_eight_roles_with_persian_names():
    assert [r.key for r in ROLES] == [
        "support",
        "warehouse",
        "catalog",
        "finance",
        "marketing",
        "moderator",
        "legal_officer",
        "admin",
    ]
    for role in ROLES:
        assert role.name and role.description
        assert not any("a" <= ch.lower() <= "z" for ch in role.name + role.description)


def test_capability_permissions_exist_with_the_agreed_codenames():
    found = {
        f"staff.{codename}"
        for codename in Permission.objects.filter(content_type__app_label="staff").values_list(
            "codename", flat=True
        )
    }
    assert found >= CAPABILITIES


def test_migrate_made_one_group_per_role_with_exactly_the_tables_permissions():
    # post_migrate ran the sync when the test database was made.
    assert StaffRole.objects.count() == len(ROLES)
    for role in ROLES:
        assert _group_perms(role.key) == set(role.permissions), role.key


def test_sync_puts_back_a_permission_added_or_removed_by_hand():
    group = StaffRole.objects.get(key="marketing").group
    group.permissions.add(Permission.objects.get(codename="view_user"))
    group.permissions.remove(Permission.objects.get(codename="view_sales_aggregates"))

    roles_sync()

    assert _group_perms("marketing") == set(ROLES_BY_KEY["marketing"].permissions)


def test_sync_reports_a_permission_not_in_the_database_instead_of_crashing(monkeypatch):
    import metavast.staff.services as services

    ghost = RoleSpec(
        "moderator",
        ROLES_BY_KEY["moderator"].name,
        ROLES_BY_KEY["moderator"].description,
        frozenset({"reviews.moderate_review", "catalog.view_product"}),
    )
    monkeypatch.setattr(
        services, "ROLES", tuple(ghost if r.key == "moderator" else r for r in ROLES)
    )

    report = roles_sync()

    assert report.missing == {"moderator": ["reviews.moderate_review"]}
    assert _group_perms("moderator") == {"catalog.view_product"}


# --- Assigning -----------------------------------------------------------------------------


@pytest.fixture
def root():
    return make_customer(is_staff=True, email="root@example.com")  # a superuser


@pytest.fixture
def manager(root):
    user = make_customer(email="manager@example.com")
    return staff_role_assign(user=user, role="admin", actor=root)


def test_superuser_assigns_a_role_which_makes_the_account_staff_and_is_audited(root):
    clerk = make_customer(email="clerk@example.com")
    assert not clerk.is_staff

    clerk = staff_role_assign(user=clerk, role="support", actor=root)

    clerk.refresh_from_db()
    assert clerk.is_staff and not clerk.is_superuser
    assert user_role_keys(clerk) == ["support"]
    assert clerk.has_perm("staff.reveal_customer_contact")
    event = AuditEvent.objects.filter(action="staff.role_assigned").last()
    assert (event.actor_id, event.subject_id) == (root.pk, str(clerk.pk))
    assert event.before == {"roles": []}
    assert event.after == {"roles": ["support"], "role": "support"}


def test_admin_role_assigns_and_removes_an_ordinary_role(manager):
    clerk = make_customer(email="clerk@example.com")
    staff_role_assign(user=clerk, role="warehouse", actor=manager)
    staff_role_assign(user=clerk, role="support", actor=manager)
    assert user_role_keys(clerk) == ["support", "warehouse"]

    staff_role_remove(user=clerk, role="warehouse", actor=manager)

    assert user_role_keys(clerk) == ["support"]
    removed = AuditEvent.objects.get(action="staff.role_removed")
    assert removed.before == {"roles": ["support", "warehouse"]}
    assert removed.after == {"roles": ["support"], "role": "warehouse"}


@pytest.mark.parametrize(
    "case",
    ["self", "admin_role", "superuser_target", "no_admin_role", "inactive"],
)
def test_assignment_rules_refuse_and_change_nothing(root, manager, case):
    clerk = make_customer(email="clerk@example.com")
    actor, user, role = manager, clerk, "support"
    if case == "self":
        user = manager
    elif case == "admin_role":
        role = "admin"
    elif case == "superuser_target":
        user = root
    elif case == "no_admin_role":
        # Holding assign_role directly, without the admin role, is not enough.
        actor = make_customer(email="other@example.com")
        actor.is_staff = True
        actor.save()
        actor.user_permissions.add(Permission.objects.get(codename="assign_role"))
    elif case == "inactive":
        manager.is_active = False
        manager.save()
    before = (sorted(user.groups.values_list("pk", flat=True)), AuditEvent.objects.count())

    with pytest.raises(RoleAssignForbidden):
        staff_role_assign(user=user, role=role, actor=actor)

    assert (sorted(user.groups.values_list("pk", flat=True)), AuditEvent.objects.count()) == before


def test_nobody_but_a_superuser_removes_the_admin_role(root, manager):
    other = staff_role_assign(user=make_customer(email="o@example.com"), role="admin", actor=root)
    with pytest.raises(RoleAssignForbidden):
        staff_role_remove(user=other, role="admin", actor=manager)
    staff_role_remove(user=other, role="admin", actor=root)
    assert user_role_keys(other) == []


# QA report 2, item 5: the last role removed makes a customer a customer again.


def test_removing_the_last_role_makes_the_account_a_customer_again_and_is_audited(manager):
    customer = make_customer(email="briefly@example.com")
    staff_role_assign(user=customer, role="legal_officer", actor=manager)
    customer.refresh_from_db()
    assert customer.is_staff

    staff_role_remove(user=customer, role="legal_officer", actor=manager)

    customer.refresh_from_db()
    assert not customer.is_staff and not customer.is_superuser
    assert user_role_keys(customer) == [] and not customer.groups.exists()
    removed = AuditEvent.objects.get(action="staff.role_removed")
    assert (removed.actor_id, removed.subject_id) == (manager.pk, str(customer.pk))
    assert removed.before == {"roles": ["legal_officer"], "is_staff": True}
    assert removed.after == {"roles": [], "role": "legal_officer", "is_staff": False}
    # Staff rules now see a customer: another staff member may manage the account again.
    from metavast.accounts.services.staff import staff_may_manage

    support = staff_role_assign(user=make_customer(), role="support", actor=manager)
    assert staff_may_manage(actor=support, target=customer)


def test_removing_one_of_two_roles_keeps_the_account_staff(manager):
    clerk = make_customer(email="clerk@example.com")
    staff_role_assign(user=clerk, role="support", actor=manager)
    staff_role_assign(user=clerk, role="finance", actor=manager)

    staff_role_remove(user=clerk, role="finance", actor=manager)

    clerk.refresh_from_db()
    assert clerk.is_staff and user_role_keys(clerk) == ["support"]
    assert "is_staff" not in AuditEvent.objects.get(action="staff.role_removed").after


def test_a_superuser_stays_staff_without_roles(root):
    other_root = make_customer(is_staff=True, email="root2@example.com")
    staff_role_assign(user=other_root, role="finance", actor=root)

    staff_role_remove(user=other_root, role="finance", actor=root)

    other_root.refresh_from_db()
    assert other_root.is_staff and other_root.is_superuser


def test_a_direct_permission_or_another_group_keeps_the_account_staff(root):
    # What a superuser granted besides roles is theirs to take away, with the flag.
    direct = make_customer(email="direct@example.com")
    staff_role_assign(user=direct, role="support", actor=root)
    direct.user_permissions.add(Permission.objects.get(codename="view_sales_aggregates"))
    grouped = make_customer(email="grouped@example.com")
    staff_role_assign(user=grouped, role="support", actor=root)
    grouped.groups.add(Group.objects.create(name="گروه دستی"))

    staff_role_remove(user=direct, role="support", actor=root)
    staff_role_remove(user=grouped, role="support", actor=root)

    direct.refresh_from_db()
    grouped.refresh_from_db()
    assert direct.is_staff and grouped.is_staff


def test_a_failed_audit_leaves_the_role_and_the_flag(manager, monkeypatch):
    import metavast.staff.services as staff_services

    customer = make_customer(email="briefly@example.com")
    staff_role_assign(user=customer, role="legal_officer", actor=manager)

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(staff_services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        staff_role_remove(user=customer, role="legal_officer", actor=manager)

    customer.refresh_from_db()
    assert customer.is_staff and user_role_keys(customer) == ["legal_officer"]


def test_an_unknown_role_is_refused(root):
    with pytest.raises(RoleUnknown):
        staff_role_assign(user=make_customer(), role="janitor", actor=root)


def test_raw_groups_stay_superuser_only_in_the_admin():
    # Role groups are ordinary auth groups: the GroupAdmin still refuses non-superusers.
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = make_customer(email="x@example.com")
    group_admin = admin.site._registry[Group]
    assert not group_admin.has_change_permission(request)
    assert not group_admin.has_add_permission(request)


# --- The command ---------------------------------------------------------------------------


def test_command_assigns_lists_and_removes(root, capsys):
    clerk = make_customer(email="clerk@example.com")

    call_command("staff_role", "assign", "clerk@example.com", "finance")
    call_command("staff_role", "list", "clerk@example.com")
    out = capsys.readouterr().out
    assert "clerk@example.com: finance" in out
    call_command("staff_role", "remove", "clerk@example.com", "finance")

    assert user_role_keys(clerk) == []
    assert (
        AuditEvent.objects.filter(actor_id=root.pk, action__startswith="staff.role_").count() == 2
    )


def test_command_refuses_an_unknown_person_and_self_assignment(root):
    with pytest.raises(CommandError):
        call_command("staff_role", "assign", "nobody@example.com", "finance")
    with pytest.raises(CommandError):
        call_command("staff_role", "assign", "root@example.com", "finance")


def test_demo_seed_makes_one_account_per_role_once_with_a_random_password():
    from metavast.staff.demo import seed_staff

    first = seed_staff()
    again = seed_staff()

    assert len(first) == len(ROLES) and all(len(p) >= 16 for p in first.values())
    assert set(again) == set(first) and set(again.values()) == {""}
    for role in ROLES:
        user = StaffRole.objects.get(key=role.key).group.user_set.get()
        assert user.is_staff and not user.is_superuser and user_role_keys(user) == [role.key]
