import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ConsentRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(db_index=True, verbose_name="زمان")),
                (
                    "policy_version",
                    models.CharField(max_length=32, verbose_name="نسخهٔ سیاست کوکی"),
                ),
                ("granted", models.JSONField(default=list, verbose_name="دسته‌های پذیرفته")),
                ("offered", models.JSONField(default=list, verbose_name="دسته‌های پرسیده‌شده")),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="cookie_consents",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="کاربر",
                    ),
                ),
            ],
            options={
                "verbose_name": "انتخاب کوکی",
                "verbose_name_plural": "انتخاب‌های کوکی",
                "indexes": [
                    models.Index(fields=["user", "-created_at"], name="consent_user_latest")
                ],
            },
        ),
    ]
