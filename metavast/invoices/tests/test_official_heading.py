"""The official-invoice request page names the order in Persian digits, as every page does."""

import pytest
from django.urls import reverse

from metavast.core.text import to_persian_digits
from metavast.orders.tests.factories import (
    fill_cart,
    make_customer,
    make_variant,
    place,
    shop,  # noqa: F401 (a fixture)
)


@pytest.mark.django_db
def test_the_heading_shows_the_order_number_in_persian_digits(client, shop):  # noqa: F811
    user = make_customer()
    fill_cart(user, (make_variant(), 1))
    order = place(user)
    client.force_login(user)
    page = client.get(reverse("invoices:official_buyer", args=[order.number])).content.decode()
    heading = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert to_persian_digits(order.number) in heading and order.number not in heading
