import re

import pytest

from metavast.accounts.models import Address
from metavast.cart.models import CartLine
from metavast.cart.services import cart_add, cart_get_or_create
from metavast.checkout.models import CheckoutDraft
from metavast.core.money import format_toman
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


def test_shipping_step_shows_the_price_the_review_and_the_order_charge(client, shop):
    """QA 1, item 1: the step listed «پیک همان روز — ۹۰٬۰۰۰ تومان» (before VAT) and the review
    charged ۹۹٬۰۰۰. Each method's price there is the VAT-inclusive amount charged for it."""
    buyer = make_customer()
    fill_cart(buyer, (make_variant(on_hand=9), 1))
    client.force_login(buyer)
    address = make_address(buyer)
    client.post("/checkout/address/", {"address": str(address.pk), "receiver_is_self": "1"})
    step = client.get("/checkout/shipping/").content.decode()
    offered = dict(re.findall(r"<b>([^<]+)</b> — ([^<]+)<br>", step))
    assert len(offered) >= 2, offered
    for code in ("post-pishtaz", "tipax"):
        shipping_method = method(code)
        net = (
            shipping_method.rates.filter(province__in=("", "tehran"))
            .order_by("-province", "max_weight_grams")[0]
            .cost
        )
        assert offered[shipping_method.name] == format_toman(net + net // 10)  # 10 % VAT
        client.post("/checkout/shipping/", {"method": str(shipping_method.pk)})
        review = client.get("/checkout/review/").content.decode()
        assert (
            f"<dt>ارسال ({shipping_method.name})</dt><dd>{offered[shipping_method.name]}</dd>"
            in review
        )
    page = go_to_review(client, buyer, address=address, shipping="tipax")
    client.post("/checkout/place/", {"key": hidden(page, "key"), "payment_method": "online"})
    order = Order.objects.get()
    assert format_toman(order.shipping_gross) == offered[method("tipax").name]


def mothers_address(buyer, **extra):
    """QA 1, item 5: an address saved in the book with «گیرنده: شخص دیگری»."""
    return make_address(
        buyer,
        label="مادر",
        street="خیابان چهارباغ",
        receiver_is_self=False,
        receiver_first_name="مریم",
        receiver_last_name="احمدی",
        receiver_mobile="۰۹۱۳ ۱۱۱ ۲۲۳۳",
        **extra,
    )


def checked(html: str, name: str) -> str:
    return re.search(
        rf'<input type="radio" name="{name}" value="([^"]*)"[^>]* checked', html
    ).group(1)


def test_receiver_saved_with_the_address_is_prefilled_shown_and_receives(client, shop):
    buyer = make_customer(first_name="سارا", last_name="محمدی")
    fill_cart(buyer, (make_variant(on_hand=9), 1))
    address = mothers_address(buyer)
    client.force_login(buyer)
    page = client.get("/checkout/address/").content.decode()
    assert 'گیرنده: مریم احمدی — <bdi dir="ltr">۰۹۱۳ ۱۱۱ ۲۲۳۳</bdi>' in page  # in the list
    assert checked(page, "address") == str(address.pk)
    assert checked(page, "receiver_is_self") == "0"  # not «خودم»
    assert 'value="مریم"' in page and 'value="احمدی"' in page and 'value="09131112233"' in page
    # Continue as the page shows it.
    response = client.post(
        "/checkout/address/",
        {
            "address": str(address.pk),
            "receiver_for": hidden(page, "receiver_for"),
            "receiver_is_self": "0",
            "receiver_first_name": "مریم",
            "receiver_last_name": "احمدی",
            "receiver_mobile": "09131112233",
        },
    )
    assert response["Location"] == "/checkout/shipping/"
    step = client.get("/checkout/shipping/").content.decode()
    assert "<b>مریم احمدی</b>" in step and "خودم (سارا محمدی)" not in step
    client.post("/checkout/shipping/", {"method": str(method("post-pishtaz").pk)})
    review = client.get("/checkout/review/").content.decode()
    client.post("/checkout/place/", {"key": hidden(review, "key"), "payment_method": "online"})
    order = Order.objects.get()
    assert not order.receiver_is_self and order.receiver_name == "مریم احمدی"
    assert order.receiver_mobile.endswith("9131112233")
    # P4: the order has them; the draft forgets them, the book entry stays as it was saved,
    # and nothing reached the customer's own details.
    draft = CheckoutDraft.objects.get(user=buyer)
    assert draft.receiver_is_self and draft.receiver_first_name == draft.receiver_mobile == ""
    address.refresh_from_db()
    assert (address.receiver_first_name, address.receiver_mobile) == ("مریم", "+989131112233")
    buyer.refresh_from_db()
    assert buyer.get_full_name() == "سارا محمدی" and "9131112233" not in str(buyer.mobile)
    # The next checkout from that address again prefills her (the draft was reset to «خودم»).
    fill_cart(buyer, (make_variant(on_hand=9), 1))
    again = client.get("/checkout/address/").content.decode()
    assert checked(again, "receiver_is_self") == "0" and 'value="مریم"' in again


def test_picking_another_address_on_the_page_takes_its_receiver(client, shop):
    """The QA's steps: the page opens on the default address («خودم»), the shopper picks the
    mother's address and continues without touching the receiver."""
    buyer = make_customer(first_name="سارا", last_name="محمدی")
    fill_cart(buyer, (make_variant(on_hand=9), 1))
    mother = mothers_address(buyer)
    home = make_address(buyer, label="خانه", is_default=True)
    client.force_login(buyer)
    page = client.get("/checkout/address/").content.decode()
    assert checked(page, "address") == str(home.pk) and checked(page, "receiver_is_self") == "1"
    assert hidden(page, "receiver_for") == str(home.pk)
    form = {"receiver_for": str(home.pk), "receiver_is_self": "1", "receiver_mobile": ""}
    client.post("/checkout/address/", {**form, "address": str(mother.pk)})
    draft = CheckoutDraft.objects.get(user=buyer)
    assert draft.address_id == mother.pk and not draft.receiver_is_self
    assert (draft.receiver_first_name, draft.receiver_mobile) == ("مریم", "+989131112233")
    # Back to the page: her address with her, as chosen; then home again, untouched: «خودم».
    page = client.get("/checkout/address/").content.decode()
    assert hidden(page, "receiver_for") == str(mother.pk)
    assert checked(page, "receiver_is_self") == "0" and 'value="مریم"' in page
    client.post(
        "/checkout/address/",
        {
            "address": str(home.pk),
            "receiver_for": str(mother.pk),
            "receiver_is_self": "0",
            "receiver_first_name": "مریم",
            "receiver_last_name": "احمدی",
            "receiver_mobile": "09131112233",
        },
    )
    draft = CheckoutDraft.objects.get(user=buyer)
    assert draft.address_id == home.pk and draft.receiver_is_self
    assert draft.receiver_first_name == draft.receiver_mobile == ""


def test_a_receiver_the_shopper_changes_wins_over_the_saved_one(client, shop):
    buyer = make_customer(first_name="سارا", last_name="محمدی")
    fill_cart(buyer, (make_variant(on_hand=9), 1))
    mother = mothers_address(buyer)
    home = make_address(buyer, label="خانه", is_default=True)
    client.force_login(buyer)
    # Her address, switched to «خودم» on the page.
    client.post(
        "/checkout/address/",
        {
            "address": str(mother.pk),
            "receiver_for": str(mother.pk),
            "receiver_is_self": "1",
            "receiver_first_name": "مریم",
            "receiver_last_name": "احمدی",
            "receiver_mobile": "09131112233",
        },
    )
    draft = CheckoutDraft.objects.get(user=buyer)
    assert draft.address_id == mother.pk and draft.receiver_is_self
    assert draft.receiver_first_name == ""
    # Home picked after typing another receiver: the one typed.
    client.post(
        "/checkout/address/",
        {
            "address": str(home.pk),
            "receiver_for": str(mother.pk),
            "receiver_is_self": "0",
            "receiver_first_name": "رضا",
            "receiver_last_name": "کریمی",
            "receiver_mobile": "09121112233",
        },
    )
    draft = CheckoutDraft.objects.get(user=buyer)
    assert draft.address_id == home.pk and draft.receiver_first_name == "رضا"
    # The book entries stay as saved: nothing typed at checkout is written there (P4).
    mother.refresh_from_db()
    home.refresh_from_db()
    assert mother.receiver_first_name == "مریم" and home.receiver_is_self
    assert home.receiver_first_name == home.receiver_mobile == ""
