from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "metavast.core"
    verbose_name = "هسته"
