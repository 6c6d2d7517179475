"""Tax records after the legal period: the buyer goes, the invoice's numbers stay (P1, P9).

The engine is run at a chosen moment (`now=`) after rows written at the real present: just
inside the period nothing changes, just past it the buyer snapshot, the Moadian payload, the
PDF, a company's details and the masked card go, each invoice with its own audit event.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.invoices.models import Invoice, MoadianStatus, OfficialBuyer
from metavast.invoices.services import (
    invoice_issue_for_order,
    invoice_pdf_bytes,
    invoice_render_pdf,
)
from metavast.invoices.tests.factories import paid_order
from metavast.legal.holds import hold_place
from metavast.orders.tests.factories import shop  # noqa: F401 (fixture)
from metavast.payments.models import Payment
from metavast.privacy.retention import RULES_BY_KEY, _legal_period_start, retention_run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop")]

TAX_RULES = tuple(RULES_BY_KEY[k] for k in ("invoice_buyers", "official_buyers", "payment_cards"))


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.INVOICE_RETENTION_YEARS = 10
    return settings.PRIVATE_STORAGE_ROOT


def _sent(invoice: Invoice) -> Invoice:
    # The tax system has it: only then may its payload go.
    Invoice.objects.filter(pk=invoice.pk)._record_delivery(moadian_status=MoadianStatus.ACCEPTED)
    return Invoice.objects.get(pk=invoice.pk)


def _invoice(order=None) -> Invoice:
    invoice = invoice_issue_for_order(order_id=(order or paid_order()).pk)
    invoice_render_pdf(invoice_id=invoice.pk)
    return _sent(invoice)


def _years_after(moment: dt.datetime, years: int) -> dt.datetime:
    return moment.replace(year=moment.year + years)


def _run(now):
    return retention_run(now=now, rules=TAX_RULES).counts


def test_inside_the_legal_period_nothing_changes(private_root):
    invoice = _invoice()
    pdf_path = private_root / invoice.pdf_name
    assert pdf_path.exists()
    just_inside = _years_after(invoice.issued_at, 10) - dt.timedelta(minutes=1)

    assert _run(just_inside)["invoice_buyers"] == 0

    again = Invoice.objects.get(pk=invoice.pk)
    assert again.buyer["name"] and again.payload and again.buyer_erased_at is None
    assert again.pdf_name == invoice.pdf_name and pdf_path.exists()


def test_past_the_legal_period_the_buyer_goes_and_the_invoice_stays(
    private_root, django_capture_on_commit_callbacks
):
    invoice = _invoice()
    pdf_path = private_root / invoice.pdf_name
    assert "name" in invoice.buyer and invoice.payload
    just_past = _years_after(invoice.issued_at, 10) + dt.timedelta(minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        counts = _run(just_past)

    assert counts["invoice_buyers"] == 1
    after = Invoice.objects.get(pk=invoice.pk)
    assert after.buyer == {} and after.payload == {}
    assert after.buyer_erased_at == just_past
    assert after.pdf_name == "" and after.pdf_sha256 == "" and not pdf_path.exists()
    # The tax record itself: number, tax id, amounts, lines.
    assert (after.number, after.tax_id, after.total) == (
        invoice.number,
        invoice.tax_id,
        invoice.total,
    )
    assert after.lines.count() == invoice.lines.count()
    event = AuditEvent.objects.get(action="invoices.buyer_erased", subject_id=str(invoice.pk))
    assert "name" not in str(event.after or "")

    # Asked for again, the PDF is made without the buyer, and no one's name is in it.
    data = invoice_pdf_bytes(invoice=after)
    assert data.startswith(b"%PDF")
    assert Invoice.objects.get(pk=invoice.pk).pdf_name

    # Once: a later run finds nothing to do.
    assert _run(just_past + dt.timedelta(days=400))["invoice_buyers"] == 0


def test_leap_day_issue_counts_calendar_years():
    # 29 Feb 2028 + 10 years is 28 Feb 2038 at the earliest, never a day earlier.
    leap = dt.datetime(2038, 2, 28, 12, tzinfo=dt.UTC)
    assert _legal_period_start(leap) == dt.datetime(2028, 2, 28, 12, tzinfo=dt.UTC)
    # 365-day years would be 3650 days: ten years minus the two or three leap days.
    now = dt.datetime(2036, 6, 1, tzinfo=dt.UTC)
    assert now - _legal_period_start(now) > dt.timedelta(days=3650)


def test_an_invoice_the_tax_system_still_waits_for_keeps_its_payload(private_root):
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    assert invoice.moadian_status == MoadianStatus.PENDING
    assert _run(_years_after(invoice.issued_at, 11))["invoice_buyers"] == 0
    assert Invoice.objects.get(pk=invoice.pk).payload


def test_a_legal_hold_on_the_order_or_account_keeps_the_buyer(private_root, admin_user):
    held_order = _invoice()
    held_account = _invoice()
    free = _invoice()
    hold_place(
        subject_type="orders.order",
        subject_id=held_order.order_id,
        actor=admin_user,
        reason="حکم دادگاه",
    )
    hold_place(
        subject_type="accounts.user",
        subject_id=held_account.order.user_id,
        user_id=held_account.order.user_id,
        actor=admin_user,
        reason="حکم دادگاه",
    )
    later = _years_after(timezone.now(), 11)

    assert _run(later)["invoice_buyers"] == 1

    assert Invoice.objects.get(pk=held_order.pk).buyer_erased_at is None
    assert Invoice.objects.get(pk=held_account.pk).buyer_erased_at is None
    assert Invoice.objects.get(pk=free.pk).buyer_erased_at is not None


def test_a_company_buyer_and_the_masked_card_go_with_the_period(private_root):
    order = paid_order()
    OfficialBuyer.objects.create(
        order=order,
        company_name="شرکت نمونه",
        economic_number="411111111111",
        national_id="10101010101",
        postal_code="1234567890",
        address="تهران، خیابان یکم",
        phone="02188888888",
    )
    Payment.objects.create(
        order=order,
        gateway="sandbox",
        amount=order.total,
        status="paid",
        card_pan="603799******1234",
    )
    invoice = _invoice(order)
    assert invoice.buyer["company_name"] == "شرکت نمونه"

    assert _run(_years_after(invoice.issued_at, 10) - dt.timedelta(days=1)) == {
        "invoice_buyers": 0,
        "official_buyers": 0,
        "payment_cards": 0,
    }
    counts = _run(_years_after(invoice.issued_at, 10) + dt.timedelta(days=1))

    assert counts["invoice_buyers"] == 1 and counts["official_buyers"] == 1
    assert counts["payment_cards"] >= 1
    assert not OfficialBuyer.objects.filter(order=order).exists()
    assert not Payment.objects.filter(order=order).exclude(card_pan="").exists()


@pytest.mark.postgres
def test_the_database_lets_only_expired_buyers_be_cut_back(private_root):
    invoice = _invoice()

    def attempt(sql, params):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT set_config('metavast.invoice_legal_years', '10', true)")
            cur.execute(sql, params)

    soon = timezone.now() + dt.timedelta(days=365 * 5)
    late = _years_after(timezone.now(), 11)
    # Within the period, even with the flag.
    attempt(
        "UPDATE invoices_invoice SET buyer_json = '', payload_json = '', pdf_name = '', "
        "pdf_sha256 = '', buyer_erased_at = %s WHERE id = %s",
        [soon, invoice.pk],
    )
    # Past it, but another column too.
    attempt(
        "UPDATE invoices_invoice SET buyer_json = '', payload_json = '', pdf_name = '', "
        "pdf_sha256 = '', total = 1, buyer_erased_at = %s WHERE id = %s",
        [late, invoice.pk],
    )
    # Past it, but not to blanks.
    attempt(
        "UPDATE invoices_invoice SET buyer_json = 'x', payload_json = '', pdf_name = '', "
        "pdf_sha256 = '', buyer_erased_at = %s WHERE id = %s",
        [late, invoice.pk],
    )
    # Without the flag: refused however old.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "UPDATE invoices_invoice SET buyer_json = '', payload_json = '', pdf_name = '', "
            "pdf_sha256 = '', buyer_erased_at = %s WHERE id = %s",
            [late, invoice.pk],
        )
    # Past it, blanks only, with the flag: allowed, once.
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT set_config('metavast.invoice_legal_years', '10', true)")
        cur.execute(
            "UPDATE invoices_invoice SET buyer_json = '', payload_json = '', pdf_name = '', "
            "pdf_sha256 = '', buyer_erased_at = %s WHERE id = %s",
            [late, invoice.pk],
        )
    attempt(
        "UPDATE invoices_invoice SET buyer_erased_at = %s WHERE id = %s",
        [_years_after(late, 1), invoice.pk],
    )
