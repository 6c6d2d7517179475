"""Staff roles (issue 10): one auth Group per role, named in code (metavast/staff/roles.py).

A role is data so that Django's permission machinery enforces it everywhere (admin, views,
API); the table in roles.py is the truth and `roles_sync` keeps each group's permissions
equal to it. The capability permissions below are not about one model: they name purposes
(reveal a customer's contacts with a reason, open a packing slip, assign roles, ...).
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models


class StaffRole(models.Model):
    # The role's key in roles.ROLES ("support", "warehouse", ...): stable, never shown.
    key = models.CharField("شناسه", max_length=32, unique=True)
    name = models.CharField("نام نقش", max_length=80)
    description = models.CharField("شرح", max_length=300, blank=True)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="staffrole", verbose_name="گروه"
    )

    class Meta:
        verbose_name = "نقش کارکنان"
        verbose_name_plural = "نقش‌های کارکنان"
        ordering = ("pk",)
        permissions = [
            ("reveal_customer_contact", "دیدن اطلاعات تماس مشتری با ذکر دلیل"),
            ("view_packing_slip", "دیدن برگهٔ بسته‌بندی سفارش‌های در حال آماده‌سازی"),
            ("assign_role", "دادن و گرفتن نقش کارکنان"),
            ("view_all_access_history", "دیدن سابقهٔ دسترسی همهٔ کارکنان"),
            ("view_sales_aggregates", "دیدن آمار فروش (بدون فهرست اشخاص)"),
        ]

    def __str__(self) -> str:
        return self.name
