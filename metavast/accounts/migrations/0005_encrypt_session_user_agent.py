"""Encrypt the sessions' user agents at rest (issue 11, item 7).

The column becomes TEXT first (the values are still plaintext in it), then each plaintext
value is sealed in raw SQL (a historical model would try to decrypt it). A value that is
already a Fernet token is left alone, so running it twice changes nothing.
"""

from django.db import migrations

import metavast.core.fields


def _sealed(value: str) -> bool:
    return value.startswith("gAAAAA")


def encrypt_user_agents(apps, schema_editor):
    from metavast.core import crypto

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, user_agent FROM accounts_usersession WHERE user_agent <> ''")
        for pk, user_agent in cursor.fetchall():
            if _sealed(user_agent):
                continue
            cursor.execute(
                "UPDATE accounts_usersession SET user_agent = %s WHERE id = %s",
                [crypto.encrypt(user_agent), pk],
            )


def decrypt_user_agents(apps, schema_editor):
    from metavast.core import crypto

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, user_agent FROM accounts_usersession WHERE user_agent <> ''")
        for pk, user_agent in cursor.fetchall():
            if _sealed(user_agent):
                cursor.execute(
                    "UPDATE accounts_usersession SET user_agent = %s WHERE id = %s",
                    [crypto.decrypt(user_agent)[:300], pk],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_encrypt_email_names_ip"),
    ]

    operations = [
        migrations.AlterField(
            model_name="usersession",
            name="user_agent",
            field=metavast.core.fields.EncryptedCharField(
                blank=True, max_length=300, verbose_name="مرورگر"
            ),
        ),
        migrations.RunPython(encrypt_user_agents, decrypt_user_agents),
    ]
