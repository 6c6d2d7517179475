"""Staff see failed messages (masked) and retry them; retries and looks are audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from metavast.accounts.models import User
from metavast.accounts.testing import verify_staff_client
from metavast.audit.models import AuditEvent
from metavast.notifications import services
from metavast.notifications.backends import locmem
from metavast.notifications.models import OutboxMessage, Status

from .conftest import MOBILE

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_outboxmessage_changelist"


def _staff_client(user: User) -> Client:
    """A signed-in client whose session has passed two-factor, as the admin requires."""
    client = Client()
    client.force_login(user)
    return verify_staff_client(client, user)


@pytest.fixture
def superuser():
    return User.objects.create_superuser("root@example.com", "a long admin passphrase")


@pytest.fixture
def support_staff():
    user = User.objects.create_user(email="support@example.com", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_outboxmessage"),
        Permission.objects.get(codename="retry_outboxmessage"),
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def failed_sms(make_user):
    (message,) = services.notify(
        user=make_user(), template="orders/paid", context={"order_number": "77"}, channels=("sms",)
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.FAILED, attempts=8, last_error="kavenegar_418"
    )
    return OutboxMessage.objects.get(pk=message.pk)


def test_the_list_masks_addresses(superuser, failed_sms):
    response = _staff_client(superuser).get(reverse(CHANGELIST), {"status__exact": "failed"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "+98912***6789" in page
    assert MOBILE not in page
    assert "kavenegar_418" in page


def test_support_staff_never_see_the_address_or_body(support_staff, failed_sms):
    url = reverse("admin:notifications_outboxmessage_change", args=[failed_sms.pk])

    page = _staff_client(support_staff).get(url).content.decode()

    assert "+98912***6789" in page
    assert MOBILE not in page
    assert failed_sms.body not in page
    assert not AuditEvent.objects.filter(action="notifications.view").exists()


def test_a_superusers_look_at_the_body_is_audited(superuser, failed_sms):
    url = reverse("admin:notifications_outboxmessage_change", args=[failed_sms.pk])

    page = _staff_client(superuser).get(url).content.decode()

    assert MOBILE in page
    event = AuditEvent.objects.get(action="notifications.view")
    assert (event.actor_id, event.subject_id) == (superuser.pk, str(failed_sms.pk))


def test_retry_action_requeues_and_delivers_and_is_audited(
    support_staff, failed_sms, django_capture_on_commit_callbacks
):
    client = _staff_client(support_staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST),
            {"action": "retry_messages", "_selected_action": [failed_sms.pk]},
            follow=True,
        )

    assert response.status_code == 200
    failed_sms.refresh_from_db()
    assert failed_sms.status == Status.SENT
    assert len(locmem.outbox) == 1
    event = AuditEvent.objects.get(action="notifications.retry")
    assert event.actor_id == support_staff.pk
    assert event.subject_type == "notifications.outboxmessage"
    assert event.before["status"] == "failed" and event.after == {"status": "pending"}


def test_retry_refuses_messages_that_did_not_fail(superuser, make_user):
    (message,) = services.notify(
        user=make_user(), template="orders/paid", context={"order_number": "1"}, channels=("sms",)
    )
    client = _staff_client(superuser)

    response = client.post(
        reverse(CHANGELIST),
        {"action": "retry_messages", "_selected_action": [message.pk]},
        follow=True,
    )

    assert "دوباره فرستاده نشد" in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 0)
    assert not AuditEvent.objects.filter(action="notifications.retry").exists()


def test_staff_without_the_retry_permission_get_no_retry_action(failed_sms):
    viewer = User.objects.create_user(email="viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    client = _staff_client(User.objects.get(pk=viewer.pk))

    client.post(
        reverse(CHANGELIST), {"action": "retry_messages", "_selected_action": [failed_sms.pk]}
    )

    failed_sms.refresh_from_db()
    assert failed_sms.status == Status.FAILED
    assert not AuditEvent.objects.filter(action="notifications.retry").exists()
