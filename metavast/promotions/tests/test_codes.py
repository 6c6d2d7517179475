"""Discount codes: each refusal's reason, the cart and checkout (web and API), the order,
the invoice's Moadian fields, giving a use back, and the audited staff screen."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from metavast.accounts.testing import verify_staff_client
from metavast.audit.models import AuditEvent
from metavast.cart.models import Cart
from metavast.cart.pricing import price_cart
from metavast.cart.services import cart_apply_discount_code, cart_get_or_create
from metavast.catalog.services.products import category_create, product_create
from metavast.core.errors import DomainError
from metavast.core.money import format_toman
from metavast.core.vat import gross_amount, vat_amount
from metavast.invoices.services import credit_note_issue, invoice_issue_for_order
from metavast.orders.models import CancelReason
from metavast.orders.services import order_cancel, order_mark_paid
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    method,
    place,
)
from metavast.promotions.errors import (
    DiscountAlreadyUsed,
    DiscountBelowMinimum,
    DiscountExpired,
    DiscountNotApplicable,
    DiscountNotStarted,
    DiscountUnknown,
    DiscountUsedUp,
)
from metavast.promotions.models import DiscountCode, DiscountRedemption
from metavast.promotions.tests.factories import make_code
from metavast.reviews.tests.factories import make_staff

pytestmark = pytest.mark.django_db


def _refusal(user, code: str) -> DomainError:
    cart = cart_get_or_create(user=user)
    with pytest.raises(DomainError) as caught:
        cart_apply_discount_code(cart=cart, code=code)
    assert Cart.objects.get(pk=cart.pk).discount_code == ""  # nothing stored
    return caught.value


def test_each_refusal_has_its_own_persian_reason(shop):
    now = timezone.now()
    buyer = make_customer()
    variant = make_variant(price=1_000_000)
    fill_cart(buyer, (variant, 2))  # 2,200,000 Rials with VAT
    other = make_variant(price=500_000)
    make_code(code="LATER", starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=9))
    make_code(code="OLD", starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=1))
    make_code(code="BIGCART", min_cart_total=5_000_000)
    make_code(code="OTHERONLY", products=[other.product])
    full = make_code(code="FULL", max_uses=1)
    DiscountCode.objects.filter(pk=full.pk).update(used_count=1)

    cases = {
        "NOPE": (DiscountUnknown, "وجود ندارد"),
        "LATER": (DiscountNotStarted, "هنوز نرسیده"),
        "OLD": (DiscountExpired, "به پایان رسیده"),
        "BIGCART": (DiscountBelowMinimum, "دست‌کم ۵۰۰٬۰۰۰ تومان"),
        "OTHERONLY": (DiscountNotApplicable, "شامل کالاهای سبد خرید شما نمی‌شود"),
        "FULL": (DiscountUsedUp, "ظرفیت استفاده از این کد تخفیف تمام شده"),
    }
    for code, (error, words) in cases.items():
        refused = _refusal(buyer, code)
        assert type(refused) is error, code
        assert words in str(refused.message), (code, refused.message)
    assert len({cls.code for cls, _ in cases.values()}) == len(cases)


def test_a_customer_cannot_use_a_code_twice_but_another_customer_can(shop):
    code = make_code(code="ONCE", percent=10)
    first = make_customer()
    fill_cart(first, (make_variant(price=1_000_000), 1))
    cart_apply_discount_code(cart=cart_get_or_create(user=first), code="once")
    place(first)
    fill_cart(first, (make_variant(price=1_000_000), 1))
    refused = _refusal(first, "ONCE")
    assert type(refused) is DiscountAlreadyUsed
    assert "پیش‌تر از این کد تخفیف استفاده کرده‌اید" in str(refused.message)
    second = make_customer()
    fill_cart(second, (make_variant(price=1_000_000), 1))
    cart_apply_discount_code(cart=cart_get_or_create(user=second), code="ONCE")
    code.refresh_from_db()
    assert code.used_count == 1


def test_percent_code_applies_to_its_category_and_subcategories_only(shop):
    phones = category_create(name="گوشی", slug="phones-promo")
    android = category_create(name="اندروید", slug="android-promo", parent=phones)
    in_sub = make_variant(
        price=2_000_000,
        product=product_create(title="گوشی الف", category=android, slug="phone-a-promo"),
    )
    outside = make_variant(price=1_000_000)
    buyer = make_customer()
    fill_cart(buyer, (in_sub, 1), (outside, 1))
    make_code(code="PHONES20", percent=20, categories=[phones])
    cart = cart_get_or_create(user=buyer)
    cart_apply_discount_code(cart=cart, code="phones۲۰")  # Persian digits, lower case
    priced = price_cart(Cart.objects.get(pk=cart.pk), basis_points=1000)
    assert priced.applied_code == "PHONES20"
    assert [p.discount for p in priced.lines] == [440_000, 0]  # 20 % of 2,200,000
    assert priced.subtotal == 3_300_000 and priced.total == 2_860_000


def test_fixed_code_never_takes_more_than_the_items_cost(shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(price=100_000), 1))
    make_code(code="BIG", amount=5_000_000)
    cart = cart_get_or_create(user=buyer)
    cart_apply_discount_code(cart=cart, code="BIG")
    priced = price_cart(Cart.objects.get(pk=cart.pk), basis_points=1000)
    assert priced.discount == priced.subtotal == 110_000 and priced.total == 0
    order = place(buyer)
    assert order.total == order.shipping_cost + vat_amount(order.shipping_cost, 1000)
    assert order.discount == order.subtotal == 100_000


def _review(client, buyer) -> str:
    address = make_address(buyer)
    client.post("/checkout/address/", {"address": str(address.pk), "receiver_is_self": "1"})
    client.post("/checkout/shipping/", {"method": str(method().pk)})
    return client.get("/checkout/review/").content.decode()


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_web_cart_review_order_and_invoice_agree_to_the_rial(client, shop):
    buyer = make_customer()
    client.force_login(buyer)
    a, b = make_variant(price=1_234_567, on_hand=9), make_variant(price=2_000_003, on_hand=9)
    fill_cart(buyer, (a, 3), (b, 1))
    code = make_code(code="SAVE15", percent=15, max_uses=10)

    response = client.post("/cart/discount/", {"code": "save۱۵"}, follow=True)
    page = response.content.decode()
    assert "کد تخفیف اعمال شد" in page and "SAVE15" in page
    gross_a, gross_b = gross_amount(3 * 1_234_567, 1000), gross_amount(2_000_003, 1000)
    discount = (gross_a + gross_b) * 15 // 100
    cart_page = client.get("/cart/").content.decode()
    assert "قیمت‌ها با مالیات بر ارزش افزوده است" in cart_page

    review = _review(client, buyer)
    total = int(_hidden(review, "expected_total"))
    assert "شامل" in review and "مالیات بر ارزش افزوده" in review
    assert "SAVE15" in review
    # No line adds VAT on top any more: the grand total is the sum of the shown amounts.
    assert review.count("مبلغ قابل پرداخت") == 1

    response = client.post(
        "/checkout/place/",
        {
            "key": _hidden(review, "key"),
            "cart_version": _hidden(review, "cart_version"),
            "expected_total": str(total),
            "payment_method": "online",
        },
    )
    assert response.status_code == 302
    order = buyer.orders.get()
    shipping = gross_amount(order.shipping_cost, 1000)
    assert total == gross_a + gross_b + shipping - discount
    assert order.total == total and order.discount_code == "SAVE15" and order.vat_included
    assert order.subtotal + order.shipping_cost - order.discount + order.vat == order.total
    assert sum(line.charged for line in order.lines.all()) + shipping == total
    redemption = DiscountRedemption.objects.get(order=order)
    assert (redemption.code_id, redemption.amount, redemption.user_id) == (
        code.pk,
        discount,
        buyer.pk,
    )
    code.refresh_from_db()
    assert code.used_count == 1
    assert Cart.objects.get(user=buyer).discount_code == ""

    # The order page shows what was seen and paid: VAT included, the discount, «شامل».
    order_page = client.get(order.get_absolute_url()).content.decode()
    assert f"<dd>{format_toman(gross_a + gross_b)}</dd>" in order_page
    assert f"<dd>{format_toman(discount)}</dd>" in order_page
    assert f"شامل {format_toman(order.vat)} مالیات بر ارزش افزوده" in order_page

    order = order_mark_paid(order_id=order.pk, payment_id=777_001)
    invoice = invoice_issue_for_order(order_id=order.pk)
    assert invoice.total == order.total and invoice.vat == order.vat
    assert invoice.discount == order.discount > 0
    header, body = invoice.payload["header"], invoice.payload["body"]
    assert header["tdis"] == order.discount and header["tbill"] == total
    assert header["tadis"] == header["tprdis"] - header["tdis"]
    assert sum(row["tsstam"] for row in body) == total
    for row in body:
        assert row["adis"] == row["prdis"] - row["dis"]
        assert row["tsstam"] == row["adis"] + row["vam"]
        assert abs(row["vam"] - row["adis"] * row["vra"] / 100) <= 1
    assert [row["dis"] > 0 for row in body] == [True, True, False]  # shipping undiscounted


def test_cancelling_an_unpaid_order_gives_the_use_back_and_a_paid_one_does_not(shop):
    code = make_code(code="BACK", max_uses=2, max_uses_per_customer=2)
    buyer = make_customer()
    fill_cart(buyer, (make_variant(price=1_000_000), 1))
    cart_apply_discount_code(cart=cart_get_or_create(user=buyer), code="BACK")
    unpaid = place(buyer)
    fill_cart(buyer, (make_variant(price=1_000_000), 1))
    cart_apply_discount_code(cart=cart_get_or_create(user=buyer), code="BACK")
    paid = order_mark_paid(order_id=place(buyer).pk, payment_id=777_002)
    code.refresh_from_db()
    assert code.used_count == 2

    order_cancel(order=unpaid, actor=buyer, reason=CancelReason.CUSTOMER)
    code.refresh_from_db()
    assert code.used_count == 1
    assert DiscountRedemption.objects.get(order=unpaid).released_at is not None
    assert AuditEvent.objects.filter(action="promotions.redemption_released").count() == 1

    order_cancel(order=paid, actor=buyer, reason=CancelReason.CUSTOMER)
    code.refresh_from_db()
    assert code.used_count == 1  # paid: the use stays (a refund is staff's business)
    assert DiscountRedemption.objects.get(order=paid).released_at is None


def _api(client, verb, path, body=None):
    kwargs = {"content_type": "application/json"} if body is not None else {}
    call = getattr(client, verb)
    response = (
        call(f"/api/v1{path}", json.dumps(body), **kwargs) if body else call(f"/api/v1{path}")
    )
    return response.status_code, response.json()


def test_api_applies_a_code_refuses_with_reasons_and_places_with_it(client, shop):
    buyer = make_customer()
    client.force_login(buyer)
    variant = make_variant(price=3_000_000)
    fill_cart(buyer, (variant, 1))
    make_code(code="APP50", amount=500_000)
    make_code(code="HIGHMIN", min_cart_total=9_000_000)

    status, body = _api(client, "put", "/cart/discount-code", {"code": "NOPE"})
    assert status == 422 and body["code"] == "discount_unknown" and "وجود ندارد" in body["message"]
    status, body = _api(client, "put", "/cart/discount-code", {"code": "HIGHMIN"})
    assert status == 422 and body["code"] == "discount_below_minimum"
    assert "۹۰۰٬۰۰۰ تومان" in body["message"]
    status, body = _api(client, "put", "/cart/discount-code", {"code": "app50"})
    assert status == 200
    assert body["discount_code"] == "APP50" and body["discount"] == 500_000
    assert body["subtotal"] == 3_300_000 and body["total"] == 2_800_000
    status, body = _api(client, "delete", "/cart/discount-code")
    assert status == 200 and body["discount"] == 0 and body["discount_code"] == ""

    address = make_address(buyer)
    status, body = _api(
        client,
        "post",
        "/checkout/orders",
        {
            "address_id": address.pk,
            "shipping_method_id": method().pk,
            "idempotency_key": uuid.uuid4().hex,
            "discount_code": "APP50",
        },
    )
    assert status == 201, body
    assert body["discount_code"] == "APP50"
    assert (
        body["total"] == body["subtotal"] + body["shipping_cost"] - body["discount"] + body["vat"]
    )
    assert body["total"] == 2_800_000 + gross_amount(body["shipping_cost"], 1000)


def test_staff_create_a_code_with_jalali_dates_and_it_is_audited(shop):
    staff = make_staff("marketing")
    client = Client()
    client.force_login(staff)
    verify_staff_client(client, staff)
    response = client.post(
        "/admin/promotions/discountcode/add/",
        {
            "code": "yalda۱۴۰۵",
            "description": "شب یلدا",
            "is_active": "on",
            "kind": "percent",
            "percent": "۲۰",
            "amount": "",
            "min_cart_total": "۱۰۰٬۰۰۰",  # Toman: 1,000,000 Rials
            "starts_at_0": "۱۴۰۵/۰۹/۲۵",
            "starts_at_1": "۰۰:۰۰",
            "starts_at": "۱۴۰۵/۰۹/۲۵ ۰۰:۰۰",
            "ends_at": "۱۴۰۵/۰۹/۳۰ ۲۳:۵۹",
            "max_uses": "۱۰۰",
            "max_uses_per_customer": "۱",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    code = DiscountCode.objects.get(code="YALDA1405")
    assert (code.percent, code.min_cart_total, code.max_uses) == (20, 1_000_000, 100)
    local_start = timezone.localtime(code.starts_at)
    assert (local_start.year, local_start.month, local_start.day) == (2026, 12, 16)
    event = AuditEvent.objects.get(action="promotions.code_created")
    assert event.actor_id == staff.pk and event.after["code"] == "YALDA1405"

    response = client.post(
        f"/admin/promotions/discountcode/{code.pk}/change/",
        {
            "code": "YALDA1405",
            "kind": "fixed",
            "percent": "",
            "amount": "",
            "min_cart_total": "0",
            "starts_at": "۱۴۰۵/۰۹/۳۰ ۰۰:۰۰",
            "ends_at": "۱۴۰۵/۰۹/۲۵ ۰۰:۰۰",
            "max_uses_per_customer": "1",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "مبلغ تخفیف را به تومان بنویسید" in page
    assert "پایان اعتبار باید پس از آغاز آن باشد" in page
    assert not AuditEvent.objects.filter(action="promotions.code_changed").exists()
    assert client.get(f"/admin/promotions/discountcode/{code.pk}/delete/").status_code == 403


def test_credit_notes_reverse_a_discounted_invoice_to_the_rial(shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(price=1_234_567, on_hand=9), 3), (make_variant(price=99_999), 1))
    make_code(code="NOTE7", percent=7)
    cart_apply_discount_code(cart=cart_get_or_create(user=buyer), code="NOTE7")
    order = order_mark_paid(order_id=place(buyer).pk, payment_id=777_003)
    invoice = invoice_issue_for_order(order_id=order.pk)
    first = invoice.lines.order_by("position").first()
    part = credit_note_issue(invoice=invoice, quantities={first.pk: 1}, reason="بازگشت یک عدد")
    part_line = part.lines.get()
    assert 0 < part_line.discount <= first.discount
    assert part_line.net_amount == part_line.unit_price - part_line.discount
    second = invoice.lines.order_by("position")[1]
    rest = credit_note_issue(
        invoice=invoice,
        quantities={first.pk: first.quantity - 1, second.pk: second.quantity},
        include_shipping=True,
        reason="لغو باقی سفارش",
    )
    assert part.total + rest.total == invoice.total
    assert part.discount + rest.discount == invoice.discount
    assert part.vat + rest.vat == invoice.vat


def test_a_refused_code_stays_in_the_box_with_its_reason_beside_it(client, shop):
    """QA: a refused code came back as an empty box and a banner at the top of the page."""
    buyer = make_customer()
    client.force_login(buyer)
    fill_cart(buyer, (make_variant(price=100_000), 1))

    page = client.post("/cart/discount/", {"code": "NOPE-۱"}, follow=True).content.decode()
    box = re.search(r'<input id="discount-code-input"[^>]*>', page).group(0)
    assert 'value="NOPE-۱"' in box and 'aria-invalid="true"' in box
    error = re.search(r'<p class="problem" id="discount-code-error" role="alert">([^<]+)</p>', page)
    assert error and "کد تخفیف" in error.group(1)
    # Shown once: the next visit has an empty box again.
    again = client.get("/cart/").content.decode()
    assert "discount-code-error" not in again
    assert 'value="NOPE-۱"' not in again


def test_staff_type_discount_amounts_in_toman_and_they_are_kept_in_rials(shop):
    """QA: «مبلغ تخفیف (ریال)» and «حداقل مبلغ سبد با مالیات (ریال)» asked for Rials while
    the list (and the customer) read Toman."""
    staff = make_staff("marketing")
    client = Client()
    client.force_login(staff)
    verify_staff_client(client, staff)
    data = {
        "code": "TOMAN50",
        "description": "",
        "is_active": "on",
        "kind": "fixed",
        "percent": "",
        "amount": "٥٠٬٠٠٠",  # Arabic-Indic digits, Toman
        "min_cart_total": "۱٬۰۰۰٬۰۰۰",
        "starts_at": "۱۴۰۵/۰۹/۲۵ ۰۰:۰۰",
        "ends_at": "۱۴۰۵/۰۹/۳۰ ۲۳:۵۹",
        "max_uses": "",
        "max_uses_per_customer": "۱",
    }
    response = client.post("/admin/promotions/discountcode/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    code = DiscountCode.objects.get(code="TOMAN50")
    assert (code.amount, code.min_cart_total) == (500_000, 10_000_000)

    page = client.get(f"/admin/promotions/discountcode/{code.pk}/change/").content.decode()
    assert "(ریال)" not in page
    assert "مبلغ تخفیف (تومان)" in page and "حداقل مبلغ سبد با مالیات (تومان)" in page
    assert 'name="amount" value="۵۰٬۰۰۰"' in page
    assert 'name="min_cart_total" value="۱٬۰۰۰٬۰۰۰"' in page
    listing = client.get("/admin/promotions/discountcode/").content.decode()
    assert "۵۰٬۰۰۰ تومان" in listing

    refused = client.post(
        f"/admin/promotions/discountcode/{code.pk}/change/", {**data, "amount": "۵۰٬۰۰۰٫۰۱"}
    )
    assert refused.status_code == 200
    assert "مبلغ کمتر از یک ریال ممکن نیست" in refused.content.decode()
    code.refresh_from_db()
    assert code.amount == 500_000
