from django.apps import AppConfig


class MarketingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metavast.marketing"
    verbose_name = "بازاریابی"
