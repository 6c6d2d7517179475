"""Access matrix rows for storefront (format: metavast/staff/tests/access_matrix_format.py)."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import NOBODY, PUBLIC, Action, AdminModel, Route


def _page(w):
    from metavast.storefront.models import Page

    return w.once(
        "page", lambda: Page.objects.create(slug="matrix-page", title="صفحهٔ آزمایشی", body="متن")
    )


ROWS = [
    AdminModel(
        "storefront.page", view={"catalog", "admin"}, add={"catalog"}, delete=NOBODY, obj=_page
    ),
    Action("storefront.page", "delete_selected"),
    Route("storefront:home", audience=PUBLIC),
    Route("storefront:page", audience=PUBLIC),
    Route("api:list_pages", audience=PUBLIC),
    Route("api:get_page", audience=PUBLIC),
]
