"""On PostgreSQL the database itself keeps issued invoices and their lines unchanged.

Only the delivery bookkeeping may be written after issue: the PDF's name and digest (once,
from empty) and the tax system's status fields. Every DELETE is refused.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION invoice_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'issued invoices cannot be deleted';
  END IF;
  IF (to_jsonb(NEW) - ARRAY['pdf_name','pdf_sha256','moadian_status','moadian_reference',
        'moadian_error','moadian_attempts','moadian_sent_at'])
     IS DISTINCT FROM
     (to_jsonb(OLD) - ARRAY['pdf_name','pdf_sha256','moadian_status','moadian_reference',
        'moadian_error','moadian_attempts','moadian_sent_at'])
     OR (OLD.pdf_name <> '' AND NEW.pdf_name IS DISTINCT FROM OLD.pdf_name)
     OR (OLD.pdf_sha256 <> '' AND NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256)
  THEN
    RAISE EXCEPTION 'issued invoices cannot be changed';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoice_guard BEFORE UPDATE OR DELETE ON invoices_invoice
  FOR EACH ROW EXECUTE FUNCTION invoice_guard();

CREATE OR REPLACE FUNCTION invoice_line_guard() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'issued invoice lines cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoice_line_guard BEFORE UPDATE OR DELETE ON invoices_invoiceline
  FOR EACH ROW EXECUTE FUNCTION invoice_line_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS invoice_guard ON invoices_invoice;
DROP FUNCTION IF EXISTS invoice_guard();
DROP TRIGGER IF EXISTS invoice_line_guard ON invoices_invoiceline;
DROP FUNCTION IF EXISTS invoice_line_guard();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("invoices", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
