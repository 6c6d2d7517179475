from django.urls import path, register_converter

from metavast.catalog import views


class UnicodeSlug:
    """Persian slugs: letters and digits of any script, '-' and '_' (no NUL, no slash)."""

    regex = r"[-\w]{1,220}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UnicodeSlug, "uslug")

app_name = "catalog"

urlpatterns = [
    path("c/<uslug:slug>/", views.category, name="category"),
    path("product/<uslug:slug>/", views.product, name="product"),
    path("search/", views.search_page, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path(
        "sitemap.xml",
        views.sitemap_index,
        {"sitemaps": views.SITEMAPS, "sitemap_url_name": "catalog:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        views.sitemap_section,
        {"sitemaps": views.SITEMAPS},
        name="sitemap-section",
    ),
]
