from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "metavast.checkout"
    label = "checkout"
    verbose_name = "تسویه و ارسال"
