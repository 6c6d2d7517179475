from django.urls import path

from metavast.checkout import views

app_name = "checkout"

urlpatterns = [
    path("", views.start_view, name="start"),
    path("address/", views.address_view, name="address"),
    path("shipping/", views.shipping_view, name="shipping"),
    path("review/", views.review_view, name="review"),
    path("place/", views.place_view, name="place"),
    path("pay/<str:number>/", views.pay_view, name="pay"),
]
