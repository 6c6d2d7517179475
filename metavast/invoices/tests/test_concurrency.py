"""Gapless numbering under concurrent payments (PostgreSQL, real threads)."""

import pytest

from metavast.core.testing import run_concurrently
from metavast.invoices.models import Invoice, InvoiceKind
from metavast.invoices.services import invoice_issue_for_order
from metavast.invoices.tests.factories import paid_order
from metavast.orders.tests.factories import make_customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_issues_get_unique_gapless_numbers(shop):
    orders = [paid_order(make_customer()) for _ in range(20)]
    results = run_concurrently([lambda o=o: invoice_issue_for_order(order_id=o.pk) for o in orders])
    assert [e for _, e in results if e] == []
    numbers = sorted(
        Invoice.objects.filter(kind=InvoiceKind.INVOICE).values_list("number", flat=True)
    )
    assert numbers == list(range(1, 21))


def test_concurrent_replays_for_one_order_issue_one_invoice(shop):
    order = paid_order()
    results = run_concurrently([lambda: invoice_issue_for_order(order_id=order.pk)] * 10)
    assert [e for _, e in results if e] == []
    assert Invoice.objects.filter(order=order).count() == 1
    assert Invoice.objects.get(order=order).number == 1
