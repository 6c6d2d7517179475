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

PDF_BODY = {"schema": {"type": "string", "format": "binary"}}


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
    operation_id="invoices_list",
)
def list_invoices(request):
    return list(Invoice.objects.for_user(request.auth).select_related("order", "original")[:200])


@router.get(
    "/invoices/{invoice_id}/pdf",
    # 503 invoice_pdf_not_ready: the PDF is still being rendered after issue; ask again soon.
    response={200: None, 401: ErrorOut, 404: ErrorOut, 503: ErrorOut},
    auth=token_or_session,
    summary="فایل PDF یک فاکتور من",
    description=(
        "با Accept: application/octet-stream همان فایل با این نوع فرستاده می‌شود."
        " تا آماده شدن فایل پس از صدور: ۵۰۳ با کد invoice_pdf_not_ready؛ چند ثانیه بعد دوباره."
    ),
    operation_id="invoices_download_pdf",
    openapi_extra={
        "responses": {
            200: {
                "description": "فایل PDF فاکتور",
                # Client generators (openapi-python-client among them) read a body as bytes
                # only under octet-stream: the PDF is declared, and served on request, as both.
                "content": {"application/pdf": PDF_BODY, "application/octet-stream": PDF_BODY},
            }
        }
    },
)
def invoice_pdf(request, invoice_id: int = Path(..., ge=1, le=2**63 - 1)):
    invoice = get_object_or_404(Invoice.objects.for_user(request.auth), pk=invoice_id)
    response = pdf_response(invoice, invoice_pdf_bytes(invoice=invoice))
    offered = ("application/pdf", "application/octet-stream")
    if request.get_preferred_type(offered) == "application/octet-stream":
        response["Content-Type"] = "application/octet-stream"
    return response
