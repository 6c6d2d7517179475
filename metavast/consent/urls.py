from django.urls import path

from metavast.consent import views, views_marketing

app_name = "consent"

urlpatterns = [
    path("", views.cookie_settings, name="settings"),
    path("choose/", views.choose, name="choose"),
    path("marketing/", views_marketing.marketing_settings, name="marketing"),
    path("unsubscribe/<str:token>/", views_marketing.unsubscribe, name="unsubscribe"),
    path(
        "sms/kavenegar/<str:secret>/",
        views_marketing.kavenegar_receive,
        name="kavenegar_receive",
    ),
]
