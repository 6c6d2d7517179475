"""Test data for campaigns: seeded customers with purchases, places and consents."""

from __future__ import annotations

from django.utils import timezone

from metavast.catalog.tests.factories import category as make_category
from metavast.catalog.tests.factories import product as make_product
from metavast.consent import marketing as consent
from metavast.orders.models import Order, OrderStatus
from metavast.orders.tests.factories import fill_cart, make_address, make_customer, place

EMAIL = consent.Channel.EMAIL
SMS = consent.Channel.SMS


def give(user, *channels):
    for channel in channels:
        consent.consent_give(
            user=user,
            channel=channel,
            source="profile",
            text_version=consent.MARKETING_CONSENT_TEXT_VERSION,
        )


def buy(user, product, *, province="tehran", city="تهران", status=OrderStatus.DELIVERED, when=None):
    fill_cart(user, (product.variants.first(), 1))
    order = place(user, address=make_address(user, province=province, city=city))
    Order.objects.filter(pk=order.pk).update(
        status=status, placed_at=when or timezone.now(), paid_at=timezone.now()
    )
    return order


def seed_world():
    """Seeded customers: who bought what, where, and who said yes to what."""
    mobiles = make_category(name="موبایل", slug="mobile")
    phones = make_category(name="گوشی", slug="phones", parent=mobiles)
    books = make_category(name="کتاب", slug="books")
    phone = make_product("گوشی آزمایشی", cat=phones, on_hand=50)
    book = make_product("کتاب آزمایشی", cat=books, on_hand=50)
    people = {}
    # Bought a phone, said yes to both channels.
    people["yes_both"] = make_customer(first_name="آرش", last_name="نیک‌آیین")
    give(people["yes_both"], EMAIL, SMS)
    buy(people["yes_both"], phone)
    # Bought a phone in Isfahan, said yes to SMS only.
    people["yes_sms"] = make_customer(first_name="بهار", last_name="ستاره‌فر")
    give(people["yes_sms"], SMS)
    buy(people["yes_sms"], phone, province="isfahan", city="اصفهان")
    # Bought a phone, never said yes.
    people["never"] = make_customer(first_name="پویا", last_name="کوهسار")
    buy(people["never"], phone)
    # Said yes, then withdrew.
    people["withdrew"] = make_customer(first_name="ترانه", last_name="دریابان")
    give(people["withdrew"], EMAIL, SMS)
    consent.consent_withdraw(user=people["withdrew"], channel=SMS, source="profile")
    consent.consent_withdraw(user=people["withdrew"], channel=EMAIL, source="profile")
    buy(people["withdrew"], phone)
    # Said yes to SMS, then the number stopped being confirmed.
    people["unconfirmed"] = make_customer(first_name="ثمین", last_name="مهرآذر")
    give(people["unconfirmed"], SMS)
    buy(people["unconfirmed"], phone)
    type(people["unconfirmed"]).objects.filter(pk=people["unconfirmed"].pk).update(
        mobile_confirmed_at=None
    )
    # Said yes to both, bought only a book.
    people["book"] = make_customer(first_name="جمشید", last_name="آذرگون")
    give(people["book"], EMAIL, SMS)
    buy(people["book"], book)
    # Said yes, bought a phone, but the order was cancelled: not "bought".
    people["cancelled"] = make_customer(first_name="چکاوک", last_name="رودبارانی")
    give(people["cancelled"], SMS)
    buy(people["cancelled"], phone, status=OrderStatus.CANCELLED)
    return {"people": people, "mobiles": mobiles, "phones": phones, "books": books}
