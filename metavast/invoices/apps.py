from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "metavast.invoices"
    verbose_name = "فاکتورها"
