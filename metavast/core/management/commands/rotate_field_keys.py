"""Re-encrypt every encrypted column under the first key, and recompute blind indexes.

Run after putting a new key first in FIELD_ENCRYPTION_KEYS (old keys still listed); when
it finishes, the old keys can be removed. Rows are rewritten in primary-key batches, each
batch in its own transaction, so a long rotation never holds a table lock for long.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from metavast.core import crypto
from metavast.core.fields import blind_index_fields, encrypted_fields


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
        crypto._fernet.cache_clear()
        self.stdout.write(self.style.SUCCESS(f"Rotated {total} rows."))
