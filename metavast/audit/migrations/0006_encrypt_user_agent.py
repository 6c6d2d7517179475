"""Encrypt the audit trail's user agents at rest (issue 11, item 7).

The user agent is outside the seal (`AuditEvent.canonical()` leaves it out, like the IP),
so sealing it changes no chain hash. Unlike 0005 the append-only trigger need not stand
down: its guard (0002) checks every sealed column and the IP, but lets the user agent
change, because retention blanks it. Values already sealed are left alone.
"""

from django.db import migrations

import metavast.core.fields


def _sealed(value: str) -> bool:
    return value.startswith("gAAAAA")


def encrypt_user_agents(apps, schema_editor):
    from metavast.core import crypto

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, user_agent FROM audit_auditevent WHERE user_agent <> ''")
        for pk, user_agent in cursor.fetchall():
            if _sealed(user_agent):
                continue
            cursor.execute(
                "UPDATE audit_auditevent SET user_agent = %s WHERE id = %s",
                [crypto.encrypt(user_agent), pk],
            )


def decrypt_user_agents(apps, schema_editor):
    from metavast.core import crypto

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, user_agent FROM audit_auditevent WHERE user_agent <> ''")
        for pk, user_agent in cursor.fetchall():
            if _sealed(user_agent):
                cursor.execute(
                    "UPDATE audit_auditevent SET user_agent = %s WHERE id = %s",
                    [crypto.decrypt(user_agent)[:300], pk],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_encrypt_client_ip"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="user_agent",
            field=metavast.core.fields.EncryptedCharField(
                blank=True, max_length=300, verbose_name="مرورگر"
            ),
        ),
        migrations.RunPython(encrypt_user_agents, decrypt_user_agents),
    ]
