from django.urls import path

from metavast.legal import views

app_name = "legal"

urlpatterns = [
    path("transparency/", views.transparency, name="transparency"),
]
