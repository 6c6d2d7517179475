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

        # A cancelled order gives its courier delivery window place back (delivery.py).
        from metavast.checkout.delivery import delivery_status_followed
        from metavast.orders.hooks import status_follow_up_register

        status_follow_up_register(delivery_status_followed)

        # Catalog and cart show VAT-inclusive prices at the rate of the day (core.vat).
        from metavast.checkout.shipping import vat_rate_or_none
        from metavast.core.vat import rate_provider_register

        rate_provider_register(vat_rate_or_none)

        # The shipping and VAT rules this process keeps (shipping.py) follow every change
        # of their rows, from the admin, the demo seed or anywhere else: a cache, not a flow.
        from django.db.models.signals import post_delete, post_save

        from metavast.checkout.models import ShippingMethod, ShippingRate, VatRate
        from metavast.checkout.shipping import rules_changed

        for model in (ShippingMethod, ShippingRate, VatRate):
            post_save.connect(rules_changed, sender=model, dispatch_uid=f"rules:{model.__name__}")
            post_delete.connect(
                rules_changed, sender=model, dispatch_uid=f"rules-del:{model.__name__}"
            )
