from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "metavast.promotions"
    label = "promotions"
    verbose_name = "کدهای تخفیف"
