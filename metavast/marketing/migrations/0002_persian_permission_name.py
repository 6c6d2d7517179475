"""The campaign permission's name in Persian: staff read it on the group page. Django writes a
permission's row once and never renames it, so the existing row is renamed here too."""

from django.db import migrations

CODENAME = "send_campaign"
PERSIAN = "زمان\u200cبندی کارزار و فرستادن پیام آزمایشی"
ENGLISH = "Can schedule and test-send campaigns"


def rename(apps, name):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="marketing", content_type__model="campaign", codename=CODENAME
    ).update(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0001_campaigns"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="campaign",
            options={
                "ordering": ("-created_at", "-pk"),
                "permissions": [("send_campaign", PERSIAN)],
                "verbose_name": "کارزار",
                "verbose_name_plural": "کارزارها",
            },
        ),
        migrations.RunPython(
            lambda apps, schema_editor: rename(apps, PERSIAN),
            lambda apps, schema_editor: rename(apps, ENGLISH),
        ),
    ]
