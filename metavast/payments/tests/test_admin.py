"""Staff: the payments list with filters, read-only rows, re-verify through the service."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from metavast.accounts.testing import verify_staff_client
from metavast.orders.models import Order, OrderStatus
from metavast.orders.tests.factories import make_customer
from metavast.payments.models import Payment, PaymentStatus
from metavast.payments.tests.conftest import start_payment


def _staff() -> Client:
    """A superuser whose session has passed two-factor, as the admin requires."""
    staff = make_customer(is_staff=True)
    client = Client()
    client.force_login(staff)
    return verify_staff_client(client, staff)


def _admin_url(path: str = "") -> str:
    return f"/{settings.ADMIN_PATH}/payments/payment/{path}"


def test_list_filters_and_reverify(order, customer, fake_zarinpal):
    _, payment = start_payment(customer, order)
    client = _staff()
    page = client.get(_admin_url(), {"status__exact": "pending", "gateway": "zarinpal"})
    assert page.status_code == 200, page.status_code
    assert order.number in page.content.decode()
    detail = client.get(_admin_url(f"{payment.pk}/change/"))
    assert detail.status_code == 200
    assert 'name="amount"' not in detail.content.decode()  # read-only
    assert client.get(_admin_url("add/")).status_code == 403

    fake_zarinpal.pay(payment.authority)
    response = client.post(
        _admin_url(), {"action": "reverify", "_selected_action": [payment.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_search_finds_an_order_number_typed_in_persian_or_arabic_indic_digits(
    order, customer, fake_zarinpal
):
    """The customer's SMS writes «MV-۳۰۵۵۲۹۲۱»; staff paste that, or type Arabic-Indic."""
    from metavast.core.text import to_persian_digits

    _, payment = start_payment(customer, order)
    client = _staff()
    digits = order.number.split("-")[-1]
    arabic_indic = digits.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for term in (to_persian_digits(order.number), to_persian_digits(digits), arabic_indic):
        page = client.get(_admin_url(), {"q": term})
        assert page.status_code == 200
        assert page.context["cl"].result_count == 1, term
        assert list(page.context["cl"].result_list) == [payment]
    assert client.get(_admin_url(), {"q": "۹۹۹۹۹۹۹۹"}).context["cl"].result_count == 0
