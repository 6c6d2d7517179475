"""The audit chain becomes keyed (HMAC-SHA256 under AUDIT_SEAL_KEY).

Rows sealed before this migration keep their plain SHA-256 seals: on PostgreSQL the
append-only trigger (0002) refuses to change a seal once written, and re-sealing them from
genesis would also launder whatever was done to them before. Instead the current head of
the plain chain is recorded in one `AuditChainEpoch` row, signed with the key. From here on
the sealer chains keyed seals onto that head, and `audit_verify` checks plain seals up to it
and keyed ones after. A database with no sealed rows (a new one) gets no epoch: every seal
in it is keyed.
"""

from django.db import migrations, models


def record_plain_head(apps, schema_editor):
    from metavast.audit.chain import epoch_signature, seal_key

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainEpoch = apps.get_model("audit", "AuditChainEpoch")
    db = schema_editor.connection.alias
    head = (
        AuditEvent.objects.using(db)
        .filter(seal_seq__isnull=False)
        .order_by("-seal_seq")
        .values("seal_seq", "seal_hash")
        .first()
    )
    if head is None:
        return
    AuditChainEpoch.objects.using(db).create(
        plain_head_seq=head["seal_seq"],
        plain_head_hash=head["seal_hash"],
        signature=epoch_signature(
            plain_head_seq=head["seal_seq"], plain_head_hash=head["seal_hash"], key=seal_key()
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.CreateModel(
            name="AuditChainEpoch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("plain_head_seq", models.BigIntegerField()),
                ("plain_head_hash", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("signature", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "آغاز زنجیرهٔ کلیددار ممیزی",
                "verbose_name_plural": "آغاز زنجیرهٔ کلیددار ممیزی",
            },
        ),
        migrations.RunPython(record_plain_head, migrations.RunPython.noop),
    ]
