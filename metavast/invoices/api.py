from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Path, Router, Schema

from metavast.accounts.api_auth import token_or_session
from metavast.core.schemas import ErrorOut
from metavast.invoices.models import Invoice
from metavast.invoices.services import invoice_pdf_bytes
from metavast.invoices.views import pdf_response

# The app's bearer token or the browser session, like the rest of the API (accounts.api_auth).
router = Router(tags=["invoices"])


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str
    issued_at: dt.datetime
    order_number: str
    tax_id: str
    subtotal: int
    vat: int
    total: int
    original_number: str | None = None

    @staticmethod
    def resolve_number(obj: Invoice) -> str:
        return obj.display_number

    @staticmethod
    def resolve_order_number(obj: Invoice) -> str:
        return obj.order.number

    @staticmethod
    def resolve_original_number(obj: Invoice) -> str | None:
        return obj.original.display_number if obj.original_id else None


@router.get(
    "/invoices",
    response={200: list[InvoiceOut], 401: ErrorOut},
    auth=token_or_session,
    summary="فاکتورهای من",
)
def list_invoices(request):
    return list(Invoice.objects.for_user(request.auth).select_related("order", "original")[:200])


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    auth=token_or_session,
    summary="فایل PDF یک فاکتور من",
    openapi_extra={"responses": {200: {"description": "PDF", "content": {"application/pdf": {}}}}},
)
def invoice_pdf(request, invoice_id: int = Path(..., ge=1, le=2**63 - 1)):
    invoice = get_object_or_404(Invoice.objects.for_user(request.auth), pk=invoice_id)
    return pdf_response(invoice, invoice_pdf_bytes(invoice=invoice))
