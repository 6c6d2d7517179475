"""Encrypt the audit trail's client IPs at rest.

The IP is outside the seal (see audit.models), so sealing it changes no chain hash. The
append-only trigger refuses to change a non-null IP, so it stands down for this one
rewrite (on PostgreSQL), inside the migration's transaction.
"""

from django.db import migrations

import metavast.core.fields


def encrypt_ips(apps, schema_editor):
    from metavast.core import crypto

    connection = schema_editor.connection
    on_postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if on_postgres:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_guard")
        cursor.execute("SELECT id, client_ip FROM audit_auditevent WHERE client_ip IS NOT NULL")
        for pk, ip in cursor.fetchall():
            if not ip or ip.startswith("gAAAAA"):
                continue
            host = ip.split("/", 1)[0]  # inet::text keeps "/32"
            cursor.execute(
                "UPDATE audit_auditevent SET client_ip = %s WHERE id = %s",
                [crypto.encrypt(host), pk],
            )
        if on_postgres:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_guard")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_persian_labels"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="client_ip",
            field=metavast.core.fields.EncryptedCharField(
                blank=True, max_length=45, null=True, verbose_name="نشانی IP"
            ),
        ),
        migrations.RunPython(encrypt_ips, migrations.RunPython.noop),
    ]
