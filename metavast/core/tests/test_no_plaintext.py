"""No plaintext personal data at rest (issue 11, item 7).

A customer with distinctive details signs in from a distinctive IP and browser (user
agent), fails a password once (so axes records an attempt), places an order for another
receiver, pays, and gets an invoice whose PDF is written to private storage; then orders
again for a company (an official invoice: company name, national ID, postal code). Then the whole PostgreSQL database is
dumped with pg_dump and every file under the private storage root and MEDIA_ROOT is read:
none of the customer's values may appear, in any spelling we can think of (Latin and
Persian digits, with and without the country code, lower and upper case).
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.utils import timezone

from metavast.accounts.models import User, UserSession
from metavast.audit.models import AuditEvent
from metavast.core.text import to_persian_digits
from metavast.invoices.models import Invoice, OfficialBuyer
from metavast.invoices.services import invoice_issue_for_order, invoice_render_pdf
from metavast.notifications.models import OutboxMessage
from metavast.orders.models import Order
from metavast.orders.services import Receiver, order_mark_paid
from metavast.orders.tests.factories import (
    PASSWORD,
    fill_cart,
    make_address,
    make_variant,
    place,
    shop,  # noqa: F401
)

FIRST_NAME = "زرین‌تاج"
LAST_NAME = "کوهپایه‌نشین"
EMAIL = "zarrintaj.kuhpaye@example.org"
MOBILE = "+989127654321"
NATIONAL_CODE = "4721983654"
STREET = "خیابان شقایق‌زار شمالی"
RECEIVER_FIRST = "بهرامشاه"
RECEIVER_LAST = "نیک‌سرشت‌پور"
RECEIVER_MOBILE = "+989351239876"
IP = "203.0.113.77"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) KuhpayeProbe/7.31 Firefox/131.0"
USER_AGENT_MARK = "KuhpayeProbe"
COMPANY_NAME = "شرکت بازرگانی فیروزه‌نگار کوهپایه"
COMPANY_NATIONAL_ID = "14863792519"  # a valid check digit; also its economic number
COMPANY_POSTAL_CODE = "1379845163"
COMPANY_ADDRESS = "تهران، کوچهٔ نسترن‌دشت"


def _spellings_of_mobile(e164: str) -> list[str]:
    local = "0" + e164[3:]
    forms = [e164, e164[1:], local, e164[3:], "0098" + e164[3:]]
    return forms + [to_persian_digits(f) for f in forms]


def _spellings_of_text(value: str) -> list[str]:
    # ZWNJ and a plain space are both ways to write a Persian compound.
    forms = {value, value.replace("\u200c", " "), value.replace("\u200c", "")}
    return sorted(forms)


def forbidden_values() -> dict[str, str]:
    values: dict[str, str] = {}
    for form in _spellings_of_text(FIRST_NAME) + _spellings_of_text(LAST_NAME):
        values[form] = "name"
    for form in (EMAIL, EMAIL.upper(), EMAIL.split("@")[0]):
        values[form] = "email"
    for form in _spellings_of_mobile(MOBILE):
        values[form] = "mobile"
    for form in (NATIONAL_CODE, to_persian_digits(NATIONAL_CODE)):
        values[form] = "national code"
    for form in _spellings_of_text(STREET):
        values[form] = "street"
    for form in _spellings_of_text(RECEIVER_FIRST) + _spellings_of_text(RECEIVER_LAST):
        values[form] = "receiver name"
    for form in _spellings_of_mobile(RECEIVER_MOBILE):
        values[form] = "receiver mobile"
    for form in (IP, to_persian_digits(IP)):
        values[form] = "ip"
    for form in (USER_AGENT, USER_AGENT_MARK, USER_AGENT_MARK.lower()):
        values[form] = "user agent"
    for form in _spellings_of_text(COMPANY_NAME) + _spellings_of_text("فیروزه‌نگار"):
        values[form] = "company name"
    for form in (COMPANY_NATIONAL_ID, to_persian_digits(COMPANY_NATIONAL_ID)):
        values[form] = "company national id"
    for form in (COMPANY_POSTAL_CODE, to_persian_digits(COMPANY_POSTAL_CODE)):
        values[form] = "company postal code"
    return values


def pg_dump_text() -> str:
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is not installed")
    db = connection.settings_dict
    return subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "-h",
            db.get("HOST") or "127.0.0.1",
            "-p",
            str(db.get("PORT") or 5432),
            "-U",
            db.get("USER") or "postgres",
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def files_text(*roots: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for root in roots:
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if path.is_file():
                found[str(path)] = path.read_bytes()
    return found


def seed_customer_with_an_invoiced_order() -> tuple[User, Order, Invoice, Client]:
    now = timezone.now()
    user = User(
        email=EMAIL,
        email_confirmed_at=now,
        mobile=MOBILE,
        mobile_confirmed_at=now,
        first_name=FIRST_NAME,
        last_name=LAST_NAME,
        national_code=NATIONAL_CODE,
    )
    user.set_password(PASSWORD)
    user.save()

    # One wrong password (axes keeps an attempt with the IP), then the right one.
    client = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=USER_AGENT)
    client.post(
        "/accounts/login/", {"action": "password", "username": EMAIL, "password": "wrong-pass-1"}
    )
    response = client.post(
        "/accounts/login/", {"action": "password", "username": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 302, "the password sign-in did not succeed"
    # A success clears the account's attempts: a later typo leaves one for the dump.
    Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=USER_AGENT).post(
        "/accounts/login/", {"action": "password", "username": EMAIL, "password": "wrong-pass-2"}
    )

    address = make_address(user, street=STREET, postal_code="1193653471")
    fill_cart(user, (make_variant(price=2_500_000, on_hand=5), 1))
    order = place(
        user,
        address=address,
        receiver=Receiver(
            is_self=False,
            first_name=RECEIVER_FIRST,
            last_name=RECEIVER_LAST,
            mobile=RECEIVER_MOBILE,
        ),
        key=uuid.uuid4().hex,
    )
    order = order_mark_paid(order_id=order.pk, payment_id=987_654)
    invoice = invoice_issue_for_order(order_id=order.pk)
    invoice = invoice_render_pdf(invoice_id=invoice.pk)
    return user, order, invoice, client


def seed_business_invoice(user: User, client: Client) -> Invoice:
    """A second order, invoiced to a company through the customer's own form."""
    fill_cart(user, (make_variant(price=4_000_000, on_hand=5), 1))
    order = place(user, key=uuid.uuid4().hex)
    response = client.post(
        f"/invoices/official/{order.number}/",
        {
            "company_name": COMPANY_NAME,
            "economic_number": COMPANY_NATIONAL_ID,
            "national_id": COMPANY_NATIONAL_ID,
            "postal_code": COMPANY_POSTAL_CODE,
            "address": COMPANY_ADDRESS,
            "phone": "021 8877 6655",
        },
    )
    assert response.status_code == 302, "the official buyer was not recorded"
    order_mark_paid(order_id=order.pk, payment_id=987_655)
    invoice = invoice_issue_for_order(order_id=order.pk)
    return invoice_render_pdf(invoice_id=invoice.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_private_files_hold_no_plaintext_personal_data(shop, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    user, order, invoice, client = seed_customer_with_an_invoiced_order()
    business_invoice = seed_business_invoice(user, client)

    # Given: the data really is there, and readable through the application.
    user = User.objects.get(pk=user.pk)
    assert (user.email, user.first_name, user.last_name) == (EMAIL, FIRST_NAME, LAST_NAME)
    assert User.objects.by_email(EMAIL.upper()).get() == user
    session = UserSession.objects.filter(user=user).get()
    assert (session.ip, session.user_agent) == (IP, USER_AGENT)
    assert session.device_parts == ("Firefox 131", "Linux", "رایانه")
    signin = AuditEvent.objects.get(action="accounts.signin")
    assert (signin.client_ip, signin.user_agent) == (IP, USER_AGENT)
    assert AuditEvent.objects.filter(client_ip__isnull=False).exists()
    assert AuditEvent.objects.filter(client_ip__isnull=False).first().client_ip == IP
    # Axes keeps no user agent at all (see clientip.AxesHandlerWithoutUserAgent).
    assert list(AccessAttempt.objects.values_list("user_agent", flat=True)) == [""]
    assert Order.objects.get(pk=order.pk).receiver_first_name == RECEIVER_FIRST
    assert OutboxMessage.objects.exists()
    assert invoice.pdf_name
    official = OfficialBuyer.objects.get(order=business_invoice.order)
    assert (official.company_name, official.national_id, official.postal_code) == (
        COMPANY_NAME,
        COMPANY_NATIONAL_ID,
        COMPANY_POSTAL_CODE,
    )
    assert business_invoice.buyer_is_legal and business_invoice.pdf_name
    assert business_invoice.buyer["company_name"] == COMPANY_NAME
    assert business_invoice.payload["header"]["bid"] == COMPANY_NATIONAL_ID

    # When: the database and the private and media directories are read as raw bytes.
    dump = pg_dump_text()
    assert user.email_index in dump  # the dump really has the customer's row
    files = files_text(Path(settings.PRIVATE_STORAGE_ROOT), Path(settings.MEDIA_ROOT))
    assert any(name.endswith(".pdf") or "invoice" in name for name in files), files.keys()

    # Then: none of the customer's values appears in any form.
    leaks = [
        f"{kind} «{form}» in the database dump"
        for form, kind in forbidden_values().items()
        if form in dump
    ]
    for name, content in files.items():
        for form, kind in forbidden_values().items():
            if form.encode("utf-8") in content:
                leaks.append(f"{kind} «{form}» in {name}")
    assert leaks == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_dump_test_would_see_a_plaintext_value(shop):  # noqa: F811
    """The detector itself: a value written in clear is found (the test above can fail)."""
    user = User.objects.create_user(email="someone@example.com")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET first_name = %s WHERE id = %s", [FIRST_NAME, user.pk]
        )
    assert FIRST_NAME in pg_dump_text()


# --- The encrypted email and names still do their jobs ----------------------------------


@pytest.mark.django_db
def test_email_is_unique_case_insensitively_through_its_blind_index():
    from django.db import IntegrityError, transaction

    user = User.objects.create_user(email="Mina.Rad@Example.com")
    assert user.email == "mina.rad@example.com"
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="MINA.RAD@example.com")
    assert User.objects.get_by_natural_key(" MINA.rad@EXAMPLE.com ") == user
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("")


@pytest.mark.django_db
def test_saving_only_the_email_or_names_refreshes_their_indexes():
    user = User.objects.create_user(email="old@example.com", first_name="سارا", last_name="رادان")
    user.email = "new@example.com"
    user.first_name = "مینا"
    user.save(update_fields=["email", "first_name"])
    assert User.objects.by_email("NEW@example.com").get() == user
    assert not User.objects.by_email("old@example.com").exists()
    # Any spelling of the full name: Arabic yeh, extra spaces.
    assert User.objects.by_full_name("  مينا   رادان ").get() == user


@pytest.mark.django_db
def test_createsuperuser_and_password_sign_in_by_email(monkeypatch):
    from django.core.management import call_command
    from django.test import RequestFactory

    from metavast.accounts.backends import AccountBackend

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "harbour-tulip-5523")
    call_command("createsuperuser", email="Boss@Example.com", interactive=False, verbosity=0)
    boss = User.objects.by_email("boss@example.com").get()
    assert boss.is_superuser and boss.email == "boss@example.com"
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="10.1.2.3")
    signed_in = AccountBackend().authenticate(
        request, username="BOSS@example.com", password="harbour-tulip-5523"
    )
    assert signed_in == boss


@pytest.mark.django_db
def test_admin_search_is_an_exact_match_through_the_indexes():
    from django.contrib import admin
    from django.test import RequestFactory

    sara = User.objects.create_user(email="sara@example.com", first_name="سارا", last_name="رادان")
    other = User.objects.create_user(email="sarah@example.com", first_name="سارا", last_name="نیک")
    model_admin = admin.site._registry[User]
    request = RequestFactory().get("/admin/accounts/user/")

    def found(term):
        qs, _ = model_admin.get_search_results(request, User.objects.all(), term)
        return set(qs)

    assert found("SARA@example.com") == {sara}
    assert found("سارا رادان") == {sara}
    assert found("سارا") == set()  # a part of a name is not searchable: say so, not guess
    assert found("sara@") == set()
    assert found(str(other.pk)) == {other}
    assert "تطابق کامل" in model_admin.search_help_text
    assert "email" not in model_admin.sortable_by and "first_name" not in model_admin.sortable_by


@pytest.mark.django_db
def test_the_data_migration_encrypts_existing_plaintext_rows_once():
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module("metavast.accounts.migrations.0004_encrypt_email_names_ip")
    user = User.objects.create_user(email="x@example.com")
    with connection.cursor() as cursor:  # a row as it was before the migration
        cursor.execute(
            "UPDATE accounts_user SET email = %s, first_name = %s, last_name = %s, "
            "email_index = NULL, name_index = NULL WHERE id = %s",
            ["Legacy@Example.com", "سارا", "رادان", user.pk],
        )
    editor = SimpleNamespace(connection=connection)

    migration.encrypt_rows(None, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, first_name FROM accounts_user WHERE id = %s", [user.pk])
        sealed = cursor.fetchone()
    migration.encrypt_rows(None, editor)  # a second run changes nothing

    with connection.cursor() as cursor:
        cursor.execute("SELECT email, first_name FROM accounts_user WHERE id = %s", [user.pk])
        assert cursor.fetchone() == sealed
    assert "Legacy" not in sealed[0] and "سارا" not in sealed[1]
    assert User.objects.by_email("legacy@example.com").get().first_name == "سارا"
    assert User.objects.by_full_name("سارا رادان").get() == user


@pytest.mark.django_db
def test_the_user_agent_and_official_buyer_migrations_seal_plaintext_rows_once(shop):  # noqa: F811
    import importlib
    from types import SimpleNamespace

    from metavast.audit.services import audit_record
    from metavast.core import context

    forwards = [
        getattr(importlib.import_module(f"metavast.{module}"), function)
        for module, function in (
            ("accounts.migrations.0005_encrypt_session_user_agent", "encrypt_user_agents"),
            ("audit.migrations.0006_encrypt_user_agent", "encrypt_user_agents"),
            ("invoices.migrations.0005_encrypt_official_buyer", "encrypt_rows"),
        )
    ]
    from metavast.orders.tests.factories import make_customer

    user = make_customer()
    session = UserSession.objects.create(user=user, kind="web", session_key="k" * 32)
    token = context.set_current(context.RequestContext(ip=None, user_agent="UA"))
    try:
        event = audit_record(action="x.y", actor=user, subject=user)
    finally:
        context.reset(token)
    fill_cart(user, (make_variant(), 1))
    official = OfficialBuyer.objects.create(
        order=place(user),
        company_name="x",
        economic_number="x",
        national_id="x",
        postal_code="x",
        address="a",
        phone="p",
    )
    rows = (  # (table, column, id, the plaintext a pre-migration row held)
        ("accounts_usersession", "user_agent", session.pk, USER_AGENT),
        ("audit_auditevent", "user_agent", event.pk, USER_AGENT),
        ("invoices_officialbuyer", "company_name", official.pk, COMPANY_NAME),
        ("invoices_officialbuyer", "national_id", official.pk, COMPANY_NATIONAL_ID),
        ("invoices_officialbuyer", "postal_code", official.pk, COMPANY_POSTAL_CODE),
    )

    def raw() -> list[str]:
        values = []
        with connection.cursor() as cursor:
            for table, column, pk, _ in rows:
                cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
                values.append(cursor.fetchone()[0])
        return values

    with connection.cursor() as cursor:  # the rows as they were before the migrations
        for table, column, pk, plain in rows:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [plain, pk])
    editor = SimpleNamespace(connection=connection)

    for forward in forwards:
        forward(None, editor)
    sealed = raw()
    for forward in forwards:  # a second run changes nothing
        forward(None, editor)

    assert raw() == sealed and all(v.startswith("gAAAAA") for v in sealed)
    assert UserSession.objects.get(pk=session.pk).user_agent == USER_AGENT
    assert AuditEvent.objects.get(pk=event.pk).user_agent == USER_AGENT
    official = OfficialBuyer.objects.get(pk=official.pk)
    assert (official.company_name, official.national_id, official.postal_code) == (
        COMPANY_NAME,
        COMPANY_NATIONAL_ID,
        COMPANY_POSTAL_CODE,
    )
