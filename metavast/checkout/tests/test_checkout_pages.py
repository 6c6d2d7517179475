import re

import pytest

from metavast.accounts.models import Address
from metavast.cart.models import CartLine
from metavast.cart.services import cart_add, cart_get_or_create
from metavast.checkout.models import CheckoutDraft
from metavast.orders.models import Order, OrderStatus
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    method,
)

pytestmark = pytest.mark.django_db


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def go_to_review(client, buyer, *, address=None, receiver=None, shipping="post-pishtaz"):
    address = address or make_address(buyer)
    data = {"address": str(address.pk), "receiver_is_self": "1"}
    if receiver:
        data.update(receiver_is_self="0", **receiver)
    response = client.post("/checkout/address/", data)
    assert response.status_code == 302 and response["Location"] == "/checkout/shipping/", response
    response = client.post("/checkout/shipping/", {"method": str(method(shipping).pk)})
    assert response["Location"] == "/checkout/review/"
    return client.get("/checkout/review/").content.decode()


def test_guest_is_sent_to_sign_in(client, shop):
    response = client.get("/checkout/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/checkout/")


@pytest.mark.parametrize(
    "kwargs, target",
    [
        ({"mobile_confirmed": False}, "/accounts/mobile/"),
        ({"email_confirmed": False}, "/accounts/email/"),
        ({"last_name": ""}, "/accounts/profile/"),
    ],
)
def test_customer_without_p1_details_is_sent_to_complete_them(client, shop, kwargs, target):
    buyer = make_customer(**kwargs)
    fill_cart(buyer, (make_variant(), 1))
    client.force_login(buyer)
    response = client.get("/checkout/", follow=False)
    # With the way back: the account page returns to checkout once the detail is filled in.
    assert response.status_code == 302 and response["Location"] == f"{target}?next=%2Fcheckout%2F"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("برای خرید" in m for m in messages)


def test_full_checkout_to_another_person(client, shop):
    buyer = make_customer()
    a = make_variant(title="گلدان سرامیکی", price=1_500_000)
    fill_cart(buyer, (a, 2))
    client.force_login(buyer)
    assert client.get("/checkout/")["Location"] == "/checkout/address/"
    page = go_to_review(
        client,
        buyer,
        receiver={
            "receiver_first_name": "نرگس",
            "receiver_last_name": "احمدی",
            "receiver_mobile": "۰۹۱۹۸۷۶۵۴۳۲",
        },
    )
    assert "گلدان سرامیکی" in page and "نرگس احمدی" in page
    assert "مالیات بر ارزش افزوده (۱۰٪)" in page
    response = client.post(
        "/checkout/place/",
        {
            "key": hidden(page, "key"),
            "cart_version": hidden(page, "cart_version"),
            "expected_total": hidden(page, "expected_total"),
            "payment_method": "online",
            "price": "1",
        },
    )
    order = Order.objects.get()
    assert response["Location"] == f"/checkout/pay/{order.number}/"
    assert order.receiver_name == "نرگس احمدی" and not order.receiver_is_self
    assert order.subtotal == 3_000_000
    # P4: nowhere else.
    assert all(a.receiver_is_self and not a.receiver_mobile for a in Address.objects.all())
    draft = CheckoutDraft.objects.get(user=buyer)
    assert draft.receiver_mobile == "" and draft.receiver_first_name == ""
    pay = client.get(response["Location"]).content.decode()
    assert order.number in pay or "ثبت شد" in pay


def test_double_click_on_place_makes_one_order(client, shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(on_hand=4), 2))
    client.force_login(buyer)
    page = go_to_review(client, buyer)
    form = {
        "key": hidden(page, "key"),
        "cart_version": hidden(page, "cart_version"),
        "expected_total": hidden(page, "expected_total"),
        "payment_method": "online",
    }
    first = client.post("/checkout/place/", form)
    second = client.post("/checkout/place/", form)
    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_cart_changed_in_another_tab_after_review_needs_a_new_review(client, shop):
    buyer = make_customer()
    variant = make_variant(on_hand=9)
    fill_cart(buyer, (variant, 1))
    client.force_login(buyer)
    page = go_to_review(client, buyer)
    cart_add(cart=cart_get_or_create(user=buyer), variant_id=variant.pk, quantity=1)
    response = client.post(
        "/checkout/place/",
        {
            "key": hidden(page, "key"),
            "cart_version": hidden(page, "cart_version"),
            "expected_total": hidden(page, "expected_total"),
            "payment_method": "online",
        },
    )
    assert response["Location"] == "/checkout/review/"
    assert Order.objects.count() == 0


def test_stale_key_from_an_old_tab_is_refused(client, shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(on_hand=9), 1))
    client.force_login(buyer)
    old = go_to_review(client, buyer)
    go_to_review(client, buyer, shipping="tipax")
    response = client.post(
        "/checkout/place/",
        {"key": hidden(old, "key"), "payment_method": "online"},
    )
    assert response["Location"] == "/checkout/review/"
    assert Order.objects.count() == 0


def test_cash_on_delivery_with_tipax(client, shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(on_hand=9), 1))
    client.force_login(buyer)
    page = go_to_review(client, buyer, shipping="tipax")
    assert 'value="cod"' in page
    response = client.post(
        "/checkout/place/", {"key": hidden(page, "key"), "payment_method": "cod"}
    )
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.number}/"
    assert order.status == OrderStatus.PROCESSING


def test_cod_is_not_offered_or_accepted_with_post(client, shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(on_hand=9), 1))
    client.force_login(buyer)
    page = go_to_review(client, buyer)
    assert 'value="cod"' not in page
    client.post("/checkout/place/", {"key": hidden(page, "key"), "payment_method": "cod"})
    assert Order.objects.count() == 0


def test_another_customers_address_id_is_refused(client, shop):
    buyer, other = make_customer(), make_customer()
    theirs = make_address(other)
    fill_cart(buyer, (make_variant(), 1))
    client.force_login(buyer)
    client.post("/checkout/address/", {"address": str(theirs.pk), "receiver_is_self": "1"})
    assert CheckoutDraft.objects.get(user=buyer).address_id is None


def test_new_address_goes_to_the_book_without_the_receiver(client, shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    client.force_login(buyer)
    response = client.post(
        "/checkout/address/",
        {
            "address": "new",
            "province": "isfahan",
            "city": "کاشان",
            "street": "خیابان باباافضل",
            "plaque": "۷",
            "postal_code": "8715879878",
            "receiver_is_self": "0",
            "receiver_first_name": "رضا",
            "receiver_last_name": "کریمی",
            "receiver_mobile": "09121112233",
        },
    )
    assert response["Location"] == "/checkout/shipping/"
    address = Address.objects.get(user=buyer)
    assert address.city == "کاشان" and address.receiver_is_self and address.receiver_mobile == ""
    assert CheckoutDraft.objects.get(user=buyer).receiver_first_name == "رضا"


def test_out_of_stock_at_placement_goes_back_to_the_cart(client, shop):
    from metavast.catalog.models import Variant

    buyer = make_customer()
    variant = make_variant(on_hand=2, title="ساعت مچی")
    fill_cart(buyer, (variant, 2))
    client.force_login(buyer)
    page = go_to_review(client, buyer)
    Variant.objects.filter(pk=variant.pk).update(reserved=1)
    response = client.post(
        "/checkout/place/", {"key": hidden(page, "key"), "payment_method": "online"}, follow=True
    )
    assert response.redirect_chain[0][0] == "/cart/"
    assert "ساعت مچی" in response.content.decode()
    assert Order.objects.count() == 0
    assert CartLine.objects.filter(cart__user=buyer).count() == 1
