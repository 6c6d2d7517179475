"""Staff screens for orders.

Lists show no receiver details: the receiver column is masked (P4, P8). The full address and
the receiver appear only on the packing slip, and every opening of it writes an
`orders.receiver_viewed` audit event. Status never changes by editing a field: every
button and action calls a service (`order_start_processing`, `info_request_create`,
`order_mark_shipped`, `order_cancel`, `order_record_refund`...), which locks, checks the
transition, writes history and audit, and notifies.

Each button has its own right (`ACTION_RIGHTS`, docs/roles.md): the warehouse fulfils
(start, ship, deliver); what changes the deal with the customer (asking them for information,
cancelling, recording money sent back) is for support and admin.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from metavast.accounts.services.staff import staff_personal_data_viewed
from metavast.audit.models import AuditEvent
from metavast.core.admin_money import TomanField
from metavast.core.admin_persian import register_staff_choices
from metavast.core.admin_search import PersianSearchMixin
from metavast.core.errors import DomainError
from metavast.core.jalali import format_jalali_datetime
from metavast.core.money import format_toman
from metavast.orders.models import (
    STAFF_LABELS,
    TRANSITIONS,
    CancellationRequestStatus,
    CancelReason,
    InfoField,
    InfoRequest,
    InfoRequestStatus,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
)
from metavast.orders.services import (
    info_request_create,
    mask,
    order_cancel,
    order_mark_delivered,
    order_mark_shipped,
    order_receiver_reveal,
    order_record_refund,
    order_start_processing,
)
from metavast.orders.services.status import order_refundable_amount

# Staff wording for statuses in lists, filters and history («در انتظار اطلاعات مشتری»).
register_staff_choices(Order, "status", STAFF_LABELS)
register_staff_choices(OrderStatusChange, "from_status", STAFF_LABELS)
register_staff_choices(OrderStatusChange, "to_status", STAFF_LABELS)


def _jalali_column(attribute: str, description: str):
    """An admin column showing a time the order may not have reached yet ("-")."""

    @admin.display(description=description)
    def column(self, obj) -> str:
        value = getattr(obj, attribute)
        return format_jalali_datetime(value) if value else "-"

    return column


# Columns and fields of an order that say something about a person (for the audit row).
_PERSONAL = frozenset({"customer", "customer_masked", "receiver_masked", "city", "province_name"})

# Who may press which button on an order (issue 10: rights follow purposes; docs/roles.md).
# Fulfilment is the warehouse's (and support's): `orders.change_order`. Asking the customer
# for information, cancelling and recording a refund change the deal with the customer and
# move money: support and admin only, with the right that already decides customers'
# cancellation requests (approving one cancels the order and starts its refund). Every
# screen also needs `orders.change_order`. A dedicated permission per button would need a
# model change; then only this table changes.
FULFIL = "orders.change_order"
CUSTOMER_DEAL = "orders.decide_cancellationrequest"
ACTION_RIGHTS: dict[str, str] = {
    "process": FULFIL,
    "ship": FULFIL,
    "deliver": FULFIL,
    "request_info": CUSTOMER_DEAL,
    "cancel": CUSTOMER_DEAL,
    "refund": CUSTOMER_DEAL,
}


def may(user, action: str) -> bool:
    """May `user` use the order screen `action` (a key of ACTION_RIGHTS)?"""
    return user.has_perm(FULFIL) and user.has_perm(ACTION_RIGHTS[action])


def may_read_info_answers(user) -> bool:
    """Staff's message and the customer's answer to an information request are personal
    (they may quote an address; the answer is the customer's own words): only for those who
    ask for information (support, admin; superusers)."""
    return may(user, "request_info")


class CityFilter(admin.SimpleListFilter):
    title = "شهر"
    parameter_name = "city"

    def lookups(self, request, model_admin):
        cities = Order.objects.order_by("city").values_list("city", flat=True).distinct()[:200]
        return [(c, c) for c in cities]

    def queryset(self, request, queryset):
        return queryset.filter(city=self.value()) if self.value() else queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        # An order's lines, history and requests are part of the order (no role holds a
        # permission on those models): whoever may see the order sees them. Before, only
        # superusers did, so support could not see what it had asked or what was ordered.
        return request.user.has_perm("orders.view_order") or request.user.has_perm(FULFIL)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "title", "options_label", "unit_price", "quantity", "line_total")
    readonly_fields = fields


class HistoryInline(ReadOnlyInline):
    model = OrderStatusChange
    fields = ("when", "from_status", "to_status", "by", "note")
    readonly_fields = fields

    @admin.display(description="زمان")
    def when(self, obj):
        return format_jalali_datetime(obj.created_at)

    @admin.display(description="انجام‌دهنده")
    def by(self, obj):
        # Never the customer's name: the order pages mask it (P6); staff are named.
        if obj.actor_id is None:
            return "سامانه"
        if obj.actor_id == obj.order.user_id:
            return "مشتری"
        return obj.actor.get_full_name() or "کارمند"


class InfoRequestInline(ReadOnlyInline):
    model = InfoRequest
    fields = ("asked", "what", "message", "status", "deadline", "answered", "answer")
    readonly_fields = fields
    # Shown only to may_read_info_answers (see there); the rest to every viewer of the order.
    PRIVATE = frozenset({"message", "answer"})

    def get_fields(self, request, obj=None):
        if may_read_info_answers(request.user):
            return self.fields
        return tuple(f for f in self.fields if f not in self.PRIVATE)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="زمان پاسخ")
    def answered(self, obj):
        return format_jalali_datetime(obj.answered_at) if obj.answered_at else "-"

    @admin.display(description="پاسخ مشتری")
    def answer(self, obj):
        if obj.status != InfoRequestStatus.ANSWERED:
            return "-"
        changed = info_answer_changed_labels(obj)
        return format_html(
            '<div class="info-answer">{}</div><div class="info-answer-changed">'
            "تغییرداده‌شده در سفارش: {}</div>",
            linebreaksbr(obj.answer_note) if obj.answer_note else "(بی توضیح)",
            "، ".join(changed) if changed else "هیچ (همان اطلاعات پیشین تأیید شد)",
        )

    @admin.display(description="زمان درخواست")
    def asked(self, obj):
        return format_jalali_datetime(obj.created_at)

    @admin.display(description="موارد")
    def what(self, obj):
        return "، ".join(obj.field_labels)

    @admin.display(description="مهلت پاسخ")
    def deadline(self, obj):
        return format_jalali_datetime(obj.deadline_at)


def info_answer_changed_labels(request: InfoRequest) -> list[str]:
    """The order fields the customer's answer changed, by name, from the answer's audit row
    (`info_request_answer` writes which fields it changed there; the request has no column
    for it)."""
    event = (
        AuditEvent.objects.for_subject("orders.order", request.order_id)
        .filter(action="orders.info_answered", after__info_request=request.pk)
        .only("after")
        .first()
    )
    names = (event.after or {}).get("changed", []) if event is not None else []
    labels = []
    for name in names:
        try:
            labels.append(str(Order._meta.get_field(name).verbose_name))
        except Exception:  # a field since renamed: show its name as it was
            labels.append(name)
    return labels


class InfoRequestForm(forms.Form):
    fields_ = forms.MultipleChoiceField(
        label="چه چیزی کم است یا نادرست است؟",
        choices=InfoField.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    message = forms.CharField(
        label="پیام به مشتری",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="مشتری این پیام را در صفحهٔ سفارش می‌بیند.",
    )


class ShipForm(forms.Form):
    tracking_code = forms.CharField(label="کد رهگیری مرسوله", max_length=64)


class RefundForm(forms.Form):
    reference = forms.CharField(label="شناسهٔ واریز بازپرداخت", max_length=64)
    amount = TomanField(label="مبلغ (تومان)", min_value=1, required=False)


class CancelForm(forms.Form):
    note = forms.CharField(label="دلیل (برای تاریخچه)", max_length=200, required=False)


def _refund_facts(order: Order) -> str:
    """What staff see above the refund form: what went back already, what may still go."""
    refunded = order.refunded_amount or 0
    room = order_refundable_amount(order)
    if refunded:
        return (
            f"تاکنون {format_toman(refunded)} بازپرداخت شده است؛ حداکثر {format_toman(room)}"
            " دیگر ثبت می‌شود. سفارش لغوشده تا بازپرداخت کامل مبلغ آن «بازپرداخت لازم است»"
            " می‌ماند."
        )
    return (
        f"حداکثر {format_toman(room)} ثبت می‌شود. بازپرداخت بخشی از مبلغ سفارش لغوشده آن را"
        " «بازپرداخت لازم است» نگه می‌دارد تا باقی مبلغ هم بازپرداخت شود."
    )


def _refund_warning(order: Order) -> str:
    """What staff must know before cancelling a paid order: the money goes back."""
    if order.paid_at is None:
        return ""
    return (
        f"این سفارش پرداخت شده است. با لغو آن، بازپرداخت {format_toman(order.total)} به کارت"
        " مشتری لازم می‌شود و باید پس از واریز، «ثبت بازپرداخت» را بزنید."
    )


@admin.register(Order)
class OrderAdmin(PersianSearchMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "status",
        "customer",
        "receiver_masked",
        "city",
        "shipping_method_name",
        "total_toman",
        "placed",
        "refund_due",
    )
    list_filter = (
        "status",
        ("placed_at", admin.DateFieldListFilter),
        CityFilter,
        "shipping_method",
        "payment_method",
        "refund_due",
    )
    search_fields = ("number",)
    list_select_related = ("user",)
    date_hierarchy = "placed_at"
    ordering = ("-placed_at",)
    # No street, postal code or receiver here: those are on the (audited) packing slip.
    fields = (
        "number",
        "status",
        "customer",
        "payment_method",
        "subtotal",
        "shipping_cost",
        "vat",
        "total_toman",
        "shipping_method_name",
        "weight_grams",
        "province_name",
        "city",
        "receiver_masked",
        "tracking_code",
        "placed",
        "expires",
        "paid",
        "paid_payment_id",
        "shipped",
        "delivered",
        "cancelled",
        "cancel_reason",
        "refund_due",
        "refunded",
        "refund_reference",
        "refunded_amount",
    )
    readonly_fields = fields
    inlines = (OrderLineInline, InfoRequestInline, HistoryInline)
    actions = ("action_start_processing", "action_mark_delivered")
    change_form_template = "admin/orders/order/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- Least privilege: names masked for staff; the receiver only on the packing slip ---

    def get_list_display(self, request):
        if request.user.is_superuser:
            return self.list_display
        return tuple("customer_masked" if f == "customer" else f for f in self.list_display)

    def get_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.fields
        return tuple("customer_masked" if f == "customer" else f for f in self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="مشتری")
    def customer(self, obj):
        return obj.user.get_full_name() or f"#{obj.user_id}"

    @admin.display(description="مشتری")
    def customer_masked(self, obj):
        name = f"{mask(obj.user.first_name, 1)} {mask(obj.user.last_name, 1)}".strip()
        return f"{name} (#{obj.user_id})" if name else f"#{obj.user_id}"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            staff_personal_data_viewed(
                actor=request.user,
                subject_type="orders.order",
                fields=[f for f in self.get_list_display(request) if f in _PERSONAL],
                purpose="order_list",
            )
        return response

    @admin.display(description="گیرنده")
    def receiver_masked(self, obj):
        who = "خود مشتری" if obj.receiver_is_self else "شخص دیگر"
        return f"{who}: {mask(obj.receiver_first_name)} {mask(obj.receiver_last_name)}"

    @admin.display(description="مبلغ کل", ordering="total")
    def total_toman(self, obj):
        return format_toman(obj.total)

    @admin.display(description="ثبت", ordering="placed_at")
    def placed(self, obj):
        return format_jalali_datetime(obj.placed_at)

    expires = _jalali_column("expires_at", "مهلت پرداخت")
    paid = _jalali_column("paid_at", "زمان پرداخت")
    shipped = _jalali_column("shipped_at", "زمان ارسال")
    delivered = _jalali_column("delivered_at", "زمان تحویل")
    cancelled = _jalali_column("cancelled_at", "زمان لغو")
    refunded = _jalali_column("refunded_at", "زمان بازپرداخت")

    @admin.display(description="استان")
    def province_name(self, obj):
        return obj.province_name

    # --- bulk actions ----------------------------------------------------------------

    def _bulk(self, request, queryset, service, done: str):
        ok = 0
        for order in queryset.order_by("pk"):
            try:
                service(order=order, actor=request.user)
                ok += 1
            except DomainError as exc:
                self.message_user(request, f"{order.number}: {exc.message}", messages.ERROR)
        if ok:
            self.message_user(request, f"{ok} سفارش {done}.", messages.SUCCESS)

    @admin.action(description="آغاز آماده‌سازی سفارش‌های پرداخت‌شده", permissions=["change"])
    def action_start_processing(self, request, queryset):
        self._bulk(request, queryset, order_start_processing, "به آماده‌سازی رفت")

    @admin.action(description="ثبت تحویل سفارش‌های ارسال‌شده", permissions=["change"])
    def action_mark_delivered(self, request, queryset):
        self._bulk(request, queryset, order_mark_delivered, "تحویل‌شده ثبت شد")

    # --- per-order screens -------------------------------------------------------------

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path(
                "<id:pk>/packing-slip/", view(self.packing_slip), name="orders_order_packing_slip"
            ),
            path(
                "<id:pk>/request-info/", view(self.request_info), name="orders_order_request_info"
            ),
            path("<id:pk>/ship/", view(self.ship), name="orders_order_ship"),
            path("<id:pk>/cancel/", view(self.cancel), name="orders_order_cancel"),
            path("<id:pk>/refund/", view(self.refund), name="orders_order_refund"),
            path("<id:pk>/process/", view(self.process), name="orders_order_process"),
            path("<id:pk>/deliver/", view(self.deliver), name="orders_order_deliver"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        # Nothing here is edited by hand: the buttons above call the services.
        extra = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        if order is not None:
            extra["pending_cancellation"] = order.cancellation_requests.filter(
                status=CancellationRequestStatus.PENDING
            ).first()
            # Buttons a role may not use are not shown (the screens refuse them anyway).
            user = request.user
            allowed = (
                TRANSITIONS[order.status] if self.has_change_permission(request, order) else ()
            )
            extra["order_actions"] = {
                "packing_slip": order.status == OrderStatus.PROCESSING
                and user.has_perm("staff.view_packing_slip"),
                "process": OrderStatus.PROCESSING in allowed
                and order.status != OrderStatus.AWAITING_INFO
                and may(user, "process"),
                "request_info": OrderStatus.AWAITING_INFO in allowed and may(user, "request_info"),
                "ship": OrderStatus.SHIPPED in allowed and may(user, "ship"),
                "deliver": OrderStatus.DELIVERED in allowed and may(user, "deliver"),
                "cancel": OrderStatus.CANCELLED in allowed and may(user, "cancel"),
                "refund": self.has_change_permission(request, order)
                and may(user, "refund")
                and order_refundable_amount(order) > 0,
            }
        response = super().change_view(request, object_id, form_url, extra_context=extra)
        if request.method == "GET" and response.status_code == 200 and order is not None:
            fields = [f for f in self.get_fields(request, order) if f in _PERSONAL]
            if may_read_info_answers(request.user):
                # The information requests' inline: staff's words and the customer's answers.
                shown = order.info_requests.values_list("status", "answer_note")
                if shown:
                    fields.append("info_request_message")
                if any(status == InfoRequestStatus.ANSWERED for status, _ in shown):
                    fields.append("info_answer_changed")
                if any(note for _, note in shown):
                    fields.append("info_answer_note")
            staff_personal_data_viewed(
                actor=request.user,
                subject=order,
                fields=fields,
                purpose="order_change_view",
            )
        return response

    def _order(self, request, pk: int, *, action: str | None = None) -> Order:
        """The order for one of the screens below; `action` names its right in ACTION_RIGHTS
        (None: a screen that only reads the order)."""
        order = get_object_or_404(Order.objects.select_related("user"), pk=pk)
        if action is None:
            allowed = self.has_view_permission(request, order)
        else:
            allowed = self.has_change_permission(request, order) and may(request.user, action)
        if not allowed:
            raise PermissionDenied
        return order

    def _back(self, order: Order):
        return redirect(reverse("admin:orders_order_change", args=[order.pk]))

    def _form_page(self, request, order, form, title: str, button: str, warning: str = ""):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "order": order,
            "form": form,
            "title": f"{title} — {order.number}",
            "button": button,
            "warning": warning,
        }
        return TemplateResponse(request, "admin/orders/order/action_form.html", context)

    def _run(self, request, order, call, success: str, form=None):
        try:
            call()
        except ValidationError as exc:
            if form is not None:
                for messages_ in exc.message_dict.values():
                    form.add_error(None, messages_)
                return None
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        except DomainError as exc:
            if form is not None and exc.fields:
                for name, messages_ in exc.fields.items():
                    form.add_error(name if name in form.fields else None, messages_)
                return None
            self.message_user(request, str(exc.message), messages.ERROR)
        else:
            self.message_user(request, success, messages.SUCCESS)
        return self._back(order)

    def packing_slip(self, request, pk: int):
        """The receiver's name, address and phone: for staff.view_packing_slip (warehouse),
        only while the order is being prepared (PROCESSING); every opening is audited."""
        order = self._order(request, pk)
        if not request.user.has_perm("staff.view_packing_slip"):
            raise PermissionDenied
        if order.status != OrderStatus.PROCESSING:
            self.message_user(
                request,
                "برگهٔ بسته‌بندی فقط برای سفارش در حال آماده‌سازی باز می‌شود.",
                messages.ERROR,
            )
            return self._back(order)
        receiver = order_receiver_reveal(order=order, actor=request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "order": order,
            "receiver": receiver,
            "lines": list(order.lines.all()),
            "title": f"برگهٔ بسته‌بندی {order.number}",
        }
        return TemplateResponse(request, "admin/orders/order/packing_slip.html", context)

    def request_info(self, request, pk: int):
        order = self._order(request, pk, action="request_info")
        form = InfoRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            done = self._run(
                request,
                order,
                lambda: info_request_create(
                    order=order,
                    fields=form.cleaned_data["fields_"],
                    message=form.cleaned_data["message"],
                    actor=request.user,
                ),
                "درخواست اطلاعات فرستاده شد و سفارش در انتظار پاسخ مشتری است.",
                form,
            )
            if done:
                return done
        return self._form_page(request, order, form, "درخواست اطلاعات از مشتری", "فرستادن درخواست")

    def ship(self, request, pk: int):
        order = self._order(request, pk, action="ship")
        form = ShipForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                order,
                lambda: order_mark_shipped(
                    order=order,
                    actor=request.user,
                    tracking_code=form.cleaned_data["tracking_code"],
                ),
                "ارسال ثبت شد و به مشتری خبر داده شد.",
            )
        return self._form_page(request, order, form, "ثبت ارسال", "ثبت ارسال")

    def cancel(self, request, pk: int):
        order = self._order(request, pk, action="cancel")
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                order,
                lambda: order_cancel(
                    order=order,
                    actor=request.user,
                    reason=CancelReason.STAFF,
                    note=form.cleaned_data["note"],
                ),
                "سفارش لغو شد.",
            )
        return self._form_page(
            request, order, form, "لغو سفارش", "لغو سفارش", warning=_refund_warning(order)
        )

    def refund(self, request, pk: int):
        order = self._order(request, pk, action="refund")
        form = RefundForm(request.POST or None, initial={"amount": order_refundable_amount(order)})
        if request.method == "POST" and form.is_valid():
            done = self._run(
                request,
                order,
                lambda: order_record_refund(
                    order=order,
                    actor=request.user,
                    reference=form.cleaned_data["reference"],
                    amount=form.cleaned_data["amount"],
                ),
                "بازپرداخت ثبت شد.",
                form,
            )
            if done:
                return done
        return self._form_page(
            request,
            order,
            form,
            "ثبت بازپرداخت",
            "ثبت بازپرداخت",
            warning=_refund_facts(order) if order_refundable_amount(order) > 0 else "",
        )

    def process(self, request, pk: int):
        order = self._order(request, pk, action="process")
        if request.method != "POST":
            return self._back(order)
        return self._run(
            request,
            order,
            lambda: order_start_processing(order=order, actor=request.user),
            "سفارش به آماده‌سازی رفت.",
        )

    def deliver(self, request, pk: int):
        order = self._order(request, pk, action="deliver")
        if request.method != "POST":
            return self._back(order)
        return self._run(
            request,
            order,
            lambda: order_mark_delivered(order=order, actor=request.user),
            "تحویل ثبت شد.",
        )


# The cancellation requests' screens (a module of their own: this one is long enough).
from metavast.orders import admin_cancellations  # noqa: E402, F401
