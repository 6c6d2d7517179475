"""Data-export packages in the admin: staff produce one on a customer's written request.

Rows are read-only and show no personal data (the customer by number only). The add page
takes the customer's number and the written request's reference, and calls the service: the
package goes to the customer's confirmed contacts as a one-time link, never to the staff
member (P8). Only privacy.export_for_customer opens this screen; every request is audited
with the fact that a reason was given (the reason itself is encrypted on the row).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from metavast.accounts.models import User
from metavast.core.errors import DomainError
from metavast.core.text import MinLettersValidator, to_ascii_digits, to_persian_digits
from metavast.privacy.models import DataCopy
from metavast.privacy.services import export as export_service


class StaffExportForm(forms.Form):
    customer_number = forms.CharField(
        label="شمارهٔ مشتری", max_length=12, help_text="شناسهٔ عددی حساب مشتری."
    )
    reason = forms.CharField(
        label="درخواست کتبی مشتری",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="شماره و تاریخ نامه یا تیکت، و اینکه چگونه هویت درخواست‌کننده را سنجیدید.",
        validators=[MinLettersValidator(10)],
    )

    def clean_customer_number(self):
        raw = to_ascii_digits(self.cleaned_data["customer_number"]).strip()
        if not raw.isdigit():
            raise forms.ValidationError("شمارهٔ مشتری عدد است.")
        user = User.objects.filter(pk=int(raw), is_staff=False, is_active=True).first()
        if user is None:
            raise forms.ValidationError("مشتری فعالی با این شماره پیدا نشد.")
        return user


@admin.register(DataCopy)
class DataCopyAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "status", "by_staff", "requested_at", "expires_at")
    list_filter = ("status",)
    list_per_page = 50
    actions = None
    fields = (
        "customer",
        "status",
        "by_staff",
        "requested_at",
        "ready_at",
        "expires_at",
        "downloaded_at",
        "closed_at",
    )
    readonly_fields = fields

    @admin.display(description="شماره")
    def number(self, obj):
        return to_persian_digits(obj.pk)

    @admin.display(description="مشتری")
    def customer(self, obj):
        return f"مشتری {to_persian_digits(obj.user_id)}"

    @admin.display(description="به درخواست کتبی", boolean=True)
    def by_staff(self, obj):
        return obj.requested_by_id is not None

    def _allowed(self, request) -> bool:
        return request.user.is_active and request.user.has_perm(
            export_service.PERM_EXPORT_FOR_CUSTOMER
        )

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StaffExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                created = export_service.export_request(
                    user=form.cleaned_data["customer_number"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(
                    request,
                    f"بستهٔ شمارهٔ {to_persian_digits(created.pk)} در صف ساخت است؛ پیوندش به "
                    "تماس‌های تأییدشدهٔ مشتری فرستاده می‌شود.",
                    messages.SUCCESS,
                )
                return redirect("admin:privacy_datacopy_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "ساختن بستهٔ داده به درخواست کتبی مشتری",
        }
        return TemplateResponse(request, "privacy/export_staff_form.html", context)
