from django.urls import path

from metavast.privacy import views, views_erase, views_export

app_name = "privacy"

urlpatterns = [
    path("", views.privacy_home_view, name="home"),
    # Download my data (issue 11, item 3) and erase my account (item 4).
    path("export/", views_export.export_view, name="export"),
    path("export/download/<str:token>/", views_export.export_download_view, name="export_download"),
    path("erase/", views_erase.erase_view, name="erase"),
    path("erase/cancel/", views_erase.erase_cancel_view, name="erase_cancel"),
]
