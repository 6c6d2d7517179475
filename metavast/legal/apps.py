from django.apps import AppConfig


class LegalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metavast.legal"
    verbose_name = "افشای قانونی"
