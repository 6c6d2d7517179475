"""Legal officers and disclosure requests for tests (never used by production code)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

from django.contrib.auth.models import Permission
from django.utils import timezone

from metavast.accounts.models import User
from metavast.legal.models import DataCategory
from metavast.legal.services import Scope, disclosure_request_create

OFFICER_PERMISSIONS = (
    "view_disclosurerequest",
    "add_disclosurerequest",
    "approve_disclosurerequest",
    "download_disclosurepackage",
)
_numbers = itertools.count(1)


def make_officer(*, permissions=OFFICER_PERMISSIONS, first_name: str = "افسر") -> User:
    """A staff member (not a superuser) with exactly `permissions` of the legal app."""
    n = next(_numbers)
    user = User.objects.create(
        email=f"officer{n}-{uuid.uuid4().hex[:6]}@example.com",
        first_name=first_name,
        last_name=f"حقوقی {n}",
        is_staff=True,
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="legal", codename__in=permissions)
    )
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


def make_request(
    *,
    officer: User,
    customers: list[str],
    categories=(DataCategory.IDENTITY, DataCategory.ORDERS),
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    notify_customers: bool = True,
    no_notice_reason: str = "",
    authority_type: str = "judiciary",
    letter_number: str = "۹۸۷۶/ق/۱۴۰۵",
):
    today = timezone.localdate()
    return disclosure_request_create(
        actor=officer,
        authority_name="دادسرای عمومی و انقلاب تهران",
        authority_type=authority_type,
        letter_number=letter_number,
        letter_date=today,
        legal_basis="مادهٔ ۴۸ قانون آیین دادرسی جرایم رایانه‌ای",
        scope=Scope(
            customers=customers,
            categories=list(categories),
            period_start=period_start or today - dt.timedelta(days=30),
            period_end=period_end or today,
        ),
        notify_customers=notify_customers,
        no_notice_reason=no_notice_reason,
    )
