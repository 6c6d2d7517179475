from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "metavast.core"
    verbose_name = "هسته"

    def ready(self):
        # Registers the deploy checks of production secrets (metavast.E001–E004).
        from metavast.core import checks  # noqa: F401

        # Widens Django's own "no NUL in any form CharField" to every unreadable character,
        # for every form (storefront and admin), present and future: see core/validators.py.
        from metavast.core.validators import install_form_check

        install_form_check()

        # Every form number field takes Persian and Arabic-Indic digits in a text input,
        # never a type=number box that drops them: see core/numbers.py.
        from metavast.core import numbers

        numbers.install()


class PersianAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, made Persian once every app's admin module is loaded
    (core/admin_persian.py)."""

    default = False  # metavast.core's own config stays CoreConfig

    def ready(self):
        super().ready()
        from metavast.core import admin_persian

        admin_persian.install()
