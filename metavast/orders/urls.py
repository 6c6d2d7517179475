from django.urls import path

from metavast.orders import views

app_name = "orders"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("<str:number>/", views.detail_view, name="detail"),
    path("<str:number>/cancel/", views.cancel_view, name="cancel"),
]
