from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from metavast.accounts.services.staff import staff_personal_data_viewed
from metavast.core.http import no_store
from metavast.invoices.errors import InvoicePdfDamaged, InvoicePdfNotReady
from metavast.invoices.models import Invoice
from metavast.invoices.services import invoice_pdf_bytes


def pdf_response(invoice: Invoice, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"invoice-{invoice.fiscal_year}-{invoice.kind}-{invoice.number:06d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_download(invoice: Invoice, *, actor=None, request=None) -> HttpResponse:
    """The stored PDF; «در حال آماده‌سازی» (a page that looks again by itself) while its
    background render has not finished; a plain Persian error if the file no longer matches
    its digest."""
    try:
        data = invoice_pdf_bytes(invoice=invoice, actor=actor)
    except InvoicePdfNotReady:
        response = render(
            request,
            "invoices/pdf_preparing.html",
            {"invoice": invoice, "order": invoice.order},
            status=202,
        )
        response["Retry-After"] = "3"
        return response
    except InvoicePdfDamaged as exc:
        return HttpResponse(
            exc.message, status=exc.status, content_type="text/plain; charset=utf-8"
        )
    return pdf_response(invoice, data)


@login_required
@no_store
def invoice_pdf(request, pk: int):
    """The buyer's own invoice; anyone else gets the same 404 as for a missing one."""
    invoice = get_object_or_404(
        Invoice.objects.for_user(request.user).select_related("order"), pk=pk
    )
    return pdf_download(invoice, request=request)


@no_store
def staff_invoice_pdf(request, pk: int):
    """Finance staff: every download is written to the audit log."""
    user = request.user
    if not (user.is_authenticated and user.is_staff and user.has_perm("invoices.view_invoice")):
        raise Http404
    invoice = get_object_or_404(Invoice.objects.select_related("order"), pk=pk)
    response = pdf_download(invoice, actor=user, request=request)
    if response.status_code == 200:
        # The legal invoice carries the buyer as the law requires it (a private buyer's name,
        # mobile and national code; a company's address): a look at personal data (P8).
        staff_personal_data_viewed(
            actor=user,
            subject=invoice,
            fields=sorted(k for k, v in (invoice.buyer or {}).items() if v),
            purpose="invoice_pdf",
        )
    return response


@login_required
@no_store
def official_buyer(request, number: str):
    """Ask for an official (legal entity) invoice for one of my orders."""
    from django.contrib import messages
    from django.shortcuts import redirect, render

    from metavast.core.errors import DomainError
    from metavast.invoices.forms import OfficialBuyerForm
    from metavast.invoices.services import official_buyer_set
    from metavast.orders.models import Order

    order = get_object_or_404(Order.objects.for_user(request.user), number=number)
    existing = getattr(order, "official_buyer", None)
    if request.method == "POST":
        form = OfficialBuyerForm(request.POST)
        if form.is_valid():
            try:
                official_buyer_set(order=order, user=request.user, data=form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "مشخصات خریدار حقوقی برای فاکتور رسمی ثبت شد.")
                return redirect(order.get_absolute_url())
    else:
        initial = None
        if existing is not None:
            initial = {
                f: getattr(existing, f)
                for f in (
                    "company_name",
                    "economic_number",
                    "national_id",
                    "postal_code",
                    "address",
                    "phone",
                )
            }
        form = OfficialBuyerForm(initial=initial)
    return render(request, "invoices/official_buyer.html", {"form": form, "order": order})
