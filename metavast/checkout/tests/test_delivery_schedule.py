"""A courier's daily hours open as bookable windows for the coming days by themselves
(checkout/delivery_schedule.py): staff set the hours once, not each day."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.conf import settings
from django.core.management import call_command

from metavast.checkout.delivery import bookable_windows
from metavast.checkout.delivery_schedule import delivery_windows_open
from metavast.checkout.models import DeliveryWindow, RecurringWindow, ShippingMethod
from metavast.orders.tests.factories import method

pytestmark = pytest.mark.django_db
TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")
# A Wednesday, 10:30 in Tehran: the 9:00 hours have begun, Friday is two days ahead.
NOW = dt.datetime(2026, 12, 2, 10, 30, tzinfo=TEHRAN)


def _courier_with_hours(*hours, **extra) -> ShippingMethod:
    courier = method("courier")
    courier.needs_delivery_window = True
    courier.save(update_fields=["needs_delivery_window"])
    for start, end in hours:
        RecurringWindow.objects.create(
            method=courier, starts_at=dt.time(start), ends_at=dt.time(end), capacity=5, **extra
        )
    return courier


def _opened(courier) -> list[tuple[dt.date, int]]:
    rows = DeliveryWindow.objects.filter(method=courier).order_by("date", "starts_at")
    return [(w.date, w.starts_at.hour) for w in rows]


def test_daily_hours_open_for_a_week_without_friday_or_hours_already_begun(shop):
    courier = _courier_with_hours((9, 12), (12, 15), (15, 18))
    assert delivery_windows_open(now=NOW) == 17
    opened = _opened(courier)
    days = sorted({d for d, _ in opened})
    assert days[0] == dt.date(2026, 12, 2) and days[-1] == dt.date(2026, 12, 8)
    assert dt.date(2026, 12, 4) not in days  # Friday
    assert [h for d, h in opened if d == dt.date(2026, 12, 2)] == [12, 15]
    assert all(w.capacity == 5 and w.booked == 0 for w in DeliveryWindow.objects.all())


def test_friday_hours_when_the_courier_works_fridays(shop):
    courier = _courier_with_hours((15, 18), on_fridays=True)
    delivery_windows_open(now=NOW)
    assert (dt.date(2026, 12, 4), 15) in _opened(courier)


def test_running_again_adds_nothing_and_leaves_staff_changes_alone(shop):
    courier = _courier_with_hours((9, 12))
    delivery_windows_open(now=NOW)
    tomorrow = DeliveryWindow.objects.get(method=courier, date=dt.date(2026, 12, 3))
    tomorrow.capacity, tomorrow.is_active = 1, False
    tomorrow.save()
    DeliveryWindow.objects.filter(method=courier, date=dt.date(2026, 12, 5)).delete()
    assert delivery_windows_open(now=NOW) == 1  # only the deleted day comes back
    tomorrow.refresh_from_db()
    assert (tomorrow.capacity, tomorrow.is_active) == (1, False)
    # A day later the next day opens, and nothing else.
    assert delivery_windows_open(now=NOW + dt.timedelta(days=1)) == 1


@pytest.mark.parametrize(
    "switch",
    ["method_inactive", "no_window_needed", "hours_inactive"],
)
def test_nothing_opens_for_a_method_or_hours_switched_off(shop, switch):
    courier = _courier_with_hours((9, 12))
    if switch == "method_inactive":
        ShippingMethod.objects.filter(pk=courier.pk).update(is_active=False)
    elif switch == "no_window_needed":
        ShippingMethod.objects.filter(pk=courier.pk).update(needs_delivery_window=False)
    else:
        RecurringWindow.objects.update(is_active=False)
    assert delivery_windows_open(now=NOW) == 0
    assert not DeliveryWindow.objects.exists()


def test_staff_set_daily_hours_in_persian_and_they_are_bookable_at_once(
    admin_client, shop, django_capture_on_commit_callbacks
):
    data = {
        "code": "peyk-2", "name": "پیک عصر", "description": "", "delivery_estimate": "",
        "needs_delivery_window": "on", "max_weight_grams": "", "is_active": "on",
        "position": "۵", "cities_text": "",
        "rates-TOTAL_FORMS": "0", "rates-INITIAL_FORMS": "0",
        "recurring_windows-TOTAL_FORMS": "1", "recurring_windows-INITIAL_FORMS": "0",
        "recurring_windows-0-starts_at": "۱۶:۰۰", "recurring_windows-0-ends_at": "۲۰",
        "recurring_windows-0-capacity": "۱۲", "recurring_windows-0-on_fridays": "on",
        "recurring_windows-0-is_active": "on",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/checkout/shippingmethod/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    peyk = ShippingMethod.objects.get(code="peyk-2")
    hours = peyk.recurring_windows.get()
    assert (hours.starts_at, hours.ends_at, hours.capacity) == (dt.time(16), dt.time(20), 12)
    windows = DeliveryWindow.objects.filter(method=peyk)
    assert 6 <= windows.count() <= 7  # today's 16:00 may have begun already
    assert {w.capacity for w in windows} == {12}


def test_staff_get_a_persian_error_for_hours_that_end_before_they_start(admin_client, shop):
    data = {
        "code": "peyk-3", "name": "پیک شب", "needs_delivery_window": "on", "is_active": "on",
        "position": "0", "cities_text": "",
        "rates-TOTAL_FORMS": "0", "rates-INITIAL_FORMS": "0",
        "recurring_windows-TOTAL_FORMS": "1", "recurring_windows-INITIAL_FORMS": "0",
        "recurring_windows-0-starts_at": "۲۰:۰۰", "recurring_windows-0-ends_at": "۱۸:۰۰",
        "recurring_windows-0-capacity": "۳", "recurring_windows-0-is_active": "on",
    }  # fmt: skip
    response = admin_client.post("/admin/checkout/shippingmethod/add/", data)
    assert response.status_code == 200
    assert "پایان بازه باید پس از آغاز آن باشد." in response.content.decode()
    assert not ShippingMethod.objects.filter(code="peyk-3").exists()


def test_the_demo_courier_offers_days_and_the_job_is_scheduled(shop):
    from metavast.checkout.demo import seed_courier_hours

    result = seed_courier_hours()
    assert result["windows_opened"] > 0
    assert bookable_windows(method=method("courier"))
    assert seed_courier_hours()["windows_opened"] == 0  # idempotent
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "metavast.checkout.tasks.open_delivery_windows" in tasks
    from metavast.core.scheduler import _task

    # The embedded default's scheduler finds and runs it as a worker would.
    assert _task("metavast.checkout.tasks.open_delivery_windows").apply().get() == 0


def test_seed_demo_command_gives_the_courier_hours(shop):
    call_command("seed_demo", "--products", "0", verbosity=0)
    assert method("courier").recurring_windows.count() == 4
