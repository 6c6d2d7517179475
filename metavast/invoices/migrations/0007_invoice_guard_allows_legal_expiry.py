"""After the legal period, an invoice's buyer details may be cut back, and nothing else.

The tax law keeps an invoice, buyer included, for INVOICE_RETENTION_YEARS; past that the
privacy policy promises only what the law requires is kept. The retention engine then blanks
the buyer snapshot and the Moadian payload and drops the PDF (`_cut_back_buyer`), marking
`buyer_erased_at`. Its transaction states the legal period in years
(`metavast.invoice_legal_years`); the guard then lets exactly those columns change, once
(from no `buyer_erased_at` to one), only on an invoice issued that many years before the
new `buyer_erased_at`, and only to blanks. Key rotation (0003) stays as it was, every other
column stays strict, and DELETE is still refused.
"""

from django.db import migrations

DELIVERY = (
    "ARRAY['pdf_name','pdf_sha256','moadian_status','moadian_reference',"
    "'moadian_error','moadian_attempts','moadian_sent_at']"
)

GUARD = """
CREATE OR REPLACE FUNCTION invoice_guard() RETURNS trigger AS $$
DECLARE
  free text[] := %(delivery)s;
  legal_years text := coalesce(current_setting('metavast.invoice_legal_years', true), '');
  expiring boolean := false;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'issued invoices cannot be deleted';
  END IF;
  IF coalesce(current_setting('metavast.key_rotation', true), '') = 'on' THEN
    free := free || ARRAY['buyer_json','payload_json'];
  END IF;
  IF legal_years ~ '^[0-9]+$' AND OLD.buyer_erased_at IS NULL
     AND NEW.buyer_erased_at IS NOT NULL THEN
    IF OLD.issued_at >= NEW.buyer_erased_at - make_interval(years => legal_years::int)
       OR NEW.buyer_json <> '' OR NEW.payload_json <> ''
       OR NEW.pdf_name <> '' OR NEW.pdf_sha256 <> '' THEN
      RAISE EXCEPTION 'invoice buyer details are kept for the legal period';
    END IF;
    expiring := true;
    free := free || ARRAY['buyer_json','payload_json','buyer_erased_at'];
  END IF;
  IF (to_jsonb(NEW) - free) IS DISTINCT FROM (to_jsonb(OLD) - free)
     OR (NOT expiring AND OLD.pdf_name <> '' AND NEW.pdf_name IS DISTINCT FROM OLD.pdf_name)
     OR (NOT expiring AND OLD.pdf_sha256 <> ''
         AND NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256)
  THEN
    RAISE EXCEPTION 'issued invoices cannot be changed';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

# 0003's guard, for going back.
PREVIOUS = """
CREATE OR REPLACE FUNCTION invoice_guard() RETURNS trigger AS $$
DECLARE
  free text[] := %(delivery)s;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'issued invoices cannot be deleted';
  END IF;
  IF coalesce(current_setting('metavast.key_rotation', true), '') = 'on' THEN
    free := free || ARRAY['buyer_json','payload_json'];
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
        schema_editor.execute(GUARD % {"delivery": DELIVERY})


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS % {"delivery": DELIVERY})


class Migration(migrations.Migration):
    dependencies = [("invoices", "0006_invoice_buyer_erased_at")]
    operations = [migrations.RunPython(forwards, backwards)]
