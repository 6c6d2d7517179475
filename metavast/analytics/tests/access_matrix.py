"""Access matrix rows for the sales and visits dashboard (format:
metavast/staff/tests/access_matrix_format.py): staff.view_sales_aggregates only."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import Action, AdminModel, Route

SALES = frozenset({"marketing", "finance", "admin"})

ROWS = [
    AdminModel(
        "analytics.dailycount",
        view=SALES,
        obj=None,
        note="the changelist is the dashboard; rows have no change page (view only)",
    ),
    Action("analytics.dailycount", "delete_selected", note="the dashboard offers no actions"),
    Route("admin:analytics_dashboard_csv", allowed=SALES),
    Route("admin:app_list", allowed=SALES, args=("analytics",)),
]
