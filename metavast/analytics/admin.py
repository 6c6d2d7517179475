"""The sales and visits dashboard in the admin (issue 13, item 5), for staff with
staff.view_sales_aggregates (marketing, finance, admin): the DailyCount changelist *is* the
dashboard, and `csv/` exports the period's daily aggregate rows. Nothing here lists a person,
so nothing here is a look at personal data to audit."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from metavast.analytics.dashboard import PERIODS, csv_rows, dashboard_build, period_days
from metavast.analytics.models import DailyCount
from metavast.core.text import to_persian_digits

PERMISSION = "staff.view_sales_aggregates"


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (a search term may start with '=')."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.register(DailyCount)
class AnalyticsDashboardAdmin(admin.ModelAdmin):
    change_list_template = "admin/analytics/dashboard.html"

    def has_module_permission(self, request):
        return request.user.has_perm(PERMISSION)

    def has_view_permission(self, request, obj=None):
        return obj is None and request.user.has_perm(PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}

    def get_urls(self):
        return [
            path(
                "csv/",
                self.admin_site.admin_view(self.csv_view),
                name="analytics_dashboard_csv",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = period_days(request.GET.get("days"))
        board = dashboard_build(days=days)
        csv_url = reverse(f"{self.admin_site.name}:analytics_dashboard_csv")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "آمار فروش و بازدید",
            "board": board,
            "periods": [(p, to_persian_digits(p)) for p in PERIODS],
            "csv_url": f"{csv_url}?days={days}",
        }
        return TemplateResponse(request, self.change_list_template, context)

    def csv_view(self, request):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        days = period_days(request.GET.get("days"))
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="metavast-aggregates-{days}d.csv"'
        response.write("\ufeff")  # Excel reads UTF-8 Persian only with a BOM
        writer = csv.writer(response)
        for row in csv_rows(days=days):
            writer.writerow([csv_safe(cell) for cell in row])
        return response
