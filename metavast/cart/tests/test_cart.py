import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metavast.cart.models import Cart, CartLine
from metavast.cart.services import cart_add, cart_get_or_create, cart_set_quantity
from metavast.catalog.models import Variant
from metavast.orders.tests.factories import PASSWORD, make_customer, make_variant

pytestmark = pytest.mark.django_db


def lines_of(user):
    return dict(CartLine.objects.filter(cart__user=user).values_list("variant_id", "quantity"))


def test_guest_adds_from_the_product_page_form_without_csrf_token():
    variant = make_variant(price=1_250_000, on_hand=3)
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/cart/add/", {"variant": variant.pk})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    cart = Cart.objects.get(token=client.session["cart_token"])
    assert list(cart.lines.values_list("variant_id", "quantity")) == [(variant.pk, 1)]
    page = client.get("/cart/")
    # Shown with 10 % VAT included: 1,250,000 + 125,000 Rials = 137,500 Toman.
    assert "۱۳۷٬۵۰۰" in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_add_from_another_site_is_refused(client):
    variant = make_variant()
    response = client.post(
        "/cart/add/", {"variant": variant.pk}, HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    "raw", ["-1", "1.5", "0", "abc", "1e3", "9999999", "۱۱", "٠", "+1", "0x1", "1,000"]
)
def test_bad_quantities_are_refused_and_change_nothing(client, raw):
    variant = make_variant(on_hand=50)
    buyer = make_customer()
    client.force_login(buyer)
    cart_add(cart=cart_get_or_create(user=buyer), variant_id=variant.pk, quantity=2)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": raw})
    client.post(f"/cart/lines/{variant.pk}/", {"quantity": "x" if raw in ("0", "٠") else raw})
    assert lines_of(buyer) == {variant.pk: 2}


def test_persian_digits_are_read(client):
    variant = make_variant(on_hand=10)
    buyer = make_customer()
    client.force_login(buyer)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": "۳"})
    assert lines_of(buyer) == {variant.pk: 3}
    client.post(f"/cart/lines/{variant.pk}/", {"quantity": "0"})
    assert lines_of(buyer) == {}


def test_quantity_within_stock_and_the_line_limit(client, settings):
    settings.CART_MAX_LINE_QUANTITY = 4
    scarce = make_variant(on_hand=2, title="قوری چینی")
    plenty = make_variant(on_hand=100)
    buyer = make_customer()
    client.force_login(buyer)
    response = client.post("/cart/add/", {"variant": scarce.pk, "quantity": "3"}, follow=True)
    assert "تنها ۲ عدد از «قوری چینی» موجود است." in response.content.decode()
    client.post("/cart/add/", {"variant": plenty.pk, "quantity": "5"})
    assert lines_of(buyer) == {}
    client.post("/cart/add/", {"variant": plenty.pk, "quantity": "4"})
    client.post("/cart/add/", {"variant": plenty.pk, "quantity": "1"})
    assert lines_of(buyer) == {plenty.pk: 4}


def test_posted_price_is_ignored(client):
    variant = make_variant(price=3_000_000)
    buyer = make_customer()
    client.force_login(buyer)
    client.post("/cart/add/", {"variant": variant.pk, "price": "1", "total": "1"})
    line = CartLine.objects.get(cart__user=buyer)
    assert line.price_when_added == 3_000_000


def test_cart_page_shows_price_and_availability_changes(client):
    cheaper = make_variant(price=2_000_000, title="کیف چرمی")
    gone = make_variant(price=500_000, title="خودکار آبی", on_hand=3)
    buyer = make_customer()
    client.force_login(buyer)
    cart = cart_get_or_create(user=buyer)
    cart_add(cart=cart, variant_id=cheaper.pk, quantity=1)
    cart_add(cart=cart, variant_id=gone.pk, quantity=2)
    Variant.objects.filter(pk=cheaper.pk).update(price=1_800_000)
    Variant.objects.filter(pk=gone.pk).update(on_hand=1)
    page = client.get("/cart/").content.decode()
    # Both prices with 10 % VAT included: was 220,000 Toman, now 198,000.
    assert "ارزان‌تر شد" in page and "۲۲۰٬۰۰۰" in page and "۱۹۸٬۰۰۰" in page
    assert "تنها ۱ عدد موجود است" in page
    assert "/checkout/" not in page.split("cart-summary")[1]
    client.post("/cart/acknowledge/")
    assert "ارزان‌تر شد" not in client.get("/cart/").content.decode()


def test_guest_cart_merges_into_the_customer_cart_at_sign_in(client):
    a, b = make_variant(on_hand=10), make_variant(on_hand=10)
    buyer = make_customer()
    cart_add(cart=cart_get_or_create(user=buyer), variant_id=a.pk, quantity=1)
    client.post("/cart/add/", {"variant": a.pk, "quantity": "3"})
    client.post("/cart/add/", {"variant": b.pk, "quantity": "2"})
    guest_token = client.session["cart_token"]
    response = client.post(
        "/accounts/login/",
        {"action": "password", "username": buyer.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert lines_of(buyer) == {a.pk: 3, b.pk: 2}
    assert not Cart.objects.filter(token=guest_token).exists()
    assert "cart_token" not in client.session


def test_another_customers_cart_line_cannot_be_changed(client):
    variant = make_variant(on_hand=10)
    owner, intruder = make_customer(), make_customer()
    cart_add(cart=cart_get_or_create(user=owner), variant_id=variant.pk, quantity=2)
    client.force_login(intruder)
    client.post(f"/cart/lines/{variant.pk}/", {"quantity": "5"})
    client.post(f"/cart/lines/{variant.pk}/remove/")
    assert lines_of(owner) == {variant.pk: 2}
    assert variant.product.title not in client.get("/cart/").content.decode()


def test_lowering_a_short_line_is_always_allowed():
    variant = make_variant(on_hand=5)
    buyer = make_customer()
    cart = cart_get_or_create(user=buyer)
    cart_add(cart=cart, variant_id=variant.pk, quantity=4)
    Variant.objects.filter(pk=variant.pk).update(on_hand=2)
    cart_set_quantity(cart=cart, variant_id=variant.pk, quantity=2)
    assert lines_of(buyer) == {variant.pk: 2}


def test_cart_page_queries_do_not_grow_with_lines(client):
    buyer = make_customer()
    client.force_login(buyer)
    cart = cart_get_or_create(user=buyer)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/cart/").status_code == 200
        return len(ctx.captured_queries)

    cart_add(cart=cart, variant_id=make_variant().pk, quantity=1)
    count()  # warm the site-wide caches (category menu, ...)
    one = count()
    for _ in range(6):
        cart_add(cart=cart, variant_id=make_variant().pk, quantity=1)
    assert count() == one


def test_products_of_a_hidden_category_cannot_be_added(django_capture_on_commit_callbacks):
    from metavast.cart.errors import ItemUnavailable
    from metavast.catalog.services.products import category_changed

    variant = make_variant()
    category = variant.product.category
    with django_capture_on_commit_callbacks(execute=True):
        category.is_visible = False
        category.save(update_fields=["is_visible"])
        category_changed(category=category)
    cart = cart_get_or_create(user=make_customer())
    with pytest.raises(ItemUnavailable):
        cart_add(cart=cart, variant_id=variant.pk, quantity=1)
    assert not CartLine.objects.filter(cart=cart).exists()


def test_a_huge_or_odd_line_id_is_a_404_not_an_error(client):
    user = make_customer()
    client.force_login(user)
    cart_add(cart=cart_get_or_create(user=user), variant_id=make_variant().pk, quantity=1)
    for path in ("/cart/lines/99999999999999999999/", "/cart/lines/99999999999999999999/remove/"):
        assert client.post(path, {"quantity": "1"}).status_code == 404


def test_adding_reads_the_lines_without_sorting_subqueries():
    # Issue 16: one line per variant, so the read's four one-row subqueries need no ORDER BY
    # (compiling the model's ordering into each of them cost CPU on every add).
    first, second = make_variant(), make_variant()
    buyer = make_customer()
    cart = cart_get_or_create(user=buyer)
    cart_add(cart=cart, variant_id=first.pk, quantity=1)
    with CaptureQueriesContext(connection) as ctx:
        cart_add(cart=cart, variant_id=second.pk, quantity=2)
        cart_add(cart=cart, variant_id=first.pk, quantity=1)
    reads = [q["sql"] for q in ctx.captured_queries if "line_quantity" in q["sql"]]
    # The subqueries' alias is U0; the outer ORDER BY is the variants' own.
    assert len(reads) == 2 and all("ORDER BY U0" not in sql for sql in reads)
    assert lines_of(buyer) == {first.pk: 2, second.pk: 2}
