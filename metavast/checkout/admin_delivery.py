"""Staff define courier delivery windows here: a day (typed in Jalali), hours and a capacity.

Saving goes through `delivery.delivery_window_save`, which refuses a capacity below what is
already booked and writes an audit event. `booked` is never edited by hand: placements take
places, cancellations give them back.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction

from metavast.checkout.delivery import delivery_window_save
from metavast.checkout.delivery_schedule import delivery_windows_open
from metavast.checkout.models import DeliveryWindow, RecurringWindow, ShippingMethod
from metavast.core.admin_persian import JalaliDateInput
from metavast.core.numbers import PersianNumberInput
from metavast.core.text import to_ascii_digits, to_persian_digits


class PersianTimeField(forms.TimeField):
    """«۹:۳۰» or «09:30» (any digits); shown with Persian digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"dir": "ltr", "inputmode": "numeric", "size": 6, "placeholder": "۰۹:۰۰"}
            ),
        )
        kwargs.setdefault("input_formats", ["%H:%M", "%H"])
        kwargs.setdefault(
            "error_messages", {"invalid": "ساعت را به شکل ساعت:دقیقه بنویسید، مانند ۹:۳۰."}
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if hasattr(value, "hour"):
            return to_persian_digits(f"{value.hour:02d}:{value.minute:02d}")
        return value

    def to_python(self, value):
        if isinstance(value, str):
            value = to_ascii_digits(value).strip()
        return super().to_python(value)


class CourierHoursForm(forms.ModelForm):
    """Hours typed in any digits, and only courier methods (those that take a window)."""

    starts_at = PersianTimeField(label="از ساعت")
    ends_at = PersianTimeField(label="تا ساعت")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "method" in self.fields:  # absent on a view-only page and in an inline
            self.fields["method"].queryset = ShippingMethod.objects.filter(
                needs_delivery_window=True
            )


class DeliveryWindowForm(CourierHoursForm):
    class Meta:
        model = DeliveryWindow
        fields = ("method", "date", "starts_at", "ends_at", "capacity", "is_active")
        widgets = {"date": JalaliDateInput(), "capacity": PersianNumberInput()}
        help_texts = {"date": "به تاریخ شمسی، مانند ۱۴۰۵/۰۹/۱۸"}


@admin.register(DeliveryWindow)
class DeliveryWindowAdmin(admin.ModelAdmin):
    form = DeliveryWindowForm
    list_display = ("label_column", "method", "capacity_column", "booked_column", "is_active")
    list_filter = ("method", "date", "is_active")
    list_select_related = ("method",)
    ordering = ("date", "starts_at")
    readonly_fields = ("booked_column",)

    @admin.display(description="روز و ساعت", ordering="date")
    def label_column(self, obj):
        return obj.label

    @admin.display(description="ظرفیت", ordering="capacity")
    def capacity_column(self, obj):
        return to_persian_digits(obj.capacity)

    @admin.display(description="رزروشده", ordering="booked")
    def booked_column(self, obj):
        return to_persian_digits(obj.booked)

    def save_model(self, request, obj, form, change):
        delivery_window_save(window=obj, actor=request.user, is_new=not change)


class RecurringWindowForm(CourierHoursForm):
    class Meta:
        model = RecurringWindow
        fields = ("method", "starts_at", "ends_at", "capacity", "on_fridays", "is_active")
        widgets = {"capacity": PersianNumberInput()}


@admin.register(RecurringWindow)
class RecurringWindowAdmin(admin.ModelAdmin):
    """The courier's daily hours: each opens as a window on each of the coming days by
    itself (delivery_schedule); one day's window is changed under «بازه‌های تحویل»."""

    form = RecurringWindowForm
    list_display = ("hours_column", "method", "capacity_column", "on_fridays", "is_active")
    list_filter = ("method", "is_active")
    list_select_related = ("method",)

    @admin.display(description="ساعت", ordering="starts_at")
    def hours_column(self, obj):
        return to_persian_digits(f"{obj.starts_at:%H:%M} تا {obj.ends_at:%H:%M}")

    @admin.display(description="ظرفیت هر روز", ordering="capacity")
    def capacity_column(self, obj):
        return to_persian_digits(obj.capacity)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Bookable at once, not at the next hourly run.
        transaction.on_commit(delivery_windows_open)
