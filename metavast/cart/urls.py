from django.urls import path

from metavast.cart import views

app_name = "cart"

urlpatterns = [
    path("", views.cart_view, name="detail"),
    path("add/", views.add_view, name="add"),
    path("lines/<id:variant_id>/", views.update_view, name="update"),
    path("lines/<id:variant_id>/remove/", views.remove_view, name="remove"),
    path("acknowledge/", views.acknowledge_view, name="acknowledge"),
    path("discount/", views.discount_apply_view, name="discount_apply"),
    path("discount/remove/", views.discount_remove_view, name="discount_remove"),
]
