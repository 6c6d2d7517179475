from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "metavast.catalog"
    verbose_name = "کاتالوگ"
