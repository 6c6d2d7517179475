"""Shipping methods and rates for the demo store (and tests). Idempotent upserts by code.

Figures are in Rials and only illustrative: staff edit them in the admin.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from metavast.checkout.delivery_schedule import delivery_windows_open
from metavast.checkout.models import RecurringWindow, ShippingMethod, ShippingRate, VatRate

KG = 1000
# (code, name, description, estimate, allows_cod, cities, max weight, {province: [(kg, toman)]})
METHODS = [
    (
        "post-pishtaz",
        "پست پیشتاز",
        "ارسال سریع پست به سراسر ایران",
        "۲ تا ۴ روز کاری",
        False,
        [],
        30 * KG,
        {
            "tehran": [(1, 75_000), (3, 95_000), (10, 160_000), (30, 320_000)],
            "": [(1, 95_000), (3, 125_000), (10, 210_000), (30, 420_000)],
        },
    ),
    (
        "post-sefareshi",
        "پست سفارشی",
        "ارزان‌تر و کندتر، به سراسر ایران",
        "۵ تا ۷ روز کاری",
        False,
        [],
        30 * KG,
        {
            "tehran": [(1, 45_000), (3, 60_000), (10, 110_000), (30, 220_000)],
            "": [(1, 60_000), (3, 80_000), (10, 140_000), (30, 280_000)],
        },
    ),
    (
        "tipax",
        "تیپاکس",
        "ارسال با تیپاکس به سراسر ایران",
        "۱ تا ۳ روز کاری",
        True,
        [],
        70 * KG,
        {"": [(2, 140_000), (5, 190_000), (20, 350_000), (70, 800_000)]},
    ),
    (
        "courier",
        "پیک همان روز",
        "تحویل با پیک در شهرهای منتخب",
        "همان روز",
        True,
        ["تهران", "کرج", "اصفهان", "شیراز", "مشهد"],
        15 * KG,
        {"": [(5, 90_000), (15, 150_000)]},
    ),
]

VAT_RATES = [(dt.date(2024, 3, 20), 1000)]  # 10 % from 1 Farvardin 1403


@transaction.atomic
def seed_shipping() -> dict[str, int]:
    for position, (code, name, desc, estimate, cod, cities, max_w, rates) in enumerate(METHODS):
        method, _ = ShippingMethod.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": desc,
                "delivery_estimate": estimate,
                "allows_cod": cod,
                "cities": cities,
                "max_weight_grams": max_w,
                "position": position,
                "is_active": True,
            },
        )
        for province, brackets in rates.items():
            for kg, toman in brackets:
                ShippingRate.objects.update_or_create(
                    method=method,
                    province=province,
                    max_weight_grams=kg * KG,
                    defaults={"cost": toman * 10},
                )
    for starts_on, basis_points in VAT_RATES:
        VatRate.objects.update_or_create(
            starts_on=starts_on, defaults={"rate_basis_points": basis_points}
        )
    return {
        "methods": ShippingMethod.objects.count(),
        "rates": ShippingRate.objects.count(),
        "vat_rates": VatRate.objects.count(),
    }


# The demo courier delivers at a time the customer picks: these daily hours open as windows
# for the coming days by themselves (delivery_schedule). Not in seed_shipping: tests that
# place courier orders without a window use that one.
COURIER_HOURS = [((9, 0), (12, 0), 20), ((12, 0), (15, 0), 20), ((15, 0), (18, 0), 20),
                 ((18, 0), (21, 0), 15)]  # fmt: skip


@transaction.atomic
def seed_courier_hours() -> dict[str, int]:
    courier = ShippingMethod.objects.get(code="courier")
    if not courier.needs_delivery_window:
        courier.needs_delivery_window = True
        courier.save(update_fields=["needs_delivery_window"])
    for (h1, m1), (h2, m2), capacity in COURIER_HOURS:
        RecurringWindow.objects.get_or_create(
            method=courier,
            starts_at=dt.time(h1, m1),
            defaults={"ends_at": dt.time(h2, m2), "capacity": capacity},
        )
    return {"courier_hours": len(COURIER_HOURS), "windows_opened": delivery_windows_open()}
