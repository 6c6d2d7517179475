"""The staff home: queues by role on the admin's index, counted in a fixed number of queries,
in Persian digits, each card behind its permission, each link a working filtered list."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metavast.accounts.testing import verify_staff_client
from metavast.checkout.demo import seed_shipping
from metavast.core.money import format_toman
from metavast.orders.models import InfoRequest, Order
from metavast.orders.services.info_requests import info_request_create
from metavast.orders.services.status import order_cancel, order_mark_paid, order_start_processing
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place
from metavast.payments.models import Payment, PaymentStatus
from metavast.staff import dashboard

pytestmark = pytest.mark.django_db

LATIN_DIGIT = re.compile(r"[0-9]")
_payment_ids = itertools.count(1)


def _cards_html(page: str) -> str:
    match = re.search(r'<section class="staff-home".*?</section>', page, re.DOTALL)
    assert match, "no staff home section on the admin index"
    return match.group(0)


def _text(html: str) -> str:
    """What a reader sees: tags (and the URLs in their attributes) removed."""
    return re.sub(r"<[^>]+>", " ", html)


def _paid_order(variant=None):
    buyer = make_customer()
    fill_cart(buyer, (variant or make_variant(), 1))
    order = place(buyer)
    return order_mark_paid(order_id=order.pk, payment_id=next(_payment_ids))


@pytest.fixture
def shop(db):
    seed_shipping()


@pytest.fixture
def admin_user(db):
    return make_customer(is_staff=True, first_name="مدیر")


def _staff_with(*perms: str):
    user = make_customer(first_name="کارمند")
    user.is_staff = True
    user.is_superuser = False
    user.save()
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    return user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return verify_staff_client(client, user)


@pytest.fixture
def queues(shop, admin_user):
    """Two orders to ship (one paid, one processing), two waiting for the customer (one past
    its deadline), one cancelled; a payment to return and one stuck at the bank; two
    variants low on stock."""
    to_pack = _paid_order()
    order_start_processing(order=to_pack, actor=admin_user)
    waiting_paid = _paid_order()
    overdue = _paid_order()
    info_request_create(order=overdue, fields=["address"], message="پلاک؟", actor=admin_user)
    InfoRequest.objects.filter(order=overdue).update(
        deadline_at=timezone.now() - dt.timedelta(hours=1)
    )
    asked = _paid_order()
    info_request_create(order=asked, fields=["mobile"], message="شماره؟", actor=admin_user)
    cancelled = _paid_order()
    order_cancel(order=cancelled, actor=admin_user, reason="staff")

    Payment.objects.create(
        order=cancelled, gateway="sandbox", amount=cancelled.total, status=PaymentStatus.REFUND_DUE
    )
    stuck = Payment.objects.create(
        order=waiting_paid, gateway="sandbox", amount=1, status=PaymentStatus.PENDING
    )
    Payment.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    Payment.objects.create(
        order=waiting_paid, gateway="sandbox", amount=1, status=PaymentStatus.PENDING
    )

    low = [make_variant(title="لیوان سفالی", on_hand=2), make_variant(title="قوری", on_hand=1)]
    make_variant(title="بشقاب", on_hand=40)
    return {
        "paid_orders": [to_pack, waiting_paid, overdue, asked],
        "low": low,
    }


def test_admin_index_is_the_staff_home_with_every_queue(queues, admin_user):
    page = _client(admin_user).get("/admin/").content.decode()
    cards = _cards_html(page)
    # The app list is still there, below the cards.
    assert page.index('class="staff-home"') < page.index('class="app-')
    found = dashboard.staff_home_cards(admin_user)
    values = {(c.key, line.label): line.value for c in found for line in c.lines}
    assert values[("to_ship", "در حال آماده‌سازی")] == "۱"
    assert values[("to_ship", "پرداخت‌شده، هنوز شروع نشده")] == "۱"
    assert values[("awaiting_info", "منتظر پاسخ مشتری")] == "۲"
    assert values[("awaiting_info", "گذشته از مهلت پاسخ")] == "۱"
    assert values[("payments", "وجه رسیده که باید بازگردد")] == "۱"
    assert values[("payments", "بی‌پاسخ از بانک")] == "۱"
    assert values[("low_stock", "مدل‌هایی با موجودی ۳ یا کمتر")] == "۲"
    total = sum(o.total for o in queues["paid_orders"])
    assert values[("sales", "سفارش‌های پرداخت‌شدهٔ امروز")] == "۴"  # the cancelled one is out
    assert values[("sales", "فروش امروز")] == format_toman(total)
    assert values[("backup_codes", "کدهای به‌کارنرفته")] == "۰"
    for value in values.values():
        assert value in cards
    assert "قوری" in cards and "لیوان سفالی" in cards and "بشقاب" not in cards
    assert not LATIN_DIGIT.search(_text(cards)), _text(cards)


def test_every_card_link_opens_its_filtered_list(queues, admin_user):
    client = _client(admin_user)
    urls = [line.url for c in dashboard.staff_home_cards(admin_user) for line in c.lines]
    assert all(urls[:2])
    for url in filter(None, urls):
        response = client.get(url)
        assert response.status_code == 200, url
    # The filters select what the card counted.
    processing = client.get("/admin/orders/order/?status__exact=processing").content.decode()
    assert queues["paid_orders"][0].number in processing
    assert queues["paid_orders"][1].number not in processing
    low = next(c for c in dashboard.staff_home_cards(admin_user) if c.key == "low_stock")
    listed = client.get(low.lines[0].url).content.decode()
    assert all(v.sku in listed for v in queues["low"])
    assert "بشقاب" not in listed


def test_cards_follow_permissions(queues):
    warehouse = _staff_with("orders.view_order", "catalog.view_variant")
    keys = [c.key for c in dashboard.staff_home_cards(warehouse)]
    assert keys == ["to_ship", "awaiting_info", "low_stock", "backup_codes"]

    finance = _staff_with("payments.view_payment", "orders.view_order")
    assert "payments" in [c.key for c in dashboard.staff_home_cards(finance)]

    nobody = _staff_with()
    assert [c.key for c in dashboard.staff_home_cards(nobody)] == ["backup_codes"]


def test_marketing_sees_aggregates_and_no_people(queues):
    try:
        marketing = _staff_with("staff.view_sales_aggregates")
    except Permission.DoesNotExist:
        pytest.skip("staff.view_sales_aggregates is created by the roles work (part R)")
    keys = [c.key for c in dashboard.staff_home_cards(marketing)]
    assert keys == ["sales", "backup_codes"]
    page = _client(marketing).get("/admin/").content.decode()
    cards = _cards_html(page)
    for order in queues["paid_orders"]:
        assert order.number not in page
    assert "محمدی" not in cards  # the buyers' family name
    assert "فروش امروز" in cards


def test_month_starts_on_the_first_of_the_jalali_month():
    # 1 Dey 1405 is 22 December 2026; at 10:00 Tehran on 5 Dey the month began on 1 Dey.
    now = dt.datetime(2026, 12, 26, 10, 0, tzinfo=dashboard.jalali.TEHRAN)
    start = dashboard.jalali_month_start(now)
    assert start == dt.datetime(2026, 12, 22, 0, 0, tzinfo=dashboard.jalali.TEHRAN)


def test_sales_count_the_jalali_month_not_the_gregorian_one(shop, admin_user):
    before = _paid_order()
    inside = _paid_order()
    now = dt.datetime(2026, 12, 26, 10, 0, tzinfo=dashboard.jalali.TEHRAN)
    Order.objects.filter(pk=before.pk).update(
        paid_at=dt.datetime(2026, 12, 21, 23, 0, tzinfo=dashboard.jalali.TEHRAN)
    )
    Order.objects.filter(pk=inside.pk).update(
        paid_at=dt.datetime(2026, 12, 22, 0, 30, tzinfo=dashboard.jalali.TEHRAN)
    )
    sales = next(c for c in dashboard.staff_home_cards(admin_user, now=now) if c.key == "sales")
    assert sales.lines[2].label == "سفارش‌های پرداخت‌شدهٔ دی"
    assert sales.lines[2].value == "۱"
    assert sales.lines[0].value == "۰"  # neither was paid on 5 Dey


def test_a_fixed_number_of_queries_whatever_the_data(
    queues, admin_user, django_assert_max_num_queries
):
    # Orders, payments, low stock, the register, the viewer's backup codes: five queries.
    with django_assert_max_num_queries(5):
        dashboard.staff_home_cards(admin_user)
    client = _client(admin_user)
    client.get("/admin/")  # the first request also records the session (accounts.UserSession)
    with CaptureQueriesContext(connection) as before:
        assert client.get("/admin/").status_code == 200
    for _ in range(5):
        _paid_order(make_variant(on_hand=1))
    with django_assert_max_num_queries(5):
        dashboard.staff_home_cards(admin_user)
    with CaptureQueriesContext(connection) as after:
        assert client.get("/admin/").status_code == 200
    assert len(after) == len(before) <= 14


def test_legal_officers_see_requests_awaiting_a_second_officer_not_their_own(db):
    from metavast.legal.models import AuthorityType, DisclosureRequest, DisclosureStatus

    first = _staff_with("legal.approve_disclosurerequest")
    second = _staff_with("legal.approve_disclosurerequest")

    def request(by, status):
        return DisclosureRequest.objects.create(
            authority_name="دادسرای ناحیهٔ ۱ تهران",
            authority_type=AuthorityType.JUDICIARY,
            letter_number="۱۲۳/الف",
            letter_date=dt.date(2026, 12, 1),
            legal_basis="دستور قضایی",
            customer_ids_sealed="[]",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 11, 30),
            requested_by=by,
            status=status,
        )

    request(first, DisclosureStatus.AWAITING_APPROVAL)
    request(second, DisclosureStatus.AWAITING_APPROVAL)
    request(second, DisclosureStatus.AWAITING_APPROVAL)
    request(second, DisclosureStatus.APPROVED)

    def legal_count(user):
        card = next(c for c in dashboard.staff_home_cards(user) if c.key == "legal")
        return card.lines[0].value

    assert legal_count(first) == "۲"
    assert legal_count(second) == "۱"
    assert "legal" not in [c.key for c in dashboard.staff_home_cards(_staff_with())]
