"""Staff view of payments: read-only rows, filters, and a re-verify through the service."""

from __future__ import annotations

from django.contrib import admin, messages

from metavast.core.admin_search import PersianSearchMixin
from metavast.core.money import format_toman
from metavast.core.text import to_persian_digits
from metavast.payments.models import Payment, PaymentStatus
from metavast.payments.services import payment_verify


@admin.register(Payment)
class PaymentAdmin(PersianSearchMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "order_number",
        "gateway",
        "status",
        "amount_toman",
        "ref_id",
        "attempts",
        "created_at",
    )
    list_filter = ("status", "gateway", ("created_at", admin.DateFieldListFilter))
    # «MV-۳۰۵۵۲۹۲۱» as the customer's SMS writes it finds the order's payments too.
    search_fields = ("order__number", "authority", "ref_id")
    list_select_related = ("order",)
    date_hierarchy = "created_at"
    actions = ("reverify",)
    fields = (
        "order",
        "gateway",
        "authority",
        "amount",
        "amount_toman",
        "status",
        "ref_id",
        "card_pan",
        "attempts",
        "last_error",
        "created_at",
        "updated_at",
        "paid_at",
    )
    readonly_fields = fields

    @admin.display(description="سفارش", ordering="order__number")
    def order_number(self, obj: Payment) -> str:
        return obj.order.number

    @admin.display(description="مبلغ", ordering="amount")
    def amount_toman(self, obj: Payment) -> str:
        return format_toman(obj.amount)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_reverify_permission(self, request) -> bool:
        # The admin never edits payments; re-verifying is a write, for change_payment only.
        return request.user.has_perm("payments.change_payment")

    @admin.action(
        description="استعلام دوباره از درگاه (پرداخت‌های در انتظار)", permissions=("reverify",)
    )
    def reverify(self, request, queryset):
        checked = settled = 0
        for pk in queryset.filter(status=PaymentStatus.PENDING).values_list("pk", flat=True):
            payment = payment_verify(payment_id=pk, source="admin", actor=request.user)
            checked += 1
            settled += payment.is_settled
        self.message_user(
            request,
            to_persian_digits(f"{checked} پرداخت استعلام شد؛ {settled} تسویه شد."),
            messages.SUCCESS if checked else messages.WARNING,
        )
