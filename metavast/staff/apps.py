from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    """Permissions are created after migrations, app by app (post_migrate): sync the role
    groups once the last installed app has its permissions."""
    from django.apps import apps

    if sender is not list(apps.get_app_configs())[-1]:
        return
    from metavast.staff.services import roles_sync

    report = roles_sync()
    if report.missing and kwargs.get("verbosity", 1) >= 2:
        print("staff roles: permissions not (yet) in the database:", report.missing)


class StaffConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metavast.staff"
    verbose_name = "کارکنان و نقش‌ها"

    def ready(self):
        post_migrate.connect(_sync_roles, dispatch_uid="staff_roles_sync")
