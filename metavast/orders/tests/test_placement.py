import uuid

import pytest
from django.core.exceptions import ValidationError

from metavast.audit.models import AuditEvent
from metavast.cart.models import CartLine
from metavast.cart.services import cart_add, cart_get_or_create
from metavast.catalog.models import Variant
from metavast.checkout.errors import AddressNotFound, CodNotAllowed, CustomerIncomplete
from metavast.notifications.models import OutboxMessage
from metavast.orders import errors
from metavast.orders.models import Order, OrderStatus
from metavast.orders.services import Receiver, order_place
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    method,
    place,
)

pytestmark = pytest.mark.django_db


def test_placing_snapshots_lines_prices_address_and_reserves_stock(shop):
    buyer = make_customer()
    a = make_variant(title="کتاب سمفونی مردگان", price=2_500_000, on_hand=3)
    b = make_variant(title="دفتر یادداشت", price=400_000, on_hand=10, options=[("رنگ", "آبی")])
    fill_cart(buyer, (b, 2), (a, 1))
    address = make_address(buyer, postal_code="۱۱۹۳۶۵۳۴۷۱")

    order = place(buyer, address=address)

    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.number.startswith("MV-") and len(order.number) == 11
    lines = {line.sku: line for line in order.lines.all()}
    assert lines[a.sku].unit_price == 2_500_000 and lines[a.sku].quantity == 1
    assert lines[b.sku].line_total == 800_000 and lines[b.sku].options_label == "آبی"
    assert order.subtotal == 3_300_000
    # 2 kg by the default weight, Tehran, پیشتاز: 95,000 Toman.
    assert order.shipping_cost == 950_000
    assert order.vat_rate_basis_points == 1000
    assert order.vat == 425_000
    assert order.total == 3_300_000 + 950_000 + 425_000
    assert order.city == "تهران" and order.postal_code == "1193653471"
    assert order.receiver_is_self and order.receiver_first_name == "سارا"
    assert order.receiver_mobile == buyer.confirmed_mobile
    assert order.expires_at > order.placed_at
    assert Variant.objects.get(pk=a.pk).reserved == 1
    assert Variant.objects.get(pk=b.pk).reserved == 2
    assert not CartLine.objects.filter(cart__user=buyer).exists()
    assert list(order.history.values_list("from_status", "to_status")) == [("", "awaiting_payment")]
    assert AuditEvent.objects.filter(action="orders.placed", subject_id=str(order.pk)).exists()
    assert OutboxMessage.objects.filter(template="orders/placed").count() == 2


def test_receiver_is_stored_encrypted_on_the_order_only(shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    address = make_address(buyer)
    order = place(
        buyer,
        address=address,
        receiver=Receiver(
            is_self=False, first_name="مریم", last_name="کاظمی", mobile="۰۹۳۵۱۱۱۲۲۳۳"
        ),
    )
    order.refresh_from_db()
    assert order.receiver_name == "مریم کاظمی"
    assert order.receiver_mobile == "+989351112233"
    address.refresh_from_db()
    assert address.receiver_is_self and address.receiver_mobile == ""
    buyer.refresh_from_db()
    assert buyer.first_name == "سارا"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "select receiver_first_name, receiver_mobile, street from orders_order where id = %s",
            [order.pk],
        )
        raw = cursor.fetchone()
    assert "مریم" not in raw[0] and "9351112233" not in raw[1] and "آزادی" not in raw[2]


def test_same_checkout_key_makes_one_order(shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(on_hand=5), 2))
    address = make_address(buyer)
    key = uuid.uuid4().hex
    first = place(buyer, address=address, key=key)
    second = place(buyer, address=address, key=key)
    assert first.pk == second.pk
    assert Order.objects.count() == 1


def test_posted_prices_never_reach_the_order(shop):
    buyer = make_customer()
    variant = make_variant(price=1_000_000)
    fill_cart(buyer, (variant, 1))
    CartLine.objects.filter(cart__user=buyer).update(price_when_added=1)
    order = place(buyer)
    assert order.lines.get().unit_price == 1_000_000


def test_expected_total_mismatch_is_refused_and_nothing_changes(shop):
    buyer = make_customer()
    variant = make_variant(price=1_000_000, on_hand=2)
    cart = fill_cart(buyer, (variant, 1))
    with pytest.raises(errors.TotalChanged):
        order_place(
            user=buyer,
            cart=cart,
            address=make_address(buyer),
            receiver=Receiver(),
            shipping_method_id=method().pk,
            payment_method="online",
            checkout_key="k1",
            expected_total=5,
        )
    assert Order.objects.count() == 0
    assert Variant.objects.get(pk=variant.pk).reserved == 0
    assert CartLine.objects.filter(cart=cart).count() == 1


def test_more_than_in_stock_is_refused_with_a_clear_message(shop):
    buyer = make_customer()
    variant = make_variant(title="چراغ مطالعه", on_hand=2)
    fill_cart(buyer, (variant, 2))
    Variant.objects.filter(pk=variant.pk).update(on_hand=1)
    with pytest.raises(errors.OutOfStock) as exc:
        place(buyer)
    assert "چراغ مطالعه" in str(exc.value.message) and "۱" in str(exc.value.message)
    assert Order.objects.count() == 0
    assert Variant.objects.get(pk=variant.pk).reserved == 0


def test_empty_cart_is_refused(shop):
    buyer = make_customer()
    cart_get_or_create(user=buyer)
    with pytest.raises(errors.CartEmpty):
        place(buyer)


@pytest.mark.parametrize(
    "kwargs, missing",
    [
        ({"mobile_confirmed": False}, "mobile"),
        ({"email_confirmed": False}, "email"),
        ({"first_name": ""}, "name"),
    ],
)
def test_p1_name_confirmed_mobile_and_email_are_required(shop, kwargs, missing):
    buyer = make_customer(**kwargs)
    fill_cart(buyer, (make_variant(), 1))
    with pytest.raises(CustomerIncomplete) as exc:
        place(buyer)
    assert missing in exc.value.fields
    assert Order.objects.count() == 0


def test_another_customers_address_is_not_found(shop):
    buyer, other = make_customer(), make_customer()
    fill_cart(buyer, (make_variant(), 1))
    with pytest.raises(AddressNotFound):
        place(buyer, address=make_address(other))
    assert Order.objects.count() == 0


def test_receiver_mobile_is_validated(shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    with pytest.raises(ValidationError) as exc:
        place(buyer, receiver=Receiver(is_self=False, first_name="علی", last_name="", mobile="12"))
    assert {"receiver_last_name", "receiver_mobile"} <= set(exc.value.message_dict)


def test_cash_on_delivery_only_where_the_method_allows_it(shop):
    buyer = make_customer()
    variant = make_variant(on_hand=3)
    fill_cart(buyer, (variant, 1))
    with pytest.raises(CodNotAllowed):
        place(buyer, shipping="post-pishtaz", payment="cod")
    order = place(buyer, shipping="tipax", payment="cod")
    assert order.status == OrderStatus.PROCESSING and order.expires_at is None
    variant.refresh_from_db()
    assert (variant.on_hand, variant.reserved) == (2, 0)
    # Its SMS and email say it is paid at the door, not "after payment" (QA: they did).
    bodies = [m.body for m in OutboxMessage.objects.filter(template="orders/placed", user=buyer)]
    assert len(bodies) == 2
    assert all("هنگام تحویل" in body and "پس از" not in body for body in bodies), bodies


def test_courier_only_in_its_cities(shop):
    from metavast.checkout.errors import ShippingUnavailable

    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    with pytest.raises(ShippingUnavailable):
        place(buyer, address=make_address(buyer, province="yazd", city="یزد"), shipping="courier")
    order = place(buyer, shipping="courier")
    assert order.shipping_method_name == "پیک همان روز"


def test_unpublished_product_in_cart_is_refused(shop):
    buyer = make_customer()
    variant = make_variant()
    fill_cart(buyer, (variant, 1))
    Variant.objects.filter(pk=variant.pk).update(is_active=False)
    with pytest.raises(errors.OutOfStock):
        place(buyer)


def test_cart_changed_after_placing_does_not_touch_the_order(shop):
    buyer = make_customer()
    a, b = make_variant(price=1_000_000), make_variant(price=7_000_000)
    fill_cart(buyer, (a, 1))
    order = place(buyer)
    total = order.total
    # Another tab adds to the cart after the order was placed.
    cart_add(cart=cart_get_or_create(user=buyer), variant_id=b.pk, quantity=3)
    from metavast.orders.services import order_mark_paid

    paid = order_mark_paid(order_id=order.pk, payment_id=77)
    assert paid.total == total
    assert [line.sku for line in paid.lines.all()] == [a.sku]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.on_hand, a.reserved) == (4, 0)
    assert (b.on_hand, b.reserved) == (5, 0)
