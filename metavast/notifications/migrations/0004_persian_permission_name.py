"""The retry permission's name in Persian: staff read it on the group page. Django writes a
permission's row once and never renames it, so the existing row is renamed here too."""

from django.db import migrations

CODENAME = "retry_outboxmessage"
PERSIAN = "فرستادن دوبارهٔ پیام\u200cهای ناموفق"
ENGLISH = "Can retry failed messages"


def rename(apps, name):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="notifications",
        content_type__model="outboxmessage",
        codename=CODENAME,
    ).update(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_promotion_html_and_headers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="outboxmessage",
            options={
                "ordering": ("-created_at", "-pk"),
                "permissions": [("retry_outboxmessage", PERSIAN)],
                "verbose_name": "پیام خروجی",
                "verbose_name_plural": "پیام\u200cهای خروجی",
            },
        ),
        migrations.RunPython(
            lambda apps, schema_editor: rename(apps, PERSIAN),
            lambda apps, schema_editor: rename(apps, ENGLISH),
        ),
    ]
