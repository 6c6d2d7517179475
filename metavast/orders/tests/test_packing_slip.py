"""The packing slip prints the receiver's mobile as it is dialled in Iran, 0935 123 4567, in
Persian digits, isolated left-to-right so the bidi algorithm cannot move the "+" or the
groups around (it used to read "989351234567+")."""

from __future__ import annotations

import pytest

from metavast.accounts.testing import verify_staff_client
from metavast.orders.services import Receiver, order_mark_paid, order_start_processing
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

pytestmark = pytest.mark.django_db


def test_packing_slip_prints_the_mobile_as_0935_in_persian_digits_left_to_right(client, shop):
    staff = make_customer(is_staff=True, first_name="انباردار")
    buyer = make_customer()
    fill_cart(buyer, (make_variant(title="فرش دستباف"), 1))
    order = place(
        buyer,
        receiver=Receiver(
            is_self=False, first_name="فاطمه", last_name="صادقی", mobile="09351234567"
        ),
    )
    order = order_mark_paid(order_id=order.pk, payment_id=1)
    order_start_processing(order=order, actor=staff)
    client.force_login(staff)
    verify_staff_client(client, staff)

    page = client.get(f"/admin/orders/order/{order.pk}/packing-slip/").content.decode()

    assert '<bdi dir="ltr" class="phone">۰۹۳۵ ۱۲۳ ۴۵۶۷</bdi>' in page
    assert "989351234567" not in page and "+98" not in page
