"""Audit events read in Persian: every action code has words, every actor a name and role."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from metavast.audit.labels import ACTION_LABELS, action_label, actor_display
from metavast.audit.models import AuditEvent
from metavast.audit.services import audit_record
from metavast.orders.tests.factories import make_customer

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(
    r"^(accounts|audit|catalog|cart|checkout|orders|payments|invoices|notifications|legal|staff"
    r"|security|privacy|consent|reviews|marketing)\.[a-z][a-z_0-9]*$"
)


def _strings(node) -> set[str]:
    """Action-code-like strings in an expression (a constant, either branch of `a if c else b`),
    with an f-string code expanded over its values (invoices.{kind}_issued)."""
    found = set()
    for part in ast.walk(node):
        if (
            isinstance(part, ast.Constant)
            and isinstance(part.value, str)
            and CODE.match(part.value)
        ):
            found.add(part.value)
        if isinstance(part, ast.JoinedStr):
            text = "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in part.values)
            if text == "invoices.{}_issued":
                found.update({"invoices.invoice_issued", "invoices.credit_note_issued"})
            elif "{}" in text:
                found.add(text)  # an f-string code nobody expanded here: fails until listed
    return found


def _source_action_codes() -> set[str]:
    """Every code the source passes as `action=...` or assigns to a variable named `action`
    (tests and migrations aside)."""
    codes = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "action":
                codes |= _strings(node.value)
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "action" for t in node.targets
            ):
                codes |= _strings(node.value)
    return codes


@pytest.mark.django_db
def test_every_action_code_in_the_source_has_a_persian_label():
    codes = _source_action_codes()
    assert "orders.status_changed" in codes  # the scan sees the code
    missing = sorted(code for code in codes if code not in ACTION_LABELS)
    assert missing == []


def test_action_label():
    assert action_label("orders.status_changed") == "تغییر وضعیت سفارش"
    assert action_label("unknown.code") == "unknown.code"  # shown as it is, never hidden


@pytest.mark.django_db
def test_actor_display_names_the_staff_member_and_roles():
    staff = make_customer(is_staff=True, first_name="سارا", last_name="رضایی")
    staff.is_superuser = False
    staff.save()
    staff.groups.add(Group.objects.get_or_create(name="پشتیبانی")[0])
    event = audit_record(action="orders.status_changed", actor=staff)
    event.refresh_from_db()
    assert event.actor_label.startswith("staff:")
    assert actor_display(event) == "سارا رضایی (پشتیبانی)"


@pytest.mark.django_db
def test_actor_display_customer_system_and_deleted_staff():
    customer = make_customer(first_name="مریم")
    event = audit_record(action="accounts.signin", actor=customer)
    assert (
        actor_display(event) == f"مشتری {''.join('۰۱۲۳۴۵۶۷۸۹'[int(d)] for d in str(customer.pk))}"
    )
    assert "مریم" not in actor_display(event)
    assert actor_display(audit_record(action="payments.started")) == "سامانه"
    gone = AuditEvent(actor_id=987654, actor_label="staff:987654", action="x")
    assert actor_display(gone) == "کارمند ۹۸۷۶۵۴ (حساب حذف‌شده)"


@pytest.mark.django_db
def test_audit_admin_list_shows_persian_action_and_person(admin_client, admin_user):
    admin_user.first_name, admin_user.last_name = "علی", "مدیری"
    admin_user.save()
    audit_record(action="orders.status_changed", actor=admin_user)
    html = admin_client.get("/admin/audit/auditevent/").content.decode()
    assert "تغییر وضعیت سفارش" in html
    assert "علی مدیری (مدیر راه‌اندازی)" in html
    assert "staff:" not in html
