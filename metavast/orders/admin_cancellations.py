"""Staff screens for customers' cancellation requests (paid orders only).

A request is never edited by hand: its page shows the order, the amount that would go back
and who asked, and two buttons, each a small form page that calls one service — approve
(`cancellation_request_approve`: the order is cancelled and its refund becomes due) or
refuse with a reason the customer reads (`cancellation_request_refuse`). Deciding needs
`orders.decide_cancellationrequest`; both are audited by the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html

from metavast.core.admin_actions import ActionPagesMixin
from metavast.core.admin_search import PersianSearchMixin
from metavast.core.jalali import format_jalali_datetime
from metavast.core.money import format_toman
from metavast.orders.models import CancellationRequest, CancellationRequestStatus
from metavast.orders.services import cancellation_request_approve, cancellation_request_refuse

DECIDE = "orders.decide_cancellationrequest"


class ApproveForm(forms.Form):
    """No fields: the page itself is the confirmation."""


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="دلیل رد (مشتری این متن را می‌بیند)",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="مثلاً: سفارش پیش از رسیدن درخواست به شرکت حمل تحویل داده شده است.",
    )


@admin.register(CancellationRequest)
class CancellationRequestAdmin(PersianSearchMixin, ActionPagesMixin, admin.ModelAdmin):
    action_template = "admin/orders/cancellationrequest/action_form.html"
    change_form_template = "admin/orders/cancellationrequest/change_form.html"
    list_display = ("order_number", "status", "refund_toman", "asked", "decided")
    list_filter = ("status",)
    list_select_related = ("order",)
    search_fields = ("order__number",)
    ordering = ("-created_at",)
    actions = None
    fields = (
        "order_link",
        "order_status",
        "status",
        "refund_toman",
        "asked",
        "decided",
        "refusal_text",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="سفارش", ordering="order__number")
    def order_number(self, obj):
        return obj.order.number

    @admin.display(description="سفارش")
    def order_link(self, obj):
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order.number)

    @admin.display(description="وضعیت سفارش")
    def order_status(self, obj):
        return obj.order.get_status_display()

    @admin.display(description="مبلغ بازپرداخت", ordering="refund_amount")
    def refund_toman(self, obj):
        return format_toman(obj.refund_amount)

    @admin.display(description="زمان درخواست", ordering="created_at")
    def asked(self, obj):
        return format_jalali_datetime(obj.created_at)

    @admin.display(description="زمان بررسی")
    def decided(self, obj):
        return format_jalali_datetime(obj.decided_at) if obj.decided_at else "-"

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path(
                "<id:pk>/approve/",
                view(self.approve),
                name="orders_cancellationrequest_approve",
            ),
            path(
                "<id:pk>/refuse/",
                view(self.refuse),
                name="orders_cancellationrequest_refuse",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {
            **(extra_context or {}),
            "can_decide": request.user.has_perm(DECIDE),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _pending_page(self, request, obj, form, title: str, button: str):
        if obj.status != CancellationRequestStatus.PENDING:
            self.message_user(request, "این درخواست پیش‌تر بررسی شده است.", "error")
            return self._back(obj)
        return self._page(
            request,
            obj,
            form,
            f"{title} — سفارش {obj.order.number}",
            button,
            refund=format_toman(obj.refund_amount),
        )

    def approve(self, request, pk: int):
        obj = self._object(request, pk, DECIDE)
        form = ApproveForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                obj,
                lambda: cancellation_request_approve(request_id=obj.pk, actor=request.user),
                "درخواست تأیید شد: سفارش لغو شد و بازپرداخت آن در فهرست «بازپرداخت لازم است» است.",
            )
        return self._pending_page(request, obj, form, "تأیید درخواست لغو", "تأیید و لغو سفارش")

    def refuse(self, request, pk: int):
        obj = self._object(request, pk, DECIDE)
        form = RefuseForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                obj,
                lambda: cancellation_request_refuse(
                    request_id=obj.pk, actor=request.user, reason=form.cleaned_data["reason"]
                ),
                "درخواست رد شد و دلیل آن به مشتری گفته شد.",
            )
        return self._pending_page(request, obj, form, "رد درخواست لغو", "رد درخواست")
