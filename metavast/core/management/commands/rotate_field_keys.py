"""Re-encrypt every encrypted column under the first key, and recompute blind indexes.

Run after putting a new key first in FIELD_ENCRYPTION_KEYS (old keys still listed); when
it finishes, the old keys can be removed. Rows are rewritten in primary-key batches, each
batch in its own transaction, so a long rotation never holds a table lock for long.
Sealed private files (invoice PDFs, exports, legal packages, audit checkpoints: on disk or in
the bucket, metavast.core.private_files) are re-sealed the same way.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from metavast.core import crypto
from metavast.core.fields import blind_index_fields, encrypted_fields
from metavast.core.private_files import rotate_sealed_files


def _mark_key_rotation() -> None:
    """Tell PostgreSQL guards of immutable rows (issued invoices) that only ciphertext is
    changing in this transaction; `SET LOCAL` ends with it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL metavast.key_rotation = 'on'")


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields under the primary key and refresh blind indexes."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        total = 0
        for model in apps.get_models():
            enc = encrypted_fields(model)
            bidx = blind_index_fields(model)
            if not enc:
                continue
            raw_columns = [f.attname for f in enc]
            last_pk = None
            count = 0
            while True:
                qs = model._base_manager.order_by("pk")
                if last_pk is not None:
                    qs = qs.filter(pk__gt=last_pk)
                # values_list of the raw column names would decrypt; read ciphertext instead.
                pks = list(qs.values_list("pk", flat=True)[:batch_size])
                if not pks:
                    break
                with transaction.atomic():
                    _mark_key_rotation()
                    rows = model._base_manager.filter(pk__in=pks).select_for_update()
                    objects = list(rows)
                    for obj in objects:
                        for field in bidx:
                            setattr(obj, field.attname, field.digest(getattr(obj, field.source)))
                    # Saving re-encrypts with the primary key (encrypt always uses it).
                    model._base_manager.bulk_update(
                        objects, raw_columns + [f.attname for f in bidx]
                    )
                count += len(pks)
                last_pk = pks[-1]
            total += count
            self.stdout.write(f"{model._meta.label}: {count} rows ({', '.join(raw_columns)})")
        files = rotate_sealed_files()
        self.stdout.write(f"Private files: {files.rotated} re-encrypted")
        if files.unreadable:
            self.stderr.write(
                f"{files.unreadable} private files open with none of the listed keys:"
                " keep the old keys until they are found."
            )
        if files.plaintext:
            self.stderr.write(
                f"{files.plaintext} private files are not encrypted:"
                " run `manage.py seal_private_files`."
            )
        crypto._fernet.cache_clear()
        self.stdout.write(self.style.SUCCESS(f"Rotated {total} rows."))
