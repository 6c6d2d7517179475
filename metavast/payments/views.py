"""Payment pages: start paying an order, the gateway's return, and the sandbox bank.

The callback is reached by a cross-site GET or POST from the bank, usually without our
session cookie (SameSite), so it is CSRF-exempt and trusts nothing but the authority it
carries; the services decide everything. Its answer is the page the customer sees.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from metavast.core.http import no_store, site_base_url
from metavast.payments import services
from metavast.payments.errors import (
    CallbackRejected,
    GatewayNotAvailable,
    OrderNotFound,
    PaymentStartFailed,
    RedirectNotAllowed,
)
from metavast.payments.gateways.sandbox import sandbox_decide
from metavast.payments.models import PaymentStatus, SandboxStatus, SandboxTransaction


def site_url(request) -> str:
    return site_base_url(request).rstrip("/")


@require_POST
@login_required
@no_store
def start(request, number: str):
    try:
        payment = services.payment_start(
            order_number=number,
            user=request.user,
            site_url=site_url(request),
            gateway=request.POST.get("gateway") or None,
        )
    except (OrderNotFound, GatewayNotAvailable):
        raise Http404 from None
    except (PaymentStartFailed, RedirectNotAllowed) as exc:
        messages.error(request, exc.message)
        return redirect("orders:detail", number=number)
    # A 302 from us to the bank (its host is on the allow-list and in CSP's form-action, which
    # browsers also apply to this redirect).
    return HttpResponseRedirect(payment.redirect_url)


OUTCOMES = {
    PaymentStatus.PAID: "paid",
    PaymentStatus.REFUND_DUE: "refund_due",
    PaymentStatus.PENDING: "pending",
    PaymentStatus.INITIATED: "pending",
    PaymentStatus.CANCELLED: "cancelled",
    PaymentStatus.FAILED: "failed",
}


@csrf_exempt
@require_http_methods(["GET", "POST"])
@no_store
def callback(request, gateway: str):
    # Zarinpal sends Authority and Status in the query string; others may POST them.
    params = request.POST if request.method == "POST" else request.GET

    def param(name: str) -> str:
        return (params.get(name) or request.GET.get(name) or "")[:128]

    try:
        payment = services.payment_callback(
            gateway=gateway,
            authority=param("Authority"),
            status=param("Status"),
            order_number=request.GET.get("order", "")[:32],
        )
    except GatewayNotAvailable:
        raise Http404 from None
    except CallbackRejected:
        return render(request, "payments/result.html", {"outcome": "rejected"}, status=400)
    order = payment.order
    can_retry = (
        request.user.is_authenticated and order.user_id == request.user.pk and order.is_payable
    )
    return render(
        request,
        "payments/result.html",
        {
            "outcome": OUTCOMES[payment.status],
            "payment": payment,
            "order": order,
            "can_retry": can_retry,
        },
    )


@require_http_methods(["GET", "POST"])
@no_store
def sandbox_bank(request, authority: str):
    """The sandbox gateway's bank page: pay or cancel, then back to the shop's callback."""
    if not settings.SANDBOX_GATEWAY_ENABLED:
        raise Http404
    row = SandboxTransaction.objects.filter(authority=authority).first()
    if row is None:
        raise Http404
    if request.method == "POST":
        row = sandbox_decide(authority=authority, pay=request.POST.get("action") == "pay")
        status = "OK" if row.status in (SandboxStatus.PAID, SandboxStatus.VERIFIED) else "NOK"
        joiner = "&" if "?" in row.callback_url else "?"
        query = urlencode({"Authority": row.authority, "Status": status})
        return HttpResponseRedirect(f"{row.callback_url}{joiner}{query}")
    return render(
        request,
        "payments/sandbox_bank.html",
        {"row": row, "is_open": row.status == SandboxStatus.CREATED},
    )
