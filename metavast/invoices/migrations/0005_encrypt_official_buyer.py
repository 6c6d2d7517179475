"""Encrypt the business buyer's company name, economic number, national ID and postal code.

`OfficialBuyer` rows are not issued documents (no trigger guards them): the columns become
TEXT, then each plaintext value is sealed in raw SQL (a historical model would try to
decrypt it). Values that are already Fernet tokens are left alone, so a second run changes
nothing.

The invoice's own copy of the buyer (`buyer_json`) and the Moadian payload have been
encrypted fields since 0001, so no issued invoice should hold plaintext. Should one anyway
(a row written in raw SQL), it is sealed here too, and the immutable-invoice guard lets it
through the one documented way (0003): this transaction is marked as a key rotation, under
which only those two encrypted columns may change. The mark is cleared straight after.
"""

from django.db import migrations

import metavast.core.fields

BUYER_COLUMNS = ("company_name", "economic_number", "national_id", "postal_code")
INVOICE_COLUMNS = ("buyer_json", "payload_json")


def _sealed(value: str) -> bool:
    return value.startswith("gAAAAA")


def _rewrite(cursor, table: str, columns: tuple[str, ...], change) -> None:
    # Table and column names are this module's constants, never input.
    cursor.execute(f"SELECT id, {', '.join(columns)} FROM {table}")  # noqa: S608
    for pk, *values in cursor.fetchall():
        new = [change(v) if v else v for v in values]
        if new != values:
            assignments = ", ".join(f"{c} = %s" for c in columns)
            sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608
            cursor.execute(sql, [*new, pk])


def encrypt_rows(apps, schema_editor):
    from metavast.core import crypto

    def seal(value: str) -> str:
        return value if _sealed(value) else crypto.encrypt(value)

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        _rewrite(cursor, "invoices_officialbuyer", BUYER_COLUMNS, seal)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL metavast.key_rotation = 'on'")
        _rewrite(cursor, "invoices_invoice", INVOICE_COLUMNS, seal)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL metavast.key_rotation = 'off'")


def decrypt_rows(apps, schema_editor):
    from metavast.core import crypto

    def open_(value: str) -> str:
        return crypto.decrypt(value) if _sealed(value) else value

    with schema_editor.connection.cursor() as cursor:
        _rewrite(cursor, "invoices_officialbuyer", BUYER_COLUMNS, open_)


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0004_persian_labels"),
    ]

    operations = [
        migrations.AlterField(
            model_name="officialbuyer",
            name="company_name",
            field=metavast.core.fields.EncryptedCharField(max_length=200, verbose_name="نام شرکت"),
        ),
        migrations.AlterField(
            model_name="officialbuyer",
            name="economic_number",
            field=metavast.core.fields.EncryptedCharField(
                max_length=14, verbose_name="شمارهٔ اقتصادی"
            ),
        ),
        migrations.AlterField(
            model_name="officialbuyer",
            name="national_id",
            field=metavast.core.fields.EncryptedCharField(max_length=11, verbose_name="شناسهٔ ملی"),
        ),
        migrations.AlterField(
            model_name="officialbuyer",
            name="postal_code",
            field=metavast.core.fields.EncryptedCharField(max_length=10, verbose_name="کد پستی"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
