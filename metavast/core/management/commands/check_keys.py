"""`manage.py check_keys [--database-url URL]`: do these keys read this database?

Decrypts a sample of every encrypted column (FIELD_ENCRYPTION_KEYS) and recomputes the
blind index of each sampled row whose source is a column (BLIND_INDEX_KEY). Prints
counts, never a value. After a restore, this is the drill's proof; with the wrong keys it
fails with a plain message instead of a traceback on the first page that reads a row.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from metavast.core import crypto
from metavast.core.fields import blind_index_fields, encrypted_fields


def _open(database_url: str | None):
    if not database_url:
        return connection.cursor(), None
    import psycopg

    conn = psycopg.connect(database_url)
    return conn.cursor(), conn


class Command(BaseCommand):
    help = "Check that FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY read this database."

    def add_arguments(self, parser):
        parser.add_argument("--database-url", help="another PostgreSQL database (a restore)")
        parser.add_argument("--sample", type=int, default=5)

    def handle(self, *args, database_url=None, sample=5, **options):
        cursor, conn = _open(database_url)
        decrypted = indexed = 0
        failures: list[str] = []
        try:
            for model in apps.get_models():
                columns = [f.column for f in encrypted_fields(model)]
                if not columns:
                    continue
                table = model._meta.db_table
                indexes = [
                    f
                    for f in blind_index_fields(model)
                    if f.source in {e.attname for e in encrypted_fields(model)}
                ]
                for column in columns:
                    cursor.execute(
                        f'SELECT "{column}" FROM "{table}" '  # noqa: S608 (names from models)
                        f'WHERE "{column}" IS NOT NULL AND "{column}" <> \'\' LIMIT %s',
                        [sample],
                    )
                    for (value,) in cursor.fetchall():
                        try:
                            crypto.decrypt(value)
                            decrypted += 1
                        except crypto.InvalidToken:
                            failures.append(f"{table}.{column}")
                            break
                for field in indexes:
                    source = model._meta.get_field(field.source).column
                    cursor.execute(
                        f'SELECT "{source}", "{field.column}" FROM "{table}" '  # noqa: S608
                        f'WHERE "{field.column}" IS NOT NULL LIMIT %s',
                        [sample],
                    )
                    for value, digest in cursor.fetchall():
                        try:
                            plain = crypto.decrypt(value)
                        except crypto.InvalidToken:
                            break  # reported above
                        if field.digest(plain) != digest:
                            failures.append(f"{table}.{field.column} (BLIND_INDEX_KEY)")
                            break
                        indexed += 1
        finally:
            if conn is not None:
                conn.close()
        if failures:
            raise CommandError(
                "کلیدها با این پایگاه داده نمی‌خوانند: FIELD_ENCRYPTION_KEYS یا BLIND_INDEX_KEY "
                "با کلیدهای زمان نوشتن یکی نیست. همان کلیدهایی را بگذارید که جدا از پشتیبان "
                "نگه داشته‌اید. / The keys do not read this database "
                f"(failed: {', '.join(sorted(set(failures))[:10])})."
            )
        self.stdout.write(
            f"کلیدها درست‌اند: {decrypted} مقدار رمزشده گشوده و {indexed} نمایه بازسازی شد. "
            f"/ Keys OK: {decrypted} values decrypted, {indexed} blind indexes matched."
        )
