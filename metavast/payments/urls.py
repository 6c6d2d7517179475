from django.urls import path

from metavast.payments import views

app_name = "payments"

urlpatterns = [
    path("start/<str:number>/", views.start, name="start"),
    path("callback/<slug:gateway>/", views.callback, name="callback"),
    path("sandbox/<slug:authority>/", views.sandbox_bank, name="sandbox_bank"),
]
