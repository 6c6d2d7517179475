"""Legal holds in the admin (P6): Persian, for legal officers only, every look audited.

The list shows active holds first (filter «فعال»/«برداشته‌شده»); opening a hold shows its
reason (encrypted at rest), so opening it is audited, and so is each look at the list. A
hold is placed through its own form (subject, account, reason) and lifted through its own
screen with a reason; both call metavast/legal/holds.py, which checks the permission and
writes the audit event. Nothing is edited or deleted by hand. Holds on reviews are placed
from the review's page instead, because that screen also preserves the evidence.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse

from metavast.audit.services import audit_record
from metavast.core.admin_actions import ActionPagesMixin
from metavast.core.errors import DomainError
from metavast.core.jalali import format_jalali_datetime
from metavast.core.text import MinLettersValidator, to_ascii_digits, to_persian_digits
from metavast.legal import holds
from metavast.legal.models import LegalHold

# Subjects whose hold must be placed where their evidence is preserved (their own screen).
PLACED_ELSEWHERE = {
    "reviews.review": "نگهداشت دیدگاه را از صفحهٔ همان دیدگاه ثبت کنید تا مدرک آن هم نگه داشته شود.",
}


class HoldPlaceForm(forms.Form):
    subject_type = forms.CharField(
        label="نوع موضوع",
        max_length=80,
        initial="accounts.user",
        help_text="مثلاً accounts.user برای همهٔ داده‌های یک حساب، یا orders.order",
    )
    subject_id = forms.CharField(label="شناسهٔ موضوع", max_length=64)
    user_id = forms.CharField(
        label="شناسهٔ حساب مشتری (اختیاری)",
        required=False,
        help_text="اگر نگهداشت دربارهٔ یک حساب است، پاک کردن آن حساب تا برداشتن نگهداشت انجام نمی‌شود.",
    )
    reason = forms.CharField(
        label="دلیل نگهداشت",
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[MinLettersValidator(10)],
    )

    def clean_subject_type(self):
        value = self.cleaned_data["subject_type"].strip()
        if value in PLACED_ELSEWHERE:
            raise forms.ValidationError(PLACED_ELSEWHERE[value])
        return value

    def clean_user_id(self):
        raw = to_ascii_digits(self.cleaned_data.get("user_id") or "").strip()
        if not raw:
            return None
        if not raw.isdigit() or len(raw) > 18:
            raise forms.ValidationError("شناسهٔ حساب باید عدد باشد.")
        return int(raw)


class HoldReleaseForm(forms.Form):
    reason = forms.CharField(
        label="دلیل برداشتن نگهداشت",
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[MinLettersValidator(10)],
    )


class ActiveFilter(admin.SimpleListFilter):
    title = "وضعیت"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("active", "فعال"), ("released", "برداشته‌شده"))

    def queryset(self, request, queryset):
        if self.value() == "released":
            return queryset.filter(released_at__isnull=False)
        if self.value() == "active":
            return queryset.filter(released_at__isnull=True)
        return queryset


@admin.register(LegalHold)
class LegalHoldAdmin(ActionPagesMixin, admin.ModelAdmin):
    action_template = "admin/legal/legalhold/action_form.html"
    list_display = ("number", "subject_type", "subject_label", "account", "placed", "state")
    list_filter = (ActiveFilter, "subject_type")
    list_per_page = 50
    actions = None
    ordering = ("released_at", "-placed_at")
    fields = (
        "subject_type",
        "subject_label",
        "account",
        "reason",
        "placed",
        "placed_by_label",
        "state",
        "release_reason",
    )
    readonly_fields = fields
    change_form_template = "admin/legal/legalhold/change_form.html"

    @admin.display(description="شماره", ordering="pk")
    def number(self, obj):
        return to_persian_digits(obj.pk)

    @admin.display(description="شناسهٔ موضوع")
    def subject_label(self, obj):
        return to_persian_digits(obj.subject_id)

    @admin.display(description="حساب")
    def account(self, obj):
        return to_persian_digits(obj.user_id) if obj.user_id else "—"

    @admin.display(description="زمان ثبت", ordering="placed_at")
    def placed(self, obj):
        return format_jalali_datetime(obj.placed_at)

    @admin.display(description="ثبت‌کننده")
    def placed_by_label(self, obj):
        return f"کارمند {to_persian_digits(obj.placed_by_id)}"

    @admin.display(description="وضعیت")
    def state(self, obj):
        if obj.released_at:
            return f"برداشته شده در {format_jalali_datetime(obj.released_at)}"
        return "فعال"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if self.has_view_permission(request):
            audit_record(
                action="legal.holds_listed", actor=request.user, subject_type="legal.legalhold"
            )
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None and self.has_view_permission(request, obj):
            audit_record(action="legal.hold_viewed", actor=request.user, subject=obj)
            extra["can_release"] = obj.is_active and request.user.has_perm(holds.PERM_RELEASE)
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def get_urls(self):
        return [
            path(
                "<id:pk>/release/",
                self.admin_site.admin_view(self.release_view),
                name="legal_legalhold_release",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = HoldPlaceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                hold = holds.hold_place(
                    subject_type=data["subject_type"],
                    subject_id=data["subject_id"],
                    actor=request.user,
                    reason=data["reason"],
                    user_id=data["user_id"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(
                    request,
                    f"نگهداشت قانونی شمارهٔ {to_persian_digits(hold.pk)} ثبت شد.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:legal_legalhold_change", args=[hold.pk]))
        return self._page(request, None, form, "ثبت نگهداشت قانونی", "ثبت نگهداشت")

    def release_view(self, request, pk: int):
        if not request.user.has_perm(holds.PERM_RELEASE):
            raise PermissionDenied
        hold = get_object_or_404(LegalHold, pk=pk)
        form = HoldReleaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                holds.hold_release(
                    hold_id=hold.pk, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                self.message_user(request, "نگهداشت برداشته شد.", messages.SUCCESS)
            return redirect(reverse("admin:legal_legalhold_change", args=[hold.pk]))
        return self._page(request, hold, form, "برداشتن نگهداشت قانونی", "برداشتن نگهداشت")
