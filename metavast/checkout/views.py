"""Checkout pages: address and receiver → shipping → review and payment method → place.

Every page needs a signed-in customer with a name, a confirmed mobile and a confirmed email
(P1); anyone else is sent to sign in or to their account with a message saying what is
missing. The pages hold personal data: never cached.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from metavast.accounts.models import Address
from metavast.accounts.services.addresses import address_create
from metavast.cart.forms import parse_id
from metavast.cart.pricing import price_cart
from metavast.cart.web import request_cart
from metavast.checkout import services
from metavast.checkout.delivery import bookable_windows
from metavast.checkout.errors import (
    CheckoutIncomplete,
    CheckoutStale,
    DeliveryWindowFull,
    DeliveryWindowRequired,
    DeliveryWindowUnavailable,
)
from metavast.checkout.forms import (
    NewAddressForm,
    ReceiverForm,
    ShippingForm,
    receiver_initial,
)
from metavast.consent.models import MarketingSource
from metavast.consent.web import apply_ticked_boxes, marketing_boxes
from metavast.core.clientip import request_ip
from metavast.core.errors import DomainError
from metavast.core.http import no_store
from metavast.orders.models import Order, PaymentMethod
from metavast.orders.services import Receiver, customer_missing

MISSING_MESSAGES = {
    "name": ("برای خرید، نام و نام خانوادگی خود را در حساب کاربری وارد کنید.", "accounts:profile"),
    "mobile": ("برای خرید، تلفن همراه خود را ثبت و تأیید کنید.", "accounts:mobile"),
    "email": (
        "برای خرید، ایمیل خود را ثبت و تأیید کنید (پیوند تأیید به ایمیل فرستاده می‌شود).",
        "accounts:email",
    ),
}


def checkout_gate(view):
    """Signed in, with a name and confirmed contacts (P1), and a cart without problems."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            messages.info(request, "برای ادامهٔ خرید، وارد حساب خود شوید یا ثبت‌نام کنید.")
            return redirect_to_login(request.get_full_path())
        missing = customer_missing(request.user)
        if missing:
            message, target = MISSING_MESSAGES[missing[0]]
            messages.warning(request, message)
            # The account page sends the shopper back here once it is filled in.
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return no_store(wrapper)


def _cart_or_redirect(request):
    priced = price_cart(request_cart(request))
    if priced.is_empty:
        messages.info(request, "سبد خرید شما خالی است.")
        return priced, redirect("cart:detail")
    if priced.has_problems:
        messages.warning(request, "پیش از ادامه، ایرادهای سبد خرید را برطرف کنید.")
        return priced, redirect("cart:detail")
    return priced, None


@require_GET
@checkout_gate
def start_view(request):
    _, back = _cart_or_redirect(request)
    return back or redirect("checkout:address")


@require_http_methods(["GET", "POST"])
@checkout_gate
def address_view(request):
    priced, back = _cart_or_redirect(request)
    if back:
        return back
    draft = services.checkout_draft_get(user=request.user)
    addresses = list(Address.objects.of(request.user))
    chosen = request.POST.get("address") or (
        str(draft.address_id)
        if draft.address_id
        else (str(addresses[0].pk) if addresses else "new")
    )
    by_key = {str(a.pk): a for a in addresses}

    def shown_for(key: str) -> dict:
        return {
            **receiver_initial(draft=draft, address=by_key.get(key), address_key=key),
            "receiver_for": key,
        }

    is_post = request.method == "POST"
    receiver_data = request.POST if is_post else None
    if is_post:
        first_shown = request.POST.get("receiver_for", "")
        if (
            first_shown
            and first_shown != chosen
            and ReceiverForm(request.POST).is_as_shown(shown_for(first_shown))
        ):
            # Another address was picked and the receiver left as shown for the first one:
            # the receiver saved with the address picked (or the customer) receives.
            receiver_data = shown_for(chosen)
    receiver_form = ReceiverForm(receiver_data, initial=shown_for(chosen))
    # Unprefixed: the province select asks /accounts/addresses/cities/?province=... (htmx).
    new_form = NewAddressForm(request.POST if is_post and chosen == "new" else None)
    if is_post:
        address_id = None
        receiver_ok = receiver_form.is_valid()
        if chosen == "new":
            if new_form.is_valid() and receiver_ok:
                try:
                    address_id = address_create(user=request.user, data=new_form.to_input()).pk
                except ValidationError as exc:
                    for field, errs in exc.message_dict.items():
                        new_form.add_error(field if field in new_form.fields else None, errs)
                except DomainError as exc:
                    new_form.add_error(None, exc.message)
        else:
            address_id = parse_id(chosen)
        if address_id is not None and receiver_ok:
            data = receiver_form.cleaned_data
            try:
                services.checkout_set_address(
                    user=request.user,
                    address_id=address_id,
                    receiver=Receiver(
                        is_self=data["receiver_is_self"],
                        first_name=data["receiver_first_name"],
                        last_name=data["receiver_last_name"],
                        mobile=data["receiver_mobile"],
                    ),
                )
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    receiver_form.add_error(field if field in receiver_form.fields else None, errs)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("checkout:shipping")
    return render(
        request,
        "checkout/address.html",
        {
            "addresses": addresses,
            "chosen": chosen,
            "receiver_form": receiver_form,
            "new_form": new_form,
            "priced": priced,
            "step": 1,
        },
    )


@require_http_methods(["GET", "POST"])
@checkout_gate
def shipping_view(request):
    priced, back = _cart_or_redirect(request)
    if back:
        return back
    draft = services.checkout_draft_get(user=request.user)
    if draft.address is None:
        return redirect("checkout:address")
    choices = services.checkout_shipping_choices(draft=draft, priced=priced)
    quotes = [c.quote for c in choices]
    windows = {q.method.pk: bookable_windows(method=q.method) for q in quotes}
    form = ShippingForm(
        request.POST or None,
        quotes=quotes,
        windows=windows,
        initial={
            "method": str(draft.shipping_method_id or (quotes[0].method.pk if quotes else "")),
            "window": str(draft.delivery_window_id or ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.checkout_set_shipping(
                user=request.user,
                shipping_method_id=form.cleaned_data["method"],
                delivery_window_id=form.cleaned_data["window"],
            )
        except (DeliveryWindowFull, DeliveryWindowRequired, DeliveryWindowUnavailable) as exc:
            form.add_error("window", exc.message)
        except DomainError as exc:
            form.add_error("method", exc.message)
        else:
            return redirect("checkout:review")
    return render(
        request,
        "checkout/shipping.html",
        {
            "form": form,
            "quotes": quotes,
            # Each method, priced VAT included, with its bookable windows (only couriers).
            "options": [(c, windows[c.method.pk]) for c in choices],
            "draft": draft,
            "receiver": services.draft_receiver(draft),
            "priced": priced,
            "step": 2,
        },
    )


@require_GET
@checkout_gate
def review_view(request):
    priced, back = _cart_or_redirect(request)
    if back:
        return back
    draft = services.checkout_draft_get(user=request.user)
    try:
        summary = services.checkout_summary(draft=draft, priced=priced)
    except CheckoutIncomplete:
        return redirect("checkout:address")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("checkout:shipping")
    return render(
        request,
        "checkout/review.html",
        {
            "draft": draft,
            "summary": summary,
            "receiver": services.draft_receiver(draft),
            "payment_methods": PaymentMethod,
            "expiry_minutes": settings.ORDER_UNPAID_EXPIRY_MINUTES,
            "step": 3,
            "marketing_boxes": marketing_boxes(request.user),  # P5: unticked
        },
    )


def _int_or_none(raw) -> int | None:
    return parse_id(raw)


@require_POST
@checkout_gate
def place_view(request):
    try:
        order = services.checkout_place(
            user=request.user,
            key=request.POST.get("key", ""),
            payment_method=request.POST.get("payment_method", PaymentMethod.ONLINE),
            cart_version=_int_or_none(request.POST.get("cart_version")),
            expected_total=_int_or_none(request.POST.get("expected_total")),
            ip=request_ip(request),
        )
    except CheckoutStale as exc:
        messages.warning(request, exc.message)
        return redirect("checkout:review")
    except CheckoutIncomplete as exc:
        messages.warning(request, exc.message)
        return redirect("checkout:address")
    except (DeliveryWindowFull, DeliveryWindowRequired, DeliveryWindowUnavailable) as exc:
        # The courier's window filled (or started) since it was chosen: choose again.
        messages.error(request, exc.message)
        return redirect("checkout:shipping")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("checkout:address")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(
            "cart:detail" if exc.code in ("out_of_stock", "cart_empty") else "checkout:review"
        )
    # P5: the optional, unticked marketing boxes; only after the order is placed.
    apply_ticked_boxes(
        user=request.user,
        data=request.POST,
        source=MarketingSource.CHECKOUT,
        ip=request_ip(request),
    )
    if order.payment_method == PaymentMethod.COD:
        messages.success(request, "سفارش شما ثبت شد و هزینهٔ آن هنگام تحویل دریافت می‌شود.")
        return redirect(order.get_absolute_url())
    return redirect("checkout:pay", number=order.number)


@require_GET
@checkout_gate
def pay_view(request, number: str):
    """The bridge to the gateway: a form that posts to the payments app's start view
    (sent by checkout.js at once; the button works without script)."""
    order = get_object_or_404(Order.objects.for_user(request.user), number=number)
    if not order.is_payable:
        return redirect(order.get_absolute_url())
    return render(
        request,
        "checkout/pay.html",
        {"order": order, "start_url": order.payment_start_url()},
    )
