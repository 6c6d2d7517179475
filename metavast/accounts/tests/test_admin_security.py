"""Issue 9, items 1 and 2: staff cannot grant themselves privileges, cannot reach superusers,
set passwords only through the customer's password service, and never see a TOTP secret.

Every test signs real staff accounts in (exact permissions, a verified TOTP device) and
posts the admin's own forms over HTTP.
"""

from __future__ import annotations

import base64

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from metavast.accounts.models import User, UserSession
from metavast.accounts.services.sessions import BACKEND
from metavast.accounts.testing import verify_staff_client
from metavast.accounts.tests.conftest import MOBILE, PASSWORD, make_user, sent
from metavast.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ADMIN = f"/{settings.ADMIN_PATH}"
USERS = f"{ADMIN}/accounts/user"
NEW_PASSWORD = "violet-canyon-5521"


def _perms(*codenames: str) -> list[Permission]:
    return [Permission.objects.get(codename=c) for c in codenames]


def _staff_client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return verify_staff_client(client, user)


@pytest.fixture
def clerk() -> User:
    """The account from the review: staff with view_user, change_user and view_order only."""
    user = make_user(mobile=None, email="clerk@example.com", is_staff=True, first_name="کارمند")
    user.user_permissions.set(_perms("view_user", "change_user", "view_order"))
    return user


@pytest.fixture
def clerk_client(clerk) -> Client:
    return _staff_client(clerk)


@pytest.fixture
def boss() -> User:
    return make_user(
        mobile="+989121110000",
        email="boss@example.com",
        is_staff=True,
        is_superuser=True,
        first_name="مدیر",
    )


@pytest.fixture
def boss_client(boss) -> Client:
    return _staff_client(boss)


@pytest.fixture
def customer() -> User:
    return make_user(email="customer@example.com", first_name="مریم", last_name="کاظمی")


@pytest.fixture
def editors() -> Group:
    group = Group.objects.create(name="ویراستاران")
    group.permissions.set(_perms("change_product"))
    return group


def _change_form(user: User, **changes) -> dict:
    """The user change form as the browser posts it (checkboxes present only when on)."""
    data = {"first_name": user.first_name, "last_name": user.last_name}
    if user.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _privileges(user: User) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (
        user.is_staff,
        user.is_superuser,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
    )


# --- 1. Privileges -----------------------------------------------------------------------


def test_staff_posting_is_superuser_on_their_own_form_does_not_become_superuser(
    clerk, clerk_client, editors
):
    before = _privileges(clerk)
    add_user = Permission.objects.get(codename="add_user")
    response = clerk_client.post(
        f"{USERS}/{clerk.pk}/change/",
        _change_form(
            clerk,
            first_name="کارمند تازه",
            is_superuser="on",
            is_staff="on",
            groups=[editors.pk],
            user_permissions=[add_user.pk],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    clerk.refresh_from_db()
    assert clerk.first_name == "کارمند تازه"  # the form was accepted; the privileges ignored
    assert (
        _privileges(clerk)
        == before
        == (True, False, [], ["change_user", "view_order", "view_user"])
    )
    assert not AuditEvent.objects.filter(action="accounts.privileges_changed_by_staff").exists()


def test_staff_form_shows_privileges_read_only(clerk, clerk_client):
    page = clerk_client.get(f"{USERS}/{clerk.pk}/change/").content.decode()
    assert 'name="first_name"' in page
    for field in ("is_superuser", "is_staff", "groups", "user_permissions", "is_active"):
        assert f'name="{field}"' not in page, field


def test_staff_cannot_grant_privileges_to_a_customer(clerk_client, customer, editors):
    response = clerk_client.post(
        f"{USERS}/{customer.pk}/change/",
        _change_form(customer, is_superuser="on", is_staff="on", groups=[editors.pk]),
    )
    assert response.status_code == 302
    assert _privileges(customer) == (False, False, [], [])


def test_superuser_cannot_change_their_own_privileges(boss, boss_client, editors):
    response = boss_client.post(
        f"{USERS}/{boss.pk}/change/",
        _change_form(boss, first_name="مدیر کل", groups=[editors.pk]),  # is_superuser off
    )
    assert response.status_code == 302
    boss.refresh_from_db()
    assert boss.first_name == "مدیر کل"
    assert _privileges(boss) == (True, True, [], [])
    assert not AuditEvent.objects.filter(action="accounts.privileges_changed_by_staff").exists()


def test_superuser_grants_privileges_and_it_is_audited(boss, boss_client, customer, editors):
    view_order = Permission.objects.get(codename="view_order")
    response = boss_client.post(
        f"{USERS}/{customer.pk}/change/",
        _change_form(
            customer, is_staff="on", groups=[editors.pk], user_permissions=[view_order.pk]
        ),
    )
    assert response.status_code == 302
    assert _privileges(customer) == (True, False, ["ویراستاران"], ["view_order"])
    event = AuditEvent.objects.get(action="accounts.privileges_changed_by_staff")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        boss.pk,
        "accounts.user",
        str(customer.pk),
    )
    assert event.before == {"is_staff": False, "groups": [], "user_permissions": []}
    assert event.after == {
        "is_staff": True,
        "groups": ["ویراستاران"],
        "user_permissions": ["orders.view_order"],
    }

    # Taking them away again is recorded the same way.
    boss_client.post(f"{USERS}/{customer.pk}/change/", _change_form(customer))
    assert _privileges(customer) == (False, False, [], [])
    last = AuditEvent.objects.filter(action="accounts.privileges_changed_by_staff").last()
    assert last.before == event.after and last.after == event.before


def test_superuser_making_another_superuser_is_audited(boss, boss_client, customer):
    boss_client.post(
        f"{USERS}/{customer.pk}/change/", _change_form(customer, is_staff="on", is_superuser="on")
    )
    assert _privileges(customer) == (True, True, [], [])
    event = AuditEvent.objects.get(action="accounts.privileges_changed_by_staff")
    assert event.before == {"is_staff": False, "is_superuser": False}
    assert event.after == {"is_staff": True, "is_superuser": True}


def test_staff_adding_a_user_cannot_make_it_privileged(clerk, editors):
    clerk.user_permissions.add(*_perms("add_user"))
    client = _staff_client(clerk)
    response = client.post(
        f"{USERS}/add/",
        {
            "email": "new@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [editors.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.by_email("new@example.com").get()
    assert _privileges(created) == (False, False, [], [])
    assert not AuditEvent.objects.filter(action="accounts.privileges_changed_by_staff").exists()


def test_superuser_deleting_a_group_is_audited(boss, boss_client, editors, customer):
    customer.groups.add(editors)
    response = boss_client.post(f"{ADMIN}/auth/group/{editors.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Group.objects.filter(pk=editors.pk).exists()
    event = AuditEvent.objects.get(action="accounts.group_deleted_by_staff")
    assert event.actor_id == boss.pk
    assert event.before == {
        "name": "ویراستاران",
        "permissions": ["catalog.change_product"],
        "members": 1,
    }


def test_staff_cannot_delete_a_group(clerk, editors):
    clerk.user_permissions.add(*_perms("view_group", "delete_group"))
    client = _staff_client(clerk)
    assert (
        client.post(f"{ADMIN}/auth/group/{editors.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Group.objects.filter(pk=editors.pk).exists()


# --- 1. Superusers and other staff are out of a non-superuser's reach ---------------------


def test_staff_cannot_open_edit_delete_or_reset_a_superuser(clerk_client, boss):
    before = (_privileges(boss), User.objects.get(pk=boss.pk).password)
    for url in (
        f"{USERS}/{boss.pk}/change/",
        f"{USERS}/{boss.pk}/password/",
        f"{USERS}/{boss.pk}/delete/",
        f"{USERS}/{boss.pk}/history/",
    ):
        assert clerk_client.get(url).status_code == 403, url
    assert (
        clerk_client.post(
            f"{USERS}/{boss.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        ).status_code
        == 403
    )
    assert (
        clerk_client.post(
            f"{USERS}/{boss.pk}/change/", _change_form(boss, first_name="هک", is_active=None)
        ).status_code
        == 403
    )
    assert clerk_client.post(f"{USERS}/{boss.pk}/delete/", {"post": "yes"}).status_code == 403
    boss.refresh_from_db()
    assert (_privileges(boss), boss.password) == before
    assert boss.first_name == "مدیر" and boss.is_active
    assert boss.check_password(PASSWORD)


def test_bulk_delete_action_cannot_delete_a_superuser(clerk, boss, customer):
    clerk.user_permissions.add(*_perms("delete_user"))
    client = _staff_client(clerk)
    response = client.post(
        f"{USERS}/",
        {"action": "delete_selected", "_selected_action": [boss.pk, customer.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert User.objects.filter(pk__in=[boss.pk, customer.pk]).count() == 2


def test_staff_cannot_reset_another_staff_members_password(clerk_client):
    other = make_user(mobile=None, email="other@example.com", is_staff=True)
    response = clerk_client.post(
        f"{USERS}/{other.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.check_password(PASSWORD)


def test_password_form_without_change_permission_is_refused_even_for_unknown_ids(customer):
    viewer = make_user(mobile=None, email="viewer@example.com", is_staff=True)
    viewer.user_permissions.set(_perms("view_user"))
    client = _staff_client(viewer)
    assert client.get(f"{USERS}/{customer.pk}/password/").status_code == 403
    assert client.get(f"{USERS}/999999/password/").status_code == 403


def test_user_list_still_shows_superusers_to_staff(clerk_client, boss):
    response = clerk_client.get(f"{USERS}/")
    assert response.status_code == 200
    # Issue 10: listed, with the email masked for a non-superuser.
    assert f'href="/admin/accounts/user/{boss.pk}/change/' in response.content.decode()
    assert "boss@example.com" not in response.content.decode()


# --- 1. A staff-set password goes through the customer's password service ----------------


def _customer_browser() -> Client:
    browser = Client()
    response = browser.post(
        "/accounts/login/", {"action": "password", "username": MOBILE, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert browser.get("/accounts/").status_code == 200
    return browser


def test_staff_password_reset_ends_the_customers_sessions_and_is_audited(
    clerk, clerk_client, customer
):
    phone, laptop = _customer_browser(), _customer_browser()
    assert UserSession.objects.filter(user=customer, revoked_at__isnull=True).count() == 2

    response = clerk_client.post(
        f"{USERS}/{customer.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{USERS}/{customer.pk}/change/"
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert UserSession.objects.filter(user=customer, revoked_at__isnull=True).count() == 0
    assert (
        phone.get("/accounts/").status_code == 302 and laptop.get("/accounts/").status_code == 302
    )
    changed = AuditEvent.objects.get(
        action="accounts.password_changed", subject_id=str(customer.pk)
    )
    assert changed.after == {"reason": "staff", "first_time": False}
    by_staff = AuditEvent.objects.get(action="accounts.password_set_by_staff")
    assert (by_staff.actor_id, by_staff.subject_id, by_staff.after) == (
        clerk.pk,
        str(customer.pk),
        {"own_account": False},
    )
    assert AuditEvent.objects.get(action="accounts.sessions_revoked").after == {
        "count": 2,
        "reason": "password_staff",
    }
    assert len(sent(template="accounts/password_changed")) >= 1


def test_staff_password_form_applies_the_password_rules(clerk_client, customer):
    response = clerk_client.post(
        f"{USERS}/{customer.pk}/password/", {"password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="accounts.password_set_by_staff").exists()


def test_staff_password_form_cannot_switch_password_sign_in_off(clerk_client, customer):
    response = clerk_client.post(
        f"{USERS}/{customer.pk}/password/", {"usable_password": "false", "unset-password": "1"}
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.has_usable_password() and customer.check_password(PASSWORD)


def test_own_password_change_in_the_admin_keeps_this_session_only(boss, boss_client):
    other_browser = _staff_client(boss)
    assert other_browser.get(f"{ADMIN}/").status_code == 200
    assert boss_client.get(f"{ADMIN}/").status_code == 200
    response = boss_client.post(
        f"{USERS}/{boss.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    boss.refresh_from_db()
    assert boss.check_password(NEW_PASSWORD)
    assert boss_client.get(f"{ADMIN}/").status_code == 200
    assert other_browser.get(f"{ADMIN}/").status_code == 302
    assert AuditEvent.objects.get(action="accounts.password_set_by_staff").after == {
        "own_account": True
    }


# --- 1. Groups carry privileges too -------------------------------------------------------


def test_staff_cannot_add_permissions_to_a_group(clerk, editors):
    clerk.user_permissions.add(*_perms("view_group", "change_group"))
    clerk.groups.add(editors)
    client = _staff_client(clerk)
    everything = list(Permission.objects.values_list("pk", flat=True))
    response = client.post(
        f"{ADMIN}/auth/group/{editors.pk}/change/",
        {"name": editors.name, "permissions": everything},
    )
    assert response.status_code == 403
    assert list(editors.permissions.values_list("codename", flat=True)) == ["change_product"]


def test_superuser_group_permission_change_is_audited(boss, boss_client, editors):
    view_order = Permission.objects.get(codename="view_order")
    response = boss_client.post(
        f"{ADMIN}/auth/group/{editors.pk}/change/",
        {"name": editors.name, "permissions": [view_order.pk]},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="accounts.group_permissions_changed_by_staff")
    assert event.actor_id == boss.pk
    assert event.before == {"name": "ویراستاران", "permissions": ["catalog.change_product"]}
    assert event.after == {"name": "ویراستاران", "permissions": ["orders.view_order"]}


# --- 2. TOTP devices: never a secret, superusers only, audited ----------------------------


@pytest.fixture
def devices(boss):
    totp = TOTPDevice.objects.filter(user=boss, confirmed=True).first()
    if totp is None:  # verify_staff_client makes it when the superuser's client is used
        totp = TOTPDevice.objects.create(user=boss, name="test", confirmed=True)
    static = StaticDevice.objects.create(user=boss, name="کدهای پشتیبان", confirmed=True)
    tokens = [StaticToken.objects.create(device=static, token=f"tk{i}x9q2m7") for i in range(3)]
    return totp, static, tokens


def _secrets(totp: TOTPDevice, tokens) -> list[str]:
    b32 = base64.b32encode(totp.bin_key).decode()
    return [
        totp.key.lower(),
        totp.key.upper(),
        b32,
        b32.rstrip("="),
        b32.rstrip("=").lower(),
        *(t.token for t in tokens),
    ]


def test_device_admin_pages_never_show_a_secret(boss_client, devices):
    totp, static, tokens = devices
    secrets = _secrets(totp, tokens)
    pages = {}
    for base, device in (
        (f"{ADMIN}/otp_totp/totpdevice", totp),
        (f"{ADMIN}/otp_static/staticdevice", static),
    ):
        for url in (
            f"{base}/",
            f"{base}/?q=boss",
            f"{base}/{device.pk}/change/",
            f"{base}/{device.pk}/delete/",
            f"{base}/{device.pk}/history/",
            f"{base}/{device.pk}/config/",
            f"{base}/{device.pk}/qrcode/",
        ):
            response = boss_client.get(url, follow=True)
            pages[url] = (response.status_code, response.content.decode(errors="replace"))
    pages["index"] = (200, boss_client.get(f"{ADMIN}/").content.decode())
    assert pages[f"{ADMIN}/otp_totp/totpdevice/{totp.pk}/change/"][0] == 200
    assert pages[f"{ADMIN}/otp_static/staticdevice/"][0] == 200
    for url, (status, body) in pages.items():
        assert status in (200, 404), url
        assert "image/svg" not in body and "otpauth://" not in body, url
        for secret in secrets:
            assert secret not in body, (url, secret)
    with pytest.raises(NoReverseMatch):
        reverse("admin:otp_totp_totpdevice_config", kwargs={"pk": totp.pk})
    with pytest.raises(NoReverseMatch):
        reverse("admin:otp_totp_totpdevice_qrcode", kwargs={"pk": totp.pk})


def test_device_list_shows_user_name_confirmed_and_last_use(boss_client, devices):
    page = boss_client.get(f"{ADMIN}/otp_totp/totpdevice/").content.decode()
    for column in ("column-user", "column-name", "column-confirmed", "column-last_used_at"):
        assert column in page
    assert "column-key" not in page and "qrcode" not in page


def test_device_admin_is_superuser_only_even_with_model_permissions(clerk, devices):
    totp, static, _ = devices
    clerk.user_permissions.add(
        *_perms(
            "view_totpdevice",
            "change_totpdevice",
            "delete_totpdevice",
            "add_totpdevice",
            "view_staticdevice",
            "change_staticdevice",
            "delete_staticdevice",
        )
    )
    client = _staff_client(clerk)
    for base, device in (
        (f"{ADMIN}/otp_totp/totpdevice", totp),
        (f"{ADMIN}/otp_static/staticdevice", static),
    ):
        for url in (f"{base}/", f"{base}/{device.pk}/change/", f"{base}/{device.pk}/delete/"):
            assert client.get(url).status_code == 403, url
        assert client.post(f"{base}/{device.pk}/delete/", {"post": "yes"}).status_code == 403
        assert (
            client.post(
                f"{base}/",
                {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"},
            ).status_code
            == 403
        )
        assert client.get(f"{base}/add/").status_code == 403
    index = client.get(f"{ADMIN}/").content.decode()
    assert "otp_totp" not in index and "otp_static" not in index
    assert TOTPDevice.objects.filter(pk=totp.pk).exists()
    assert StaticDevice.objects.filter(pk=static.pk).exists()
    assert not AuditEvent.objects.filter(action__startswith="accounts.otp_device").exists()


def test_superuser_cannot_edit_or_add_a_device_here(boss_client, devices):
    totp, _, _ = devices
    key = totp.key
    response = boss_client.post(
        f"{ADMIN}/otp_totp/totpdevice/{totp.pk}/change/",
        {"user": totp.user_id, "name": "x", "key": "00" * 20, "confirmed": "on"},
    )
    assert response.status_code == 403
    assert boss_client.get(f"{ADMIN}/otp_totp/totpdevice/add/").status_code == 403
    totp.refresh_from_db()
    assert (totp.key, totp.name) == (key, "test")


def test_superuser_deletes_a_device_and_it_is_audited(boss, boss_client, devices, customer):
    staffer = make_user(mobile=None, email="staffer@example.com", is_staff=True)
    device = TOTPDevice.objects.create(user=staffer, name="گوشی", confirmed=True)
    response = boss_client.post(f"{ADMIN}/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    event = AuditEvent.objects.get(action="accounts.otp_device_deleted_by_staff")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        boss.pk,
        "otp_totp.totpdevice",
        str(device.pk),
    )
    assert event.before == {"user_id": staffer.pk, "name": "گوشی", "confirmed": True}


def test_bulk_delete_of_static_devices_is_audited_per_device(boss_client, devices):
    _, static, _ = devices
    response = boss_client.post(
        f"{ADMIN}/otp_static/staticdevice/",
        {"action": "delete_selected", "_selected_action": [static.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not StaticDevice.objects.exists() and not StaticToken.objects.exists()
    assert (
        AuditEvent.objects.filter(
            action="accounts.otp_device_deleted_by_staff", subject_type="otp_static.staticdevice"
        ).count()
        == 1
    )


def test_looking_at_devices_is_audited(boss, boss_client, devices):
    totp, _, _ = devices
    boss_client.get(f"{ADMIN}/otp_totp/totpdevice/", {"q": "boss", "p": "0"})
    boss_client.get(f"{ADMIN}/otp_totp/totpdevice/{totp.pk}/change/")
    listed = AuditEvent.objects.get(action="accounts.otp_devices_listed_by_staff")
    assert (listed.actor_id, listed.subject_type) == (boss.pk, "otp_totp.totpdevice")
    assert listed.after == {"page": "0", "search": "boss", "filters": {}}
    viewed = AuditEvent.objects.get(action="accounts.otp_device_viewed_by_staff")
    assert (viewed.actor_id, viewed.subject_id) == (boss.pk, str(totp.pk))


def test_sessions_of_other_people_are_untouched_by_a_refused_reset(clerk_client, boss):
    """The refused password post must not end the superuser's sessions either."""
    boss_browser = _staff_client(boss)
    boss_browser.get(f"{ADMIN}/")
    sessions_before = Session.objects.count()
    clerk_client.post(
        f"{USERS}/{boss.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert Session.objects.count() == sessions_before
    assert boss_browser.get(f"{ADMIN}/").status_code == 200
