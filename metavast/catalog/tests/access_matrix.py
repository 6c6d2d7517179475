"""Access matrix rows for catalog (format: metavast/staff/tests/access_matrix_format.py).

Catalog data holds no personal data: viewing is wide, writing is the catalog role's."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import ALL, NOBODY, PUBLIC, Action, AdminModel, Route

CATALOG = frozenset({"catalog"})


def _category(w):
    return w.product.category


def _brand(w):
    from metavast.catalog.models import Brand

    return w.once("brand", lambda: Brand.objects.create(name="برند ماتریس", slug="matrix-brand"))


def _attribute(w):
    from metavast.catalog.models import Attribute

    return w.once("attribute", lambda: Attribute.objects.create(name="رنگ ماتریس"))


def _synonym(w):
    from metavast.catalog.models import SearchSynonym

    return w.once(
        "synonym",
        lambda: SearchSynonym.objects.create(phrase="گوشی", equivalents="موبایل، تلفن همراه"),
    )


def _query(w):
    from django.utils import timezone

    from metavast.catalog.models import ZeroResultQuery

    now = timezone.now()
    return w.once(
        "zrq",
        lambda: ZeroResultQuery.objects.create(query="ناپیدا", first_seen=now, last_seen=now),
    )


ROWS = [
    AdminModel(
        "catalog.category",
        view={"catalog", "marketing", "admin"},
        add=CATALOG,
        delete=CATALOG,
        obj=_category,
    ),
    AdminModel("catalog.brand", view=CATALOG, add=CATALOG, delete=CATALOG, obj=_brand),
    AdminModel("catalog.attribute", view=CATALOG, add=CATALOG, delete=CATALOG, obj=_attribute),
    AdminModel(
        "catalog.product",
        view={"support", "warehouse", "catalog", "marketing", "admin"},
        add=CATALOG,
        delete=CATALOG,
        obj=lambda w: w.product,
    ),
    AdminModel(
        "catalog.variant",
        view={"support", "warehouse", "catalog", "admin"},
        add=NOBODY,
        delete=CATALOG,
        obj=lambda w: w.variant,
    ),
    AdminModel(
        "catalog.zeroresultquery",
        view={"catalog", "marketing"},
        add=NOBODY,
        delete=NOBODY,
        obj=_query,
        note="search terms that found nothing: aggregate counts, no person",
    ),
    AdminModel("catalog.searchsynonym", view=CATALOG, add=CATALOG, delete=CATALOG, obj=_synonym),
    Action("catalog.searchsynonym", "delete_selected", allowed=CATALOG),
    Action("catalog.category", "delete_selected", allowed=CATALOG),
    Action("catalog.brand", "delete_selected", allowed=CATALOG),
    Action("catalog.attribute", "delete_selected", allowed=CATALOG),
    Action("catalog.product", "delete_selected", allowed=CATALOG),
    Action("catalog.product", "bulk_price", allowed=CATALOG),
    Action("catalog.product", "bulk_stock", allowed=CATALOG),
    Action("catalog.variant", "delete_selected", allowed=CATALOG),
    Action("catalog.zeroresultquery", "delete_selected"),
    # The category tree's own screens (move by drag and drop, lazy children).
    Route(
        "admin/catalog/category/move/",
        audience=PUBLIC,
        note="POST-only tree move; checked by its own tests",
    ),
    Route(
        "admin/catalog/category/children/<str:parent_id>/",
        audience=PUBLIC,
        note="tree children; checked by its own tests",
    ),
    Route("admin:javascript-catalog", allowed=ALL, note="the tree's translations, no data"),
    # The variant CSV (catalog data, no person): export for viewers, import for editors.
    Route("admin:catalog_variant_export", allowed={"support", "warehouse", "catalog", "admin"}),
    Route("admin:catalog_variant_import", allowed={"warehouse", "catalog"}),
    Route(
        "admin:catalog_variant_process_import",
        allowed={"warehouse", "catalog"},
        method="POST",
        ok=(200, 302),
    ),
    # The shop's public pages.
    Route("catalog:category", audience=PUBLIC),
    Route("catalog:product", audience=PUBLIC),
    Route("catalog:search", audience=PUBLIC),
    Route("catalog:suggest", audience=PUBLIC),
    Route("catalog:sitemap", audience=PUBLIC),
    Route("catalog:sitemap-section", audience=PUBLIC),
    Route("api:categories", audience=PUBLIC),
    Route("api:products", audience=PUBLIC),
    Route("api:product_detail", audience=PUBLIC),
]
