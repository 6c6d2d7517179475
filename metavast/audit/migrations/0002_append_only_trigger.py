"""On PostgreSQL the database itself refuses to change or delete audit rows.

Only the seal columns may be filled (once) and the IP/user agent blanked (retention);
every other UPDATE and every DELETE raises. SQLite relies on the ORM guard alone.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit events are append-only';
  END IF;
  IF NEW.id IS DISTINCT FROM OLD.id
     OR NEW.created_at IS DISTINCT FROM OLD.created_at
     OR NEW.actor_id IS DISTINCT FROM OLD.actor_id
     OR NEW.actor_label IS DISTINCT FROM OLD.actor_label
     OR NEW.action IS DISTINCT FROM OLD.action
     OR NEW.subject_type IS DISTINCT FROM OLD.subject_type
     OR NEW.subject_id IS DISTINCT FROM OLD.subject_id
     OR NEW.before::text IS DISTINCT FROM OLD.before::text
     OR NEW.after::text IS DISTINCT FROM OLD.after::text
     OR (OLD.seal_seq IS NOT NULL AND (NEW.seal_seq IS DISTINCT FROM OLD.seal_seq
         OR NEW.seal_hash IS DISTINCT FROM OLD.seal_hash))
     OR (NEW.client_ip IS NOT NULL AND NEW.client_ip IS DISTINCT FROM OLD.client_ip)
  THEN
    RAISE EXCEPTION 'audit events are append-only';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_guard BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_event_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_event_guard ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_guard();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
