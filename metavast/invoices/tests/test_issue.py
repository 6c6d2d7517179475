import pytest
from django.db import DatabaseError, connection, transaction

from metavast.invoices.errors import CreditNoteInvalid, InvoiceImmutable, OrderNotInvoiceable
from metavast.invoices.models import Invoice, InvoiceKind, InvoiceLine
from metavast.invoices.services import (
    credit_note_issue,
    invoice_issue_for_order,
    spread_vat,
)
from metavast.invoices.taxid import tax_id_valid
from metavast.invoices.tests.factories import paid_order
from metavast.orders.models import OrderStatus
from metavast.orders.services import order_mark_delivered, order_mark_shipped, order_set_status
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

pytestmark = pytest.mark.django_db


def test_paid_order_gets_one_invoice_that_adds_up(shop):
    order = paid_order()
    invoice = invoice_issue_for_order(order_id=order.pk)
    assert invoice.kind == InvoiceKind.INVOICE
    assert invoice.number == 1
    assert invoice.total == order.total
    assert invoice.vat == order.vat
    assert invoice.subtotal == order.subtotal + order.shipping_cost
    lines = list(invoice.lines.all())
    assert len(lines) == 3  # two products and the shipping line
    assert sum(line.line_total for line in lines) == order.total
    assert sum(line.vat_amount for line in lines) == order.vat
    assert lines[-1].product_code == "SHIPPING"
    assert tax_id_valid(invoice.tax_id, memory_id="A1B2C3")
    assert invoice.moadian_type == 2  # a consumer
    assert invoice.payload["header"]["tbill"] == order.total
    assert invoice.payload["header"]["inno"] == invoice.tax_id[11:21]


def test_issuing_again_returns_the_same_invoice(shop):
    order = paid_order()
    first = invoice_issue_for_order(order_id=order.pk)
    second = invoice_issue_for_order(order_id=order.pk)
    assert first.pk == second.pk
    assert Invoice.objects.filter(order=order).count() == 1


def test_unpaid_order_is_not_invoiced(shop):
    user = make_customer()
    fill_cart(user, (make_variant(), 1))
    order = place(user)
    with pytest.raises(OrderNotInvoiceable):
        invoice_issue_for_order(order_id=order.pk)
    assert not Invoice.objects.exists()


def test_cash_on_delivery_is_invoiced_at_delivery(shop, django_capture_on_commit_callbacks):
    user = make_customer()
    fill_cart(user, (make_variant(), 1))
    order = place(user, payment="cod", shipping="tipax")
    with pytest.raises(OrderNotInvoiceable):
        invoice_issue_for_order(order_id=order.pk)
    if order.status != OrderStatus.PROCESSING:
        order = order_set_status(order=order, to=OrderStatus.PROCESSING, actor=None)
    order = order_mark_shipped(order=order, actor=None, tracking_code="TRK1")
    assert not Invoice.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_delivered(order=order, actor=None)
    assert Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).count() == 1


def test_numbers_are_sequential_per_series(shop):
    invoices = [invoice_issue_for_order(order_id=paid_order().pk) for _ in range(3)]
    assert [i.number for i in invoices] == [1, 2, 3]
    note = credit_note_issue(invoice=invoices[0], reason="برگشت")
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.number == 1
    assert note.display_number == f"{note.fiscal_year}/000001"


def test_issued_invoice_cannot_change(shop):
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    invoice.total = 1
    with pytest.raises(InvoiceImmutable):
        invoice.save()
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.filter(pk=invoice.pk).update(total=1)
    with pytest.raises(InvoiceImmutable):
        invoice.delete()
    line = invoice.lines.first()
    with pytest.raises(InvoiceImmutable):
        InvoiceLine.objects.filter(pk=line.pk).update(unit_price=1)
    assert Invoice.objects.get(pk=invoice.pk).total != 1


@pytest.mark.postgres
def test_database_refuses_changes_on_postgres(shop):
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    for sql in (
        "UPDATE invoices_invoice SET total = 1 WHERE id = %s",
        "UPDATE invoices_invoice SET tax_id = 'X' WHERE id = %s",
        "DELETE FROM invoices_invoice WHERE id = %s",
        "UPDATE invoices_invoiceline SET unit_price = 1 WHERE invoice_id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [invoice.pk])
    # The delivery bookkeeping may still be written.
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE invoices_invoice SET moadian_status = 'accepted' WHERE id = %s", [invoice.pk]
        )


def test_full_credit_note_reverses_everything_and_refers_to_the_original(shop):
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    note = credit_note_issue(invoice=invoice, reason="لغو سفارش")
    assert note.original_id == invoice.pk
    assert (note.subtotal, note.vat, note.total) == (invoice.subtotal, invoice.vat, invoice.total)
    assert note.payload["header"]["irtaxid"] == invoice.tax_id
    assert note.payload["header"]["ins"] == 4
    with pytest.raises(CreditNoteInvalid):
        credit_note_issue(invoice=invoice, reason="دوباره")  # nothing left to reverse


def test_partial_credit_note_and_over_return(shop):
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    first_line = invoice.lines.order_by("position").first()  # 2 units
    note = credit_note_issue(invoice=invoice, quantities={first_line.pk: 1}, reason="مرجوعی")
    assert note.subtotal == first_line.unit_price
    assert note.lines.count() == 1
    with pytest.raises(CreditNoteInvalid):
        credit_note_issue(invoice=invoice, quantities={first_line.pk: 2}, reason="بیش از حد")
    with pytest.raises(CreditNoteInvalid):
        credit_note_issue(invoice=invoice, quantities={first_line.pk: -1}, reason="منفی")
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1


@pytest.mark.parametrize(
    ("nets", "vat", "bp"),
    [([100, 200, 300], 60, 1000), ([333, 333, 334], 100, 1000), ([1], 0, 1000), ([7, 7], 2, 1000)],
)
def test_spread_vat_adds_up_exactly(nets, vat, bp):
    shares = spread_vat(nets, vat, bp)
    assert sum(shares) == vat
    for net, share in zip(nets, shares, strict=True):
        assert abs(share - net * bp / 10_000) <= 1


def test_paid_then_cancelled_order_gets_invoice_and_full_credit_note(
    shop, django_capture_on_commit_callbacks
):
    from metavast.orders.services import order_cancel

    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order()
    invoice = Invoice.objects.get(order=order, kind=InvoiceKind.INVOICE)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=None, reason="staff")
    note = Invoice.objects.get(order=order, kind=InvoiceKind.CREDIT_NOTE)
    assert note.original_id == invoice.pk and note.total == invoice.total
    # Following the order again (a replayed task) issues nothing more.
    from metavast.invoices.services import invoice_follow_order

    invoice_follow_order(order_id=order.pk)
    assert Invoice.objects.filter(order=order).count() == 2


def test_partial_credit_notes_then_the_rest_add_up_exactly(shop, settings):
    # 9 % makes per-note rounding visible.
    from metavast.checkout.models import VatRate

    VatRate.objects.update(rate_basis_points=900)
    invoice = invoice_issue_for_order(order_id=paid_order(items=((10_001, 3),)).pk)
    line = invoice.lines.order_by("position").first()
    credit_note_issue(invoice=invoice, quantities={line.pk: 1}, reason="یکی")
    credit_note_issue(invoice=invoice, quantities={line.pk: 1}, reason="دومی")
    from metavast.invoices.services import invoice_follow_order

    last = credit_note_issue(
        invoice=invoice, quantities={line.pk: 1}, include_shipping=True, reason="بقیه"
    )
    notes = Invoice.objects.filter(original=invoice)
    assert sum(n.vat for n in notes) == invoice.vat
    assert sum(n.total for n in notes) == invoice.total
    assert last.kind == InvoiceKind.CREDIT_NOTE
    invoice_follow_order(order_id=invoice.order_id)  # nothing left: issues nothing, no error
    assert Invoice.objects.filter(original=invoice).count() == 3


def test_partial_refund_does_not_reverse_the_whole_invoice(
    shop, django_capture_on_commit_callbacks
):
    from metavast.orders.services import order_record_refund

    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order()
        order = order_set_status(order=order, to=OrderStatus.PROCESSING, actor=None)
        order = order_mark_shipped(order=order, actor=None, tracking_code="T1")
        order = order_mark_delivered(order=order, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        order_record_refund(order=order, actor=None, reference="R1", amount=100_000)
    assert not Invoice.objects.filter(order=order, kind=InvoiceKind.CREDIT_NOTE).exists()
