from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.api import api
from metavast.storefront import views as storefront_views

admin.site.site_header = "مدیریت متاوست"
admin.site.site_title = "مدیریت متاوست"
admin.site.index_title = "پیشخوان"

urlpatterns = [
    path(f"{settings.ADMIN_PATH}/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", storefront_views.healthz, name="healthz"),
    path("ping", storefront_views.ping, name="ping"),
    path("", include("metavast.storefront.urls")),
]

handler400 = "metavast.storefront.views.error_400"
handler403 = "metavast.storefront.views.error_403"
handler404 = "metavast.storefront.views.error_404"
handler500 = "metavast.storefront.views.error_500"
