"""The campaigns admin (marketing role). Staff see a segment's size, never its people.

`CampaignRecipient` is deliberately not registered: no page, list or export names the
recipients. Preview renders for a placeholder customer; test-send goes to the staff member's
own confirmed contact.
"""

from __future__ import annotations

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html_join
from django.views.decorators.clickjacking import xframe_options_sameorigin

from metavast.consent.marketing import Channel
from metavast.core.admin_actions import ActionPagesMixin
from metavast.core.text import to_persian_digits
from metavast.marketing import services
from metavast.marketing.forms import CampaignForm, ConfirmForm, ScheduleForm
from metavast.marketing.models import Campaign, CampaignStatus
from metavast.marketing.segments import segment_size

PERM_SEND = "marketing.send_campaign"
EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


@admin.register(Campaign)
class CampaignAdmin(ActionPagesMixin, admin.ModelAdmin):
    action_template = "admin/marketing/campaign/action_form.html"
    form = CampaignForm
    list_display = ("name", "channel", "status", "scheduled_at", "finished_at")
    list_filter = ("channel", "status")
    search_fields = ("name",)
    readonly_fields = (
        "status",
        "scheduled_at",
        "started_at",
        "finished_at",
        "segment_size_display",
        "sms_length_display",
        "counts_display",
        "tools",
    )
    actions = None
    fieldsets = (
        (None, {"fields": ("name", "channel")}),
        ("متن", {"fields": ("subject", "body_text", "body_html", "sms_length_display")}),
        (
            "بخش مخاطبان (فقط شمار دیده می‌شود)",
            {
                "fields": (
                    "category",
                    "province",
                    "city",
                    "last_order_after",
                    "last_order_before",
                    "cart_abandoned_days",
                    "segment_size_display",
                )
            },
        ),
        (
            "ارسال",
            {
                "fields": (
                    "status",
                    "scheduled_at",
                    "started_at",
                    "finished_at",
                    "tools",
                    "counts_display",
                )
            },
        ),
    )

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status not in EDITABLE:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.campaign_save(campaign=obj, actor=request.user, changed=form.changed_data)

    @admin.display(description="شمار گیرندگان (با رضایت و نشانی تأییدشده)")
    def segment_size_display(self, obj):
        if obj is None or obj.pk is None:
            return "پس از ذخیره محاسبه می‌شود."
        return f"{to_persian_digits(segment_size(obj))} نفر"

    @admin.display(description="طول پیامک")
    def sms_length_display(self, obj):
        if obj is None or obj.pk is None or obj.channel != Channel.SMS:
            return "—"
        text = services.sms_text(obj.body_text)
        return (
            f"{to_persian_digits(len(text))} نویسه با «لغو۱۱»، "
            f"{to_persian_digits(services.sms_parts(text))} پیامک"
        )

    @admin.display(description="نتیجه")
    def counts_display(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        counts = services.campaign_counts(campaign=obj)
        return (
            f"در صف: {to_persian_digits(counts['queued'])} · "
            f"ارسال‌شده: {to_persian_digits(counts['sent'])} · "
            f"ناموفق: {to_persian_digits(counts['failed'])} · "
            f"لغو اشتراک پس از کارزار: {to_persian_digits(counts['unsubscribed'])}"
        )

    @admin.display(description="کارها")
    def tools(self, obj):
        if obj is None or obj.pk is None:
            return "پس از ذخیره: پیش‌نمایش، ارسال آزمایشی و زمان‌بندی."
        links = [("preview", "پیش‌نمایش")]
        if obj.status in EDITABLE:
            links.append(("test_send", "ارسال آزمایشی به خودم"))
        if obj.status == CampaignStatus.DRAFT:
            links.append(("schedule", "زمان‌بندی ارسال"))
        if obj.status == CampaignStatus.SCHEDULED:
            links.append(("unschedule", "بازگشت به پیش‌نویس"))
        if obj.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING):
            links.append(("cancel", "لغو کارزار"))
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (reverse(f"admin:marketing_campaign_{name}", args=[obj.pk]), label)
                for name, label in links
            ),
        )

    # --- custom views ---

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<int:pk>/preview/", view(self.preview), name="marketing_campaign_preview"),
            path(
                "<int:pk>/preview/email/",
                view(self.preview_email),
                name="marketing_campaign_preview_email",
            ),
            path("<int:pk>/test-send/", view(self.test_send), name="marketing_campaign_test_send"),
            path("<int:pk>/schedule/", view(self.schedule), name="marketing_campaign_schedule"),
            path(
                "<int:pk>/unschedule/", view(self.unschedule), name="marketing_campaign_unschedule"
            ),
            path("<int:pk>/cancel/", view(self.cancel), name="marketing_campaign_cancel"),
            *super().get_urls(),
        ]

    def preview(self, request, pk: int):
        obj = self._object(request, pk, "marketing.view_campaign")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": f"پیش‌نمایش «{obj.name}»",
            "preview": services.campaign_preview(campaign=obj),
        }
        return TemplateResponse(request, "admin/marketing/campaign/preview.html", context)

    # The email exactly as sent, framed by the preview page. Mail clients need the inline
    # styles our site-wide CSP forbids, so this one response allows inline styles and
    # nothing else (no script, no remote loads but https images), and only same-origin framing.
    @method_decorator(xframe_options_sameorigin)
    @method_decorator(
        csp(
            {
                "default-src": [NONE],
                "style-src": [UNSAFE_INLINE],
                "img-src": ["https:", "data:"],
                "frame-ancestors": [SELF],
                "base-uri": [NONE],
                "form-action": [NONE],
            }
        )
    )
    def preview_email(self, request, pk: int):
        obj = self._object(request, pk, "marketing.view_campaign")
        preview = services.campaign_preview(campaign=obj)
        return HttpResponse(preview.get("html", ""), content_type="text/html; charset=utf-8")

    def test_send(self, request, pk: int):
        obj = self._object(request, pk, PERM_SEND)
        if request.method != "POST":
            return self._page(
                request, obj, ConfirmForm(), "ارسال آزمایشی به نشانی تأییدشدهٔ خودتان", "بفرست"
            )
        return self._run(
            request,
            obj,
            lambda: services.campaign_test_send(campaign=obj, actor=request.user),
            "نسخهٔ آزمایشی به نشانی تأییدشدهٔ شما در صف ارسال است.",
        )

    def schedule(self, request, pk: int):
        obj = self._object(request, pk, PERM_SEND)
        form = ScheduleForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            return self._page(
                request,
                obj,
                form,
                "زمان‌بندی ارسال",
                "زمان‌بندی",
                size=segment_size(obj),
            )
        return self._run(
            request,
            obj,
            lambda: services.campaign_schedule(
                campaign=obj, at=form.cleaned_data["at"], actor=request.user, now=timezone.now()
            ),
            "کارزار زمان‌بندی شد.",
        )

    def unschedule(self, request, pk: int):
        obj = self._object(request, pk, PERM_SEND)
        if request.method != "POST":
            return self._page(request, obj, ConfirmForm(), "بازگشت به پیش‌نویس", "بازگردان")
        return self._run(
            request,
            obj,
            lambda: services.campaign_unschedule(campaign=obj, actor=request.user),
            "کارزار به پیش‌نویس برگشت.",
        )

    def cancel(self, request, pk: int):
        obj = self._object(request, pk, PERM_SEND)
        if request.method != "POST":
            return self._page(request, obj, ConfirmForm(), "لغو کارزار", "لغو کن")
        return self._run(
            request,
            obj,
            lambda: services.campaign_cancel(campaign=obj, actor=request.user),
            "کارزار لغو شد.",
        )
