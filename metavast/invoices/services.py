"""Issuing invoices and credit notes.

`invoice_issue_for_order` is called after the order's payment (or, for cash on delivery,
its delivery) has committed — from a task queued with on_commit — and is safe to call
again: the unique constraint on the order makes a second call return the first invoice.

Orders placed with VAT-inclusive prices (`Order.vat_included`) carry each line's VAT and net
discount, worked out at placement by the one rule of `metavast.core.vat`: the invoice copies
them (Moadian `dis` is the line's discount, `adis` the net after it, `vam` its VAT), so it
adds up to what was charged to the Rial. Older orders had VAT on the order as a whole
(goods + shipping); their invoice spreads that exact amount over its lines by the
largest-remainder method, so the lines add up to the order to the Rial and each line's VAT
is within one Rial of its own rate.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.core.jalali import jalali_fiscal_year
from metavast.core.queue import task_queue
from metavast.invoices import moadian
from metavast.invoices.errors import CreditNoteInvalid, InvoicePdfNotReady, OrderNotInvoiceable
from metavast.invoices.models import (
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    MoadianStatus,
    OfficialBuyer,
)
from metavast.invoices.taxid import tax_id
from metavast.orders.models import Order, OrderStatus, PaymentMethod

log = logging.getLogger(__name__)

# Serial space for tax IDs: year * 10^7 + kind offset + number stays unique per memory id
# and fits the 10 hex digits the tax ID allows (16^10 > 1.1e12).
_KIND_OFFSET = {InvoiceKind.INVOICE: 0, InvoiceKind.CREDIT_NOTE: 5_000_000}

INVOICEABLE_ONLINE = {
    OrderStatus.PAID,
    OrderStatus.AWAITING_INFO,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    # An order refunded or cancelled after payment was still a sale: it gets its invoice,
    # then a credit note.
    OrderStatus.CANCELLED,
    OrderStatus.REFUNDED,
}


def _next_number(kind: str, fiscal_year: int) -> int:
    """Lock the series' counter row and take the next number (gapless: rolls back with us)."""
    InvoiceCounter.objects.bulk_create(
        [InvoiceCounter(kind=kind, fiscal_year=fiscal_year)], ignore_conflicts=True
    )
    counter = InvoiceCounter.objects.select_for_update().get(kind=kind, fiscal_year=fiscal_year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def spread_vat(nets: list[int], total_vat: int, basis_points: int) -> list[int]:
    """Split `total_vat` over lines in proportion to their net amounts, exactly."""
    if not nets:
        return []
    exact = [net * basis_points for net in nets]  # in 1/10000 Rial
    floors = [value // 10_000 for value in exact]
    remainder = total_vat - sum(floors)
    order = sorted(range(len(nets)), key=lambda i: (-(exact[i] % 10_000), i))
    result = list(floors)
    if remainder >= 0:
        for i in order[:remainder]:
            result[i] += 1
    else:  # the order rounded down overall; take from the smallest remainders
        for i in list(reversed(order))[:-remainder]:
            result[i] = max(result[i] - 1, 0)
    return result


def _buyer_for(order: Order) -> dict:
    details = getattr(order, "official_buyer", None)
    user = order.user
    if details is not None:
        return {
            "type": "legal",
            "company_name": details.company_name,
            "economic_number": details.economic_number,
            "national_id": details.national_id,
            "postal_code": details.postal_code,
            "address": details.address,
            "phone": details.phone,
        }
    return {
        "type": "person",
        "name": user.get_full_name(),
        "mobile": user.mobile,
        "national_code": getattr(user, "national_code", "") or "",
    }


def _create(
    *,
    kind: str,
    order: Order,
    original: Invoice | None,
    lines: list[dict],
    vat_basis_points: int,
    vat_total: int,
    buyer: dict,
    reason: str = "",
) -> Invoice:
    now = timezone.now()
    fiscal_year = jalali_fiscal_year(now)
    number = _next_number(kind, fiscal_year)
    serial = fiscal_year * 10_000_000 + _KIND_OFFSET[kind] + number
    if all("vat" in line for line in lines):
        vats = [line["vat"] for line in lines]  # worked out per line at placement
    else:
        vats = spread_vat([line["net_amount"] for line in lines], vat_total, vat_basis_points)
    subtotal = sum(line["unit_price"] * line["quantity"] for line in lines)
    discount = sum(line.get("discount", 0) for line in lines)
    seller = dict(settings.INVOICE_SELLER)
    invoice = Invoice(
        kind=kind,
        fiscal_year=fiscal_year,
        number=number,
        order=order,
        original=original,
        issued_at=now,
        tax_id=tax_id(
            memory_id=settings.MOADIAN_MEMORY_ID,
            issued_on=now.astimezone(dt.UTC).date(),
            serial=serial,
        ),
        moadian_type=1 if buyer.get("type") == "legal" else 2,
        buyer_is_legal=buyer.get("type") == "legal",
        seller=seller,
        buyer_json=json.dumps(buyer, ensure_ascii=False),
        subtotal=subtotal,
        discount=discount,
        vat=sum(vats),
        total=subtotal - discount + sum(vats),
        reason=reason,
        payload_json="{}",
    )
    line_rows = [
        InvoiceLine(
            position=i,
            order_line_id=line.get("order_line_id"),
            product_code=line["product_code"],
            description=line["description"],
            quantity=line["quantity"],
            unit=line.get("unit", "عدد"),
            unit_price=line["unit_price"],
            discount=line.get("discount", 0),
            net_amount=line["net_amount"],
            vat_rate_basis_points=vat_basis_points,
            vat_amount=vat,
            line_total=line["net_amount"] + vat,
        )
        for i, (line, vat) in enumerate(zip(lines, vats, strict=True), start=1)
    ]
    invoice.payload_json = json.dumps(
        moadian.build_payload(invoice, line_rows), ensure_ascii=False, sort_keys=True
    )
    invoice.save()
    for row in line_rows:
        row.invoice = invoice
    InvoiceLine.objects.bulk_create(line_rows)
    audit_record(
        action=f"invoices.{kind}_issued",
        subject=invoice,
        after={"number": invoice.display_number, "order": order.number, "total": invoice.total},
    )
    transaction.on_commit(lambda: _after_issue(invoice.pk))
    return invoice


def _after_issue(invoice_id: int) -> None:
    # Tasks are queued by name: tasks.py imports this module (core/queue.py says why).
    # The PDF is also queued on first download, so a setting may defer it (tests do).
    if settings.INVOICE_PDF_ON_ISSUE:
        invoice_pdf_schedule(invoice_id=invoice_id)
    task_queue("metavast.invoices.tasks.submit_invoice", invoice_id)


def _order_lines(order: Order) -> list[dict]:
    lines = []
    for line in order.lines.all():
        row = {
            "order_line_id": line.pk,
            "product_code": line.sku,
            "description": f"{line.title} {line.options_label}".strip(),
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "net_amount": line.line_total - line.discount,
        }
        if order.vat_included:
            row["vat"] = line.vat
        lines.append(row)
    if order.shipping_cost:
        shipping = {
            "product_code": "SHIPPING",
            "description": f"هزینهٔ ارسال ({order.shipping_method_name})",
            "quantity": 1,
            "unit": "خدمت",
            "unit_price": order.shipping_cost,
            "net_amount": order.shipping_cost,
        }
        if order.vat_included:
            shipping["vat"] = order.shipping_vat
        lines.append(shipping)
    return lines


def _invoiceable(order: Order) -> bool:
    if order.payment_method == PaymentMethod.COD:
        return order.status in {OrderStatus.DELIVERED, OrderStatus.REFUNDED}
    return order.paid_at is not None and order.status in INVOICEABLE_ONLINE


def invoice_issue_for_order(*, order_id: int) -> Invoice:
    """The order's sales invoice, issued now if it has none yet (idempotent)."""
    existing = Invoice.objects.filter(order_id=order_id, kind=InvoiceKind.INVOICE).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            existing = Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).first()
            if existing is not None:  # a concurrent call finished while we waited for the lock
                return existing
            if not _invoiceable(order):
                raise OrderNotInvoiceable()
            return _create(
                kind=InvoiceKind.INVOICE,
                order=order,
                original=None,
                lines=_order_lines(order),
                vat_basis_points=order.vat_rate_basis_points,
                vat_total=order.vat,
                buyer=_buyer_for(order),
            )
    except IntegrityError:
        # A concurrent call issued it first; the unique constraint kept it to one.
        return Invoice.objects.get(order_id=order_id, kind=InvoiceKind.INVOICE)


def credit_note_issue(
    *,
    invoice: Invoice,
    quantities: dict[int, int] | None = None,
    include_shipping: bool | None = None,
    reason: str,
    actor=None,
) -> Invoice:
    """Reverse lines of an issued invoice: `quantities` maps invoice line ids to how many
    units go back; None reverses the whole invoice (a cancellation)."""
    if invoice.kind != InvoiceKind.INVOICE:
        raise CreditNoteInvalid()
    with transaction.atomic():
        Invoice.objects.select_for_update().filter(pk=invoice.pk).exists()
        already: dict[int, int] = {}
        already_discount: dict[int, int] = {}
        for note_line in InvoiceLine.objects.filter(invoice__original=invoice):
            key = note_line.order_line_id or 0
            already[key] = already.get(key, 0) + note_line.quantity
            already_discount[key] = already_discount.get(key, 0) + note_line.discount
        lines: list[dict] = []
        for line in invoice.lines.all():
            if line.order_line_id is None:  # the shipping line
                wanted = (
                    1
                    if (include_shipping or (include_shipping is None and quantities is None))
                    else 0
                )
            elif quantities is None:
                wanted = line.quantity
            else:
                wanted = quantities.get(line.pk, 0)
            if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 0:
                raise CreditNoteInvalid()
            left = line.quantity - already.get(line.order_line_id or 0, 0)
            if wanted > left:
                raise CreditNoteInvalid()
            if wanted:
                # The line's discount goes back with its units: all that is left of it with
                # the last units, a proportional part (rounded down) before.
                key = line.order_line_id or 0
                discount = (
                    line.discount - already_discount.get(key, 0)
                    if wanted == left
                    else line.discount * wanted // line.quantity
                )
                lines.append(
                    {
                        "order_line_id": line.order_line_id,
                        "product_code": line.product_code,
                        "description": line.description,
                        "quantity": wanted,
                        "unit": line.unit,
                        "unit_price": line.unit_price,
                        "discount": discount,
                        "net_amount": line.unit_price * wanted - discount,
                    }
                )
        if not lines:
            raise CreditNoteInvalid()
        bp = invoice.lines.first().vat_rate_basis_points
        net = sum(line["net_amount"] for line in lines)
        earlier = Invoice.objects.filter(original=invoice)
        net_left = (
            invoice.subtotal
            - invoice.discount
            - sum(note.subtotal - note.discount for note in earlier)
        )
        # Reversing all that is left: exactly the VAT not yet reversed, so the notes add up
        # to the invoice to the Rial; a part: the rate on what goes back.
        vat_total = (
            invoice.vat - sum(note.vat for note in earlier)
            if net == net_left
            else (net * bp + 5_000) // 10_000
        )
        note = _create(
            kind=InvoiceKind.CREDIT_NOTE,
            order=invoice.order,
            original=invoice,
            lines=lines,
            vat_basis_points=bp,
            vat_total=vat_total,
            buyer=invoice.buyer,
            reason=reason,
        )
        if actor is not None:
            audit_record(
                action="invoices.credit_note_requested",
                actor=actor,
                subject=note,
                after={"original": invoice.display_number, "reason": reason},
            )
        return note


def _pdf_stored(invoice: Invoice) -> bool:
    from metavast.invoices import pdf

    return pdf.is_stored(invoice.pdf_name)


def _render_claim_key(invoice_id: int) -> str:
    return f"invoices:pdf-render:{invoice_id}"


# A render that has not finished in this time may be queued again (a lost task).
RENDER_CLAIM_SECONDS = 120


def invoice_render_pdf(*, invoice_id: int) -> Invoice:
    """Render and store the PDF once; later calls find it there. Runs in a task (a
    background thread in the embedded default), never in a request: 230–350 ms of CPU."""
    from metavast.invoices import pdf

    try:
        invoice = Invoice.objects.select_related("order", "original").get(pk=invoice_id)
        if _pdf_stored(invoice):
            return invoice
        name, digest = pdf.write_pdf(invoice)
        Invoice.objects.filter(pk=invoice_id)._record_delivery(pdf_name=name, pdf_sha256=digest)
        invoice.pdf_name, invoice.pdf_sha256 = name, digest
        return invoice
    finally:
        cache.delete(_render_claim_key(invoice_id))


def invoice_pdf_schedule(*, invoice_id: int) -> bool:
    """Queue the PDF's render unless one is already queued (a reader refreshing the
    «در حال آماده‌سازی» page must not queue a render per refresh: two renders at once would
    race to write the file). True when this call queued it."""
    if not cache.add(_render_claim_key(invoice_id), 1, timeout=RENDER_CLAIM_SECONDS):
        return False
    task_queue("metavast.invoices.tasks.render_invoice_pdf", invoice_id)
    return True


def invoice_pdf_bytes(*, invoice: Invoice, actor=None) -> bytes:
    """The stored PDF. Not stored yet: its render is queued and InvoicePdfNotReady raised —
    a request never renders (where tasks run inline, as in tests, the render has run by the
    time the queue call returns, and the file is served). Staff reads are audited."""
    from metavast.invoices import pdf

    invoice = Invoice.objects.select_related("order").get(pk=invoice.pk)
    if not _pdf_stored(invoice):
        invoice_pdf_schedule(invoice_id=invoice.pk)
        invoice.refresh_from_db(fields=["pdf_name", "pdf_sha256"])
        if not _pdf_stored(invoice):
            raise InvoicePdfNotReady()
    if actor is not None and getattr(actor, "is_staff", False) and actor != invoice.order.user:
        audit_record(
            action="invoices.pdf_downloaded_by_staff",
            actor=actor,
            subject=invoice,
            after={"number": invoice.display_number},
        )
    return pdf.read_pdf(invoice)


def invoice_submit(*, invoice_id: int) -> Invoice:
    """Send one pending invoice to the tax system. Safe to run concurrently: a conditional
    UPDATE claims it, so two workers never send the same invoice at once."""
    claimed = Invoice.objects.filter(
        pk=invoice_id, moadian_status=MoadianStatus.PENDING
    )._record_delivery(moadian_status=MoadianStatus.SENT, moadian_sent_at=timezone.now())
    invoice = Invoice.objects.get(pk=invoice_id)
    if not claimed:
        return invoice
    try:
        result = moadian.backend().submit(invoice.payload)
    except moadian.MoadianError as exc:
        log.warning("moadian submission failed", extra={"invoice_id": invoice_id})
        Invoice.objects.filter(pk=invoice_id)._record_delivery(
            moadian_status=MoadianStatus.PENDING,
            moadian_attempts=invoice.moadian_attempts + 1,
            moadian_error=str(exc)[:300],
        )
    else:
        Invoice.objects.filter(pk=invoice_id)._record_delivery(
            moadian_status=MoadianStatus.ACCEPTED if result.accepted else MoadianStatus.REJECTED,
            moadian_reference=result.reference,
            moadian_error=result.error,
            moadian_attempts=invoice.moadian_attempts + 1,
        )
    return Invoice.objects.get(pk=invoice_id)


def invoices_submit_pending(*, batch: int = 100) -> int:
    ids = list(Invoice.objects.pending_submission().values_list("pk", flat=True)[:batch])
    for invoice_id in ids:
        invoice_submit(invoice_id=invoice_id)
    return len(ids)


def official_buyer_set(*, order: Order, user, data: dict) -> OfficialBuyer:
    """Record (or replace) the legal entity to invoice, before the invoice exists."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk, user=user)
        if Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).exists():
            raise OrderNotInvoiceable(
                "فاکتور این سفارش صادر شده است؛ برای تغییر خریدار با پشتیبانی تماس بگیرید."
            )
        if order.status in {OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.DELIVERED}:
            raise OrderNotInvoiceable()
        buyer, _ = OfficialBuyer.objects.update_or_create(order=order, defaults=data)
        audit_record(
            action="invoices.official_buyer_set",
            actor=user,
            subject=order,
            # The row, not its national ID: the audit trail's JSON is sealed, not encrypted.
            after={"official_buyer_id": buyer.pk},
        )
        return buyer


# The order statuses that change what the order's invoices should be.
FOLLOWED_STATUSES = frozenset(
    {OrderStatus.PAID, OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.REFUNDED}
)


def order_status_followed(*, order_id: int, status: str) -> None:
    """Orders' status follow-up (registered in apps.py, run after the change commits): a
    sale is invoiced when paid (cash on delivery: when delivered); a cancellation or refund
    after that gets its credit note. The work is the `follow_order` task's."""
    if status in FOLLOWED_STATUSES:
        task_queue("metavast.invoices.tasks.follow_order", order_id)


def invoice_follow_order(*, order_id: int) -> list[Invoice]:
    """Bring the order's invoices in line with its status (idempotent, any order of events):
    invoiceable → its invoice exists; cancelled or refunded after payment → what is left of
    the invoice is reversed by a credit note."""
    order = Order.objects.get(pk=order_id)
    if not _invoiceable(order):
        return []
    invoice = invoice_issue_for_order(order_id=order_id)
    issued = [invoice]
    # A partial refund (staff sent back part of the money) is not a return of everything:
    # its credit note is staff's to issue for the lines concerned.
    partial_refund = (
        order.status == OrderStatus.REFUNDED
        and order.refunded_amount is not None
        and order.refunded_amount < order.total
    )
    if order.status in {OrderStatus.CANCELLED, OrderStatus.REFUNDED} and not partial_refund:
        reversed_total = sum(
            Invoice.objects.filter(original=invoice).values_list("total", flat=True)
        )
        if reversed_total < invoice.total:
            issued.append(
                credit_note_issue(
                    invoice=invoice,
                    quantities=_remaining(invoice),
                    include_shipping=not invoice.credit_notes.filter(
                        lines__order_line__isnull=True
                    ).exists(),
                    reason=order.get_status_display(),
                )
            )
    return issued


def _remaining(invoice: Invoice) -> dict[int, int]:
    returned: dict[int, int] = {}
    for line in InvoiceLine.objects.filter(invoice__original=invoice, order_line__isnull=False):
        returned[line.order_line_id] = returned.get(line.order_line_id, 0) + line.quantity
    return {
        line.pk: line.quantity - returned.get(line.order_line_id, 0)
        for line in invoice.lines.filter(order_line__isnull=False)
    }
