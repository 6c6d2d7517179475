from django.urls import path

from metavast.invoices import views

app_name = "invoices"

urlpatterns = [
    path("<id:pk>/pdf/", views.invoice_pdf, name="pdf"),
    path("official/<str:number>/", views.official_buyer, name="official_buyer"),
]
