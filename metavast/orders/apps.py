from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "metavast.orders"
    label = "orders"
    verbose_name = "سفارش‌ها"
