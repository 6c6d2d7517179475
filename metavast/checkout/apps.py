from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "metavast.checkout"
    label = "checkout"
    verbose_name = "تسویه و ارسال"

    def ready(self) -> None:
        # Orders prices a parcel with checkout's shipping and VAT rules without importing
        # checkout (it sits below it): hand them over at start-up.
        from metavast.checkout.shipping import DELIVERY_RULES
        from metavast.orders.hooks import delivery_rules_register

        delivery_rules_register(DELIVERY_RULES)
