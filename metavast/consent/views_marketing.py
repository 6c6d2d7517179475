"""Marketing consent pages: the customer's own choices, the one-step unsubscribe, the
Kavenegar receive callback.

The unsubscribe POST is CSRF-exempt on purpose: RFC 8058 one-click unsubscribe is a POST
made by the mail provider (Gmail, Yahoo) with no cookie and no CSRF token. Its protection
is the signed token in the URL, which only ever withdraws consent (harmless to repeat or
to be tricked into). The GET only shows a confirm page: link scanners that prefetch GETs
must not unsubscribe anyone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from metavast.consent import marketing
from metavast.consent.forms import MarketingConsentForm
from metavast.consent.models import MarketingChannel, MarketingConsent, MarketingSource
from metavast.consent.services import consent_apply_choices, consent_withdraw
from metavast.consent.sms_replies import sms_reply_handle
from metavast.core.clientip import client_ip


@login_required
@require_http_methods(["GET", "POST"])
def marketing_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = MarketingConsentForm(request.POST)
        if form.is_valid():
            refused = consent_apply_choices(
                user=user,
                choices=form.choices(),
                source=MarketingSource.PROFILE,
                text_version=marketing.MARKETING_CONSENT_TEXT_VERSION,
                ip=client_ip(request.META),
            )
            for channel in refused:
                messages.error(
                    request,
                    f"{MarketingChannel(channel).label}: برای دریافت پیام تبلیغاتی ابتدا "
                    "این نشانی تماس را تأیید کنید.",
                )
            messages.success(request, "انتخاب شما دربارهٔ پیام‌های تبلیغاتی ذخیره شد.")
            return HttpResponseRedirect(reverse("consent:marketing"))
    form = MarketingConsentForm(
        initial={
            "marketing_email": marketing.may_send(user, MarketingChannel.EMAIL),
            "marketing_sms": marketing.may_send(user, MarketingChannel.SMS),
        }
    )
    return render(
        request,
        "consent/marketing.html",
        {
            "form": form,
            "has_email": bool(user.confirmed_email),
            "has_mobile": bool(user.confirmed_mobile),
            "history": MarketingConsent.objects.for_user(user).latest_first()[:50],
            "text_version": marketing.MARKETING_CONSENT_TEXT_VERSION,
        },
    )


@csrf_exempt  # RFC 8058: the signed token is the protection (module docstring).
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = marketing.user_from_token(token)
    if found is None:
        return render(request, "consent/unsubscribe.html", {"invalid": True}, status=404)
    user, channel = found
    done = False
    if request.method == "POST":
        consent_withdraw(
            user=user,
            channel=channel,
            source=MarketingSource.UNSUBSCRIBE_LINK,
            ip=client_ip(request.META),
        )
        done = True
    response = render(
        request,
        "consent/unsubscribe.html",
        {"channel_label": MarketingChannel(channel).label, "done": done, "token": token},
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt  # a provider's server-to-server callback; the secret path is the protection
@require_http_methods(["GET", "POST"])
def kavenegar_receive(request: HttpRequest, secret: str) -> HttpResponse:
    expected = getattr(settings, "KAVENEGAR_RECEIVE_SECRET", "")
    if not expected or not constant_time_compare(secret, expected):
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    sms_reply_handle(sender=data.get("from", ""), text=data.get("message", ""))
    # Always 200: Kavenegar retries otherwise, and whether a number is ours is not its business.
    return HttpResponse("ok", content_type="text/plain")
