from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metavast.privacy"
    verbose_name = "حریم خصوصی"
