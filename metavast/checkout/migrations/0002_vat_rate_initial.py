"""VAT is law, not demo data: the rate in force since 1 Farvardin 1403 (10 %) ships with the
schema, so checkout works on a fresh database. Later rates are new rows added by staff."""

import datetime as dt

from django.db import migrations


def add_rate(apps, schema_editor):
    VatRate = apps.get_model("checkout", "VatRate")
    VatRate.objects.get_or_create(
        starts_on=dt.date(2024, 3, 20), defaults={"rate_basis_points": 1000}
    )


class Migration(migrations.Migration):
    dependencies = [("checkout", "0001_initial")]

    operations = [migrations.RunPython(add_rate, migrations.RunPython.noop)]
