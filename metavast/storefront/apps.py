from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "metavast.storefront"
    verbose_name = "ویترین"
