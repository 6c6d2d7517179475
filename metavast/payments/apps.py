from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "metavast.payments"
    verbose_name = "پرداخت‌ها"
