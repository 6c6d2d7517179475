from django.urls import path

from metavast.storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("p/<str:slug>/", views.page_detail, name="page"),
]
