"""Gapless numbering under concurrent payments (PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection

from metavast.invoices.models import Invoice, InvoiceKind
from metavast.invoices.services import invoice_issue_for_order
from metavast.invoices.tests.factories import paid_order
from metavast.orders.tests.factories import make_customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_threads(target, args_list):
    barrier = threading.Barrier(len(args_list))
    errors: list[BaseException] = []

    def worker(*args):
        try:
            barrier.wait(timeout=30)
            target(*args)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=a) for a in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_twenty_concurrent_issues_get_unique_gapless_numbers(shop):
    orders = [paid_order(make_customer()) for _ in range(20)]
    errors = _run_threads(lambda o: invoice_issue_for_order(order_id=o.pk), [(o,) for o in orders])
    assert errors == []
    numbers = sorted(
        Invoice.objects.filter(kind=InvoiceKind.INVOICE).values_list("number", flat=True)
    )
    assert numbers == list(range(1, 21))


def test_concurrent_replays_for_one_order_issue_one_invoice(shop):
    order = paid_order()
    errors = _run_threads(lambda: invoice_issue_for_order(order_id=order.pk), [()] * 10)
    assert errors == []
    assert Invoice.objects.filter(order=order).count() == 1
    assert Invoice.objects.get(order=order).number == 1
