"""Encrypt the email, the names and the session IPs at rest; add the email and name indexes.

The columns change type first (the values are still plaintext in them), then `encrypt_rows`
seals each plaintext value with the current FIELD_ENCRYPTION_KEYS and fills the blind
indexes with BLIND_INDEX_KEY, in raw SQL (a historical model would try to decrypt the
plaintext), under the unique `email_index`. A value that is already a Fernet
token is left alone, so the migration can be run on a half-migrated copy.
"""

import django.core.validators
from django.db import migrations

import metavast.core.fields


def _sealed(value: str) -> bool:
    return value.startswith("gAAAAA")


def encrypt_rows(apps, schema_editor):
    from metavast.core import crypto
    from metavast.core.text import normalize as normalize_text

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, email, first_name, last_name FROM accounts_user")
        rows = cursor.fetchall()
        for pk, email, first_name, last_name in rows:
            plain = {}
            for column, value in (
                ("email", email),
                ("first_name", first_name),
                ("last_name", last_name),
            ):
                plain[column] = crypto.decrypt(value) if value and _sealed(value) else value
            email_plain = (plain["email"] or "").strip().lower()
            full_name = f"{plain['first_name'] or ''} {plain['last_name'] or ''}".strip()
            email_index = (
                crypto.blind_index(email_plain, purpose="accounts.user.email")
                if email_plain
                else None
            )
            name_norm = normalize_text(full_name)
            name_index = (
                crypto.blind_index(name_norm, purpose="accounts.user.full_name_for_index")
                if name_norm
                else None
            )

            def seal(value):
                if not value or _sealed(value):
                    return value
                return crypto.encrypt(value)

            cursor.execute(
                "UPDATE accounts_user SET email = %s, first_name = %s, last_name = %s, "
                "email_index = %s, name_index = %s WHERE id = %s",
                [
                    email if email and _sealed(email) else seal(email_plain or email),
                    seal(first_name),
                    seal(last_name),
                    email_index,
                    name_index,
                    pk,
                ],
            )
        cursor.execute("SELECT id, ip FROM accounts_usersession WHERE ip IS NOT NULL AND ip <> ''")
        for pk, ip in cursor.fetchall():
            if _sealed(ip):
                continue
            # inet::text keeps the prefix length ("10.0.0.1/32"): a host has none.
            host = ip.split("/", 1)[0]
            cursor.execute(
                "UPDATE accounts_usersession SET ip = %s WHERE id = %s", [crypto.encrypt(host), pk]
            )


def decrypt_rows(apps, schema_editor):
    from metavast.core import crypto

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, email, first_name, last_name FROM accounts_user")
        for pk, *values in cursor.fetchall():
            plain = [crypto.decrypt(v) if v and _sealed(v) else v for v in values]
            cursor.execute(
                "UPDATE accounts_user SET email = %s, first_name = %s, last_name = %s "
                "WHERE id = %s",
                [*plain, pk],
            )
        cursor.execute("SELECT id, ip FROM accounts_usersession WHERE ip IS NOT NULL")
        for pk, ip in cursor.fetchall():
            if ip and _sealed(ip):
                cursor.execute(
                    "UPDATE accounts_usersession SET ip = %s WHERE id = %s",
                    [crypto.decrypt(ip), pk],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_persian_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_index",
            # Unique from the start: every row is NULL until encrypt_rows fills it, and the
            # old column was already unique case-insensitively.
            field=metavast.core.fields.BlindIndexField(
                blank=True,
                db_index=True,
                editable=False,
                max_length=64,
                null=True,
                source="email",
                unique=True,
                verbose_name="نمایهٔ ایمیل",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="name_index",
            field=metavast.core.fields.BlindIndexField(
                blank=True,
                db_index=True,
                editable=False,
                max_length=64,
                null=True,
                source="full_name_for_index",
                verbose_name="نمایهٔ نام و نام خانوادگی",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="email",
            field=metavast.core.fields.EncryptedCharField(
                blank=True,
                max_length=254,
                null=True,
                validators=[django.core.validators.EmailValidator()],
                verbose_name="ایمیل",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="first_name",
            field=metavast.core.fields.EncryptedCharField(
                blank=True, max_length=80, verbose_name="نام"
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="last_name",
            field=metavast.core.fields.EncryptedCharField(
                blank=True, max_length=80, verbose_name="نام خانوادگی"
            ),
        ),
        migrations.AlterField(
            model_name="usersession",
            name="ip",
            field=metavast.core.fields.EncryptedCharField(
                blank=True, max_length=45, null=True, verbose_name="نشانی IP"
            ),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
