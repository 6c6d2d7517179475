from django.conf import settings
from django.contrib import admin
from django.urls import include, path, register_converter

from config.api import api
from config.metrics import metrics_view
from metavast.accounts.admin_guard import protect_admin
from metavast.core import health
from metavast.core.converters import IdConverter
from metavast.staff.dashboard import install_staff_home
from metavast.storefront import views as storefront_views

# Before any app's URLs are read: they use <id:...> for database ids.
register_converter(IdConverter, "id")

admin.site.site_header = "مدیریت متاوست"
admin.site.site_title = "مدیریت متاوست"
admin.site.index_title = "پیشخوان"
# Staff TOTP two-factor before the admin opens; must come before admin.site.urls is read.
protect_admin(admin.site)
# The admin's index is the staff home: the day's queues by role, then the sections.
install_staff_home(admin.site)

urlpatterns = [
    path(f"{settings.ADMIN_PATH}/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("metavast.accounts.urls")),
    path("cart/", include("metavast.cart.urls")),
    path("checkout/", include("metavast.checkout.urls")),
    path("orders/", include("metavast.orders.urls")),
    path("payments/", include("metavast.payments.urls")),
    # Issue 17: /healthz is liveness, like /livez (readiness with the dependencies: /readyz).
    path("healthz", health.livez, name="healthz"),
    path("ping", storefront_views.ping, name="ping"),
    # Issue 17: liveness, readiness (database, cache, broker, replica) and Prometheus.
    path("livez", health.livez, name="livez"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("invoices/", include("metavast.invoices.urls")),
    path("legal/", include("metavast.legal.urls")),
    path("reviews/", include("metavast.reviews.urls")),
    path("consent/", include("metavast.consent.urls")),
    path("privacy/", include("metavast.privacy.urls")),
    path("", include("metavast.storefront.urls")),
    path("", include("metavast.catalog.urls")),
]

if getattr(settings, "SERVE_MEDIA", False):
    # The embedded default (and tests) serve product images themselves; production's web
    # server serves MEDIA_ROOT directly.
    from django.urls import re_path

    from metavast.catalog.views import serve_media

    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve_media)]

handler400 = "metavast.storefront.views.error_400"
handler403 = "metavast.storefront.views.error_403"
handler404 = "metavast.storefront.views.error_404"
# A database that is down or restarting: a Persian 503 instead of a 500 (config/error_handlers.py).
handler500 = "config.error_handlers.server_error"
