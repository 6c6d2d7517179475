"""Key rotation may re-encrypt an issued invoice's encrypted columns, and nothing else.

`rotate_field_keys` rewrites every encrypted column under the new primary key; the bytes of
`buyer_json` and `payload_json` change while what they hold does not. The guard of
0002 refused that, so rotation failed on PostgreSQL as soon as one invoice existed. The
command now marks its own transactions (`SET LOCAL metavast.key_rotation = 'on'`); inside
them, and only there, those two columns may change. Every other column stays as strict as
before, and DELETE is still refused.
"""

from django.db import migrations

DELIVERY = (
    "ARRAY['pdf_name','pdf_sha256','moadian_status','moadian_reference',"
    "'moadian_error','moadian_attempts','moadian_sent_at']"
)
ENCRYPTED = "ARRAY['buyer_json','payload_json']"


def guard(allowed_while_rotating: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION invoice_guard() RETURNS trigger AS $$
DECLARE
  free text[] := {DELIVERY};
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'issued invoices cannot be deleted';
  END IF;
  IF coalesce(current_setting('metavast.key_rotation', true), '') = 'on' THEN
    free := free || {allowed_while_rotating};
  END IF;
  IF (to_jsonb(NEW) - free) IS DISTINCT FROM (to_jsonb(OLD) - free)
     OR (OLD.pdf_name <> '' AND NEW.pdf_name IS DISTINCT FROM OLD.pdf_name)
     OR (OLD.pdf_sha256 <> '' AND NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256)
  THEN
    RAISE EXCEPTION 'issued invoices cannot be changed';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(guard(ENCRYPTED))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(guard("ARRAY[]::text[]"))


class Migration(migrations.Migration):
    dependencies = [("invoices", "0002_immutable_trigger")]
    operations = [migrations.RunPython(forwards, backwards)]
