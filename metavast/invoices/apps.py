from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "metavast.invoices"
    verbose_name = "فاکتورها"

    def ready(self) -> None:
        # Invoices follow orders; orders, the lower app, must not know invoices exist, so
        # invoices registers for its status changes here (orders.hooks).
        from metavast.invoices.services import order_status_followed
        from metavast.orders.hooks import status_follow_up_register

        status_follow_up_register(order_status_followed)
