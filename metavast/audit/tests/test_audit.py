import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from metavast.accounts.models import User
from metavast.audit.errors import AuditImmutableError
from metavast.audit.models import AuditEvent
from metavast.audit.services import audit_record, audit_seal, audit_verify
from metavast.core import context

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    user = User.objects.by_email("staff@example.com").first() or User.objects.create_user(
        email="staff@example.com", is_staff=True
    )
    return [
        audit_record(action="test.action", actor=user, subject=user, after={"n": i})
        for i in range(n)
    ]


def test_record_takes_ip_and_user_agent_from_request_context():
    token = context.set_current(context.RequestContext(ip="5.6.7.8", user_agent="UA/1"))
    try:
        event = audit_record(action="x.y", subject_type="thing", subject_id=7)
    finally:
        context.reset(token)
    event.refresh_from_db()
    assert (event.client_ip, event.user_agent, event.subject_id) == ("5.6.7.8", "UA/1", "7")


def test_record_scrubs_secrets_from_snapshots():
    event = audit_record(
        action="x.y", before={"password": "hunter2", "name": "a"}, after={"otp_code": "123456"}
    )
    event.refresh_from_db()
    assert event.before == {"password": "[redacted]", "name": "a"}
    assert event.after == {"otp_code": "[redacted]"}


def test_rows_cannot_be_changed_or_deleted_through_the_orm():
    (event,) = _events(1)
    event.action = "changed"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.action"


def test_admin_is_read_only(admin_client):
    (event,) = _events(1)
    from django.conf import settings

    base = f"/{settings.ADMIN_PATH}/audit/auditevent/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(f"{base}add/").status_code == 403
    assert admin_client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_seal_then_verify_is_intact_and_incremental():
    _events(3)
    assert audit_seal().sealed == 3
    _events(2)
    assert audit_seal().sealed == 2
    assert audit_seal().sealed == 0
    result = audit_verify()
    assert result.ok and result.checked == 5
    assert list(AuditEvent.objects.order_by("seal_seq").values_list("seal_seq", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
    ]


def _tamper(sql: str, params: list) -> None:
    """Change a row behind the ORM's back, as someone with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_guard")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_guard")


def test_verify_reports_the_first_tampered_row(capsys):
    events = _events(4)
    audit_seal()
    _tamper("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', events[2].pk])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id == events[2].pk
    assert result.checked == 2
    with pytest.raises(CommandError, match=f"event id {events[2].pk}"):
        call_command("audit_verify")


def test_verify_reports_a_deleted_row():
    events = _events(3)
    audit_seal()
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    result = audit_verify()
    assert result.first_bad_id == events[2].pk
    assert "missing" in result.reason


@pytest.mark.postgres
def test_database_refuses_changes_on_postgres():
    (event,) = _events(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.action"
