"""One group per role from roles.ROLES. Permissions are created after migrations, so the
post_migrate sync (apps.StaffConfig) fills the groups' permissions; this makes the rows."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from metavast.staff.roles import ROLES

    Group = apps.get_model("auth", "Group")
    StaffRole = apps.get_model("staff", "StaffRole")
    for spec in ROLES:
        if StaffRole.objects.filter(key=spec.key).exists():
            continue
        group, _ = Group.objects.get_or_create(name=spec.name)
        StaffRole.objects.create(
            key=spec.key, name=spec.name, description=spec.description, group=group
        )


def drop_roles(apps, schema_editor):
    StaffRole = apps.get_model("staff", "StaffRole")
    Group = apps.get_model("auth", "Group")
    group_ids = list(StaffRole.objects.values_list("group_id", flat=True))
    StaffRole.objects.all().delete()
    Group.objects.filter(pk__in=group_ids).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_staff_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
