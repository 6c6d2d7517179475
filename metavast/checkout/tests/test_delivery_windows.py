"""Issue 15, item 9: shipping options that say each thing once, the receiver named on the
shipping step, and courier delivery windows with a capacity (refused when full)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.checkout.delivery import delivery_booking_release
from metavast.checkout.models import (
    COD_NOTE,
    CheckoutDraft,
    DeliveryBooking,
    DeliveryWindow,
    ShippingMethod,
)
from metavast.checkout.services import checkout_place
from metavast.checkout.tests.test_checkout_pages import hidden
from metavast.core.testing import run_concurrently
from metavast.orders.models import Order
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    method,
)

pytestmark = pytest.mark.django_db


def _courier() -> ShippingMethod:
    courier = method("courier")
    courier.needs_delivery_window = True
    courier.save(update_fields=["needs_delivery_window"])
    return courier


def _window(*, days: int = 1, start: int = 9, capacity: int = 3, **extra) -> DeliveryWindow:
    return DeliveryWindow.objects.create(
        method=extra.pop("courier", None) or _courier(),
        date=timezone.localdate() + dt.timedelta(days=days),
        starts_at=dt.time(start),
        ends_at=dt.time(start + 3),
        capacity=capacity,
        **extra,
    )


# --- option texts -----------------------------------------------------------------------


def test_option_notes_say_cash_on_delivery_once_whatever_the_description_says(shop):
    tipax = method("tipax")
    # A row saved before the rule: its description repeats the flag and the delivery time.
    ShippingMethod.objects.filter(pk=tipax.pk).update(
        description="ارسال با تیپاکس، ارزان‌تر از پست، پرداخت در محل ممکن است، ۱ تا ۳ روز کاری"
    )
    tipax.refresh_from_db()

    notes = tipax.option_notes

    # Each said once, and as written (the half-space in «ارزان‌تر» stays).
    assert notes == ["ارسال با تیپاکس", "ارزان‌تر از پست", "زمان تحویل: ۱ تا ۳ روز کاری", COD_NOTE]


def test_staff_cannot_write_cash_on_delivery_or_the_delivery_time_into_the_description(shop):
    tipax = method("tipax")
    tipax.description = "ارسال سریع، پرداخت‌در‌محل ممکن است"
    with pytest.raises(ValidationError) as cod:
        tipax.full_clean()
    assert "پرداخت در محل" in str(cod.value)
    tipax.description = "ارسال سریع در ۱ تا ۳ روز کاری"
    with pytest.raises(ValidationError):
        tipax.full_clean()


def test_shipping_step_says_each_note_once_and_names_the_other_receiver(client, shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    client.force_login(buyer)
    address = make_address(buyer)
    client.post(
        "/checkout/address/",
        {
            "address": str(address.pk),
            "receiver_is_self": "0",
            "receiver_first_name": "لیلا",
            "receiver_last_name": "حسینی",
            "receiver_mobile": "09121234500",
        },
    )

    html = client.get("/checkout/shipping/").content.decode()

    tipax_option = html.split("<b>تیپاکس</b>", 1)[1].split("</label>", 1)[0]
    assert tipax_option.count("پرداخت در محل ممکن است") == 1
    assert "گیرنده: <b>لیلا حسینی</b>" in html
    assert "۰۹۱۲۱۲۳۴۵۰۰" in html
    assert "سفارش به شخص دیگری فرستاده می‌شود" in html


# --- windows ----------------------------------------------------------------------------


def _to_shipping(client, buyer):
    client.force_login(buyer)
    response = client.post(
        "/checkout/address/", {"address": str(make_address(buyer).pk), "receiver_is_self": "1"}
    )
    assert response["Location"] == "/checkout/shipping/"


def test_courier_shows_only_windows_with_room_in_the_next_days(client, shop):
    open_window = _window(days=1, start=9)
    full = _window(days=1, start=12, capacity=1)
    DeliveryWindow.objects.filter(pk=full.pk).update(booked=1)
    too_far = _window(days=8, start=9)
    inactive = _window(days=2, start=9, is_active=False)
    started = _window(days=0, start=0)  # today 00:00, already begun
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    _to_shipping(client, buyer)

    html = client.get("/checkout/shipping/").content.decode()

    assert f'name="window" value="{open_window.pk}"' in html
    for hidden_window in (full, too_far, inactive, started):
        assert f'name="window" value="{hidden_window.pk}"' not in html
    assert open_window.label in html


def test_courier_needs_a_window_and_the_choice_reaches_the_order_page(client, shop):
    window = _window(capacity=2)
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    _to_shipping(client, buyer)
    courier = method("courier")

    missing = client.post("/checkout/shipping/", {"method": str(courier.pk)})
    assert missing.status_code == 200
    assert "روز و بازهٔ زمانی تحویل را انتخاب کنید" in missing.content.decode()

    chosen = client.post("/checkout/shipping/", {"method": str(courier.pk), "window": window.pk})
    assert chosen["Location"] == "/checkout/review/"
    review = client.get("/checkout/review/").content.decode()
    assert f"زمان تحویل: <b>{window.label}</b>" in review
    placed = client.post(
        "/checkout/place/",
        {
            "key": hidden(review, "key"),
            "cart_version": hidden(review, "cart_version"),
            "expected_total": hidden(review, "expected_total"),
            "payment_method": "cod",
        },
    )
    order = Order.objects.get(user=buyer)
    assert placed["Location"] == order.get_absolute_url()
    window.refresh_from_db()
    assert window.booked == 1
    booking = DeliveryBooking.objects.get(order=order)
    assert (booking.window_id, booking.date, booking.starts_at) == (
        window.pk,
        window.date,
        window.starts_at,
    )
    page = client.get(order.get_absolute_url()).content.decode()
    assert f"زمان تحویل: <b>{window.label}</b>" in page
    # Invoice-unaffecting: the window costs nothing.
    assert order.shipping_cost == method("courier").rates.order_by("max_weight_grams")[0].cost


def test_a_window_that_filled_since_it_was_chosen_is_refused_at_placement(client, shop):
    window = _window(capacity=1)
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    _to_shipping(client, buyer)
    client.post("/checkout/shipping/", {"method": str(method("courier").pk), "window": window.pk})
    review = client.get("/checkout/review/").content.decode()
    DeliveryWindow.objects.filter(pk=window.pk).update(booked=1)  # someone else took it

    response = client.post(
        "/checkout/place/",
        {
            "key": hidden(review, "key"),
            "cart_version": hidden(review, "cart_version"),
            "expected_total": hidden(review, "expected_total"),
            "payment_method": "cod",
        },
        follow=True,
    )

    assert response.redirect_chain[0][0] == "/checkout/shipping/"
    html = response.content.decode()
    assert "ظرفیت بازهٔ تحویلی که انتخاب کرده بودید همین حالا پر شد" in html
    assert not Order.objects.filter(user=buyer).exists()  # nothing half-written
    window.refresh_from_db()
    assert window.booked == 1


def test_cancelling_a_booked_order_gives_the_place_back(shop):
    window = _window(capacity=1)
    DeliveryWindow.objects.filter(pk=window.pk).update(booked=1)
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    from metavast.orders.tests.factories import place

    order = place(buyer, shipping="courier", payment="cod")
    DeliveryBooking.objects.create(
        order=order,
        window=window,
        date=window.date,
        starts_at=window.starts_at,
        ends_at=window.ends_at,
    )

    delivery_booking_release(order_id=order.pk)
    delivery_booking_release(order_id=order.pk)  # once only

    window.refresh_from_db()
    assert window.booked == 0


def test_window_admin_takes_jalali_dates_and_persian_digits_and_is_audited(admin_client, shop):
    courier = _courier()
    response = admin_client.post(
        "/admin/checkout/deliverywindow/add/",
        {
            "method": courier.pk,
            "date": "۱۴۰۵/۰۹/۲۰",
            "starts_at": "۹:۰۰",
            "ends_at": "۱۲",
            "capacity": "۱۲",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    window = DeliveryWindow.objects.get()
    assert (window.date, window.starts_at, window.ends_at, window.capacity) == (
        dt.date(2026, 12, 11),
        dt.time(9),
        dt.time(12),
        12,
    )
    assert AuditEvent.objects.filter(action="checkout.delivery_window_saved").count() == 1
    listing = admin_client.get("/admin/checkout/deliverywindow/").content.decode()
    assert "۲۰ آذر، ساعت ۹ تا ۱۲" in listing


def test_window_admin_refuses_a_capacity_below_what_is_booked(admin_client, shop):
    window = _window(capacity=5)
    DeliveryWindow.objects.filter(pk=window.pk).update(booked=4)
    response = admin_client.post(
        f"/admin/checkout/deliverywindow/{window.pk}/change/",
        {
            "method": window.method_id,
            "date": window.date.isoformat(),
            "starts_at": "09:00",
            "ends_at": "12:00",
            "capacity": "3",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "ظرفیت نمی‌تواند کمتر از سفارش‌های رزروشده (۴) باشد" in response.content.decode()
    window.refresh_from_db()
    assert window.capacity == 5


# --- the last place, two buyers -----------------------------------------------------------


def _ready_draft(buyer, window) -> str:
    from metavast.checkout.services import checkout_set_address, checkout_set_shipping
    from metavast.orders.services import Receiver

    checkout_set_address(
        user=buyer, address_id=make_address(buyer).pk, receiver=Receiver(is_self=True)
    )
    checkout_set_shipping(
        user=buyer, shipping_method_id=window.method_id, delivery_window_id=window.pk
    )
    return str(CheckoutDraft.objects.get(user=buyer).key)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_buyers_for_the_last_place_in_a_window_make_one_order():
    from metavast.checkout.demo import seed_shipping
    from metavast.checkout.errors import DeliveryWindowFull

    assert connection.vendor == "postgresql"
    seed_shipping()
    window = _window(capacity=1)
    buyers = []
    for _ in range(2):
        buyer = make_customer()
        fill_cart(buyer, (make_variant(on_hand=10), 1))
        buyers.append((buyer, _ready_draft(buyer, window)))

    results = run_concurrently(
        [
            lambda b=b, k=k: checkout_place(
                user=b, key=k, payment_method="cod", cart_version=None, expected_total=None
            )
            for b, k in buyers
        ]
    )

    orders = [r for r, e in results if r is not None]
    errors = [e for r, e in results if e is not None]
    print(f"\n2 buyers, 1 place: {len(orders)} order, {len(errors)} refused")
    assert len(orders) == 1 and len(errors) == 1
    assert isinstance(errors[0], DeliveryWindowFull), repr(errors[0])
    window.refresh_from_db()
    assert window.booked == 1
    assert Order.objects.count() == 1 == DeliveryBooking.objects.count()
