"""The register in the admin: Persian, read-only rows, and buttons that call the services.

No status or scope is ever edited by hand: a request is recorded through its own form (the
service resolves and encrypts the scope) and moves only through the per-request screens
below (submit, approve, reject, withdraw, build the package, download it once). Opening a
request shows the letter, the legal basis and who is in scope, so it is audited.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.utils.html import format_html_join

from metavast.core.admin_actions import ActionPagesMixin
from metavast.core.errors import DomainError
from metavast.core.jalali import format_jalali_date, format_jalali_datetime
from metavast.core.text import to_persian_digits
from metavast.legal import services
from metavast.legal.errors import PackageAlreadyDownloaded, PackageExpired, PackageNotReady
from metavast.legal.forms import (
    DecisionForm,
    DisclosureRequestForm,
    DownloadForm,
    RejectForm,
    new_passphrase,
)
from metavast.legal.models import TRANSITIONS, DataCategory, DisclosureRequest, DisclosureStatus


def _person(user) -> str:
    if user is None:
        return "—"
    name = f"{user.first_name} {user.last_name}".strip()
    return to_persian_digits(name) if name else f"کارمند {to_persian_digits(user.pk)}"


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(ActionPagesMixin, admin.ModelAdmin):
    action_template = "admin/legal/disclosurerequest/action_form.html"
    list_display = (
        "register_number",
        "authority_name",
        "authority_type",
        "status",
        "created_jalali",
        "requested_by_name",
        "decided_by_name",
        "expires_jalali",
    )
    list_display_links = ("register_number",)
    list_filter = ("status", "authority_type")
    list_per_page = 50
    actions = None
    fieldsets = (
        (
            "مرجع و نامه",
            {
                "fields": (
                    "authority_name",
                    "authority_type",
                    "letter_number",
                    "letter_date_jalali",
                    "legal_basis",
                )
            },
        ),
        ("دامنه", {"fields": ("customers_display", "categories_display", "period_display")}),
        (
            "اطلاع به مشتری",
            {"fields": ("notify_customers", "no_notice_reason", "customers_notified_jalali")},
        ),
        (
            "روند",
            {
                "fields": (
                    "status",
                    "requested_by_name",
                    "created_jalali",
                    "submitted_jalali",
                    "decided_by_name",
                    "decided_jalali",
                    "decision_note",
                    "package_ready_jalali",
                    "expires_jalali",
                    "package_sha256",
                    "downloaded_by_name",
                    "downloaded_jalali",
                )
            },
        ),
    )

    # --- columns and read-only fields ----------------------------------------------------

    @admin.display(description="شمارهٔ ثبت", ordering="pk")
    def register_number(self, obj):
        return to_persian_digits(obj.pk)

    @admin.display(description="زمان ثبت", ordering="created_at")
    def created_jalali(self, obj):
        return format_jalali_datetime(obj.created_at)

    @admin.display(description="تاریخ نامه")
    def letter_date_jalali(self, obj):
        return format_jalali_date(obj.letter_date)

    @staticmethod
    def _when(value):
        return format_jalali_datetime(value) if value else "—"

    @admin.display(description="ارسال برای تأیید")
    def submitted_jalali(self, obj):
        return self._when(obj.submitted_at)

    @admin.display(description="زمان تصمیم")
    def decided_jalali(self, obj):
        return self._when(obj.decided_at)

    @admin.display(description="آماده‌شدن بسته")
    def package_ready_jalali(self, obj):
        return self._when(obj.package_ready_at)

    @admin.display(description="مهلت دریافت بسته", ordering="package_expires_at")
    def expires_jalali(self, obj):
        return self._when(obj.package_expires_at)

    @admin.display(description="زمان دریافت بسته")
    def downloaded_jalali(self, obj):
        return self._when(obj.downloaded_at)

    @admin.display(description="زمان اطلاع به مشتری")
    def customers_notified_jalali(self, obj):
        return self._when(obj.customers_notified_at)

    @admin.display(description="افسر ثبت‌کننده")
    def requested_by_name(self, obj):
        return _person(obj.requested_by)

    @admin.display(description="افسر تصمیم‌گیرنده")
    def decided_by_name(self, obj):
        return _person(obj.decided_by)

    @admin.display(description="دریافت‌کنندهٔ بسته")
    def downloaded_by_name(self, obj):
        return _person(obj.downloaded_by)

    @admin.display(description="مشتریان (شناسه)")
    def customers_display(self, obj):
        return "، ".join(to_persian_digits(pk) for pk in obj.customer_ids)

    @admin.display(description="دسته‌های داده")
    def categories_display(self, obj):
        labels = dict(DataCategory.choices)
        return format_html_join("، ", "{}", ((labels[c],) for c in obj.categories))

    @admin.display(description="بازهٔ زمانی")
    def period_display(self, obj):
        return f"از {format_jalali_date(obj.period_start)} تا {format_jalali_date(obj.period_end)}"

    def get_readonly_fields(self, request, obj=None):
        return [name for _, options in self.fieldsets for name in options["fields"]]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("requested_by", "decided_by", "downloaded_by")
        )

    # --- permissions: rows change only through the services ------------------------------

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- recording a request -------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DisclosureRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                created = services.disclosure_request_create(
                    actor=request.user,
                    authority_name=data["authority_name"],
                    authority_type=data["authority_type"],
                    letter_number=data["letter_number"],
                    letter_date=data["letter_date"],
                    legal_basis=data["legal_basis"],
                    scope=services.Scope(
                        customers=data["customers"],
                        categories=data["categories"],
                        period_start=data["period_start"],
                        period_end=data["period_end"],
                    ),
                    notify_customers=data["notify_customers"],
                    no_notice_reason=data["no_notice_reason"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(
                    request,
                    f"درخواست شمارهٔ {to_persian_digits(created.pk)} به صورت پیش‌نویس ثبت شد.",
                    messages.SUCCESS,
                )
                return self._back(created)
        return self._page(request, None, form, "ثبت درخواست افشای قانونی", "ثبت پیش‌نویس")

    # --- looking at a request (audited) --------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None and self.has_view_permission(request, obj):
            services.disclosure_view_record(request=obj, actor=request.user)
            extra["legal_actions"] = self._available(request, obj)
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _available(self, request, obj) -> dict[str, bool]:
        user = request.user
        allowed = TRANSITIONS[obj.status]
        can_add = user.has_perm(services.PERM_ADD)
        can_decide = user.has_perm(services.PERM_APPROVE) and obj.requested_by_id != user.pk
        return {
            "submit": can_add and DisclosureStatus.AWAITING_APPROVAL in allowed,
            "approve": can_decide and DisclosureStatus.APPROVED in allowed,
            "reject": can_decide and DisclosureStatus.REJECTED in allowed,
            "withdraw": can_add and DisclosureStatus.WITHDRAWN in allowed,
            "generate": user.has_perm(services.PERM_APPROVE)
            and obj.status == DisclosureStatus.APPROVED,
            "download": user.has_perm(services.PERM_DOWNLOAD)
            and obj.status == DisclosureStatus.PACKAGE_READY,
        }

    # --- per-request screens -------------------------------------------------------------

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<id:pk>/submit/", view(self.submit), name="legal_disclosurerequest_submit"),
            path("<id:pk>/approve/", view(self.approve), name="legal_disclosurerequest_approve"),
            path("<id:pk>/reject/", view(self.reject), name="legal_disclosurerequest_reject"),
            path("<id:pk>/withdraw/", view(self.withdraw), name="legal_disclosurerequest_withdraw"),
            path("<id:pk>/generate/", view(self.generate), name="legal_disclosurerequest_generate"),
            path("<id:pk>/download/", view(self.download), name="legal_disclosurerequest_download"),
            *super().get_urls(),
        ]

    def submit(self, request, pk: int):
        obj = self._object(request, pk, services.PERM_ADD)
        if request.method != "POST":
            return self._page(
                request, obj, DecisionForm(), "ارسال درخواست برای تأیید افسر دوم", "ارسال"
            )
        return self._run(
            request,
            obj,
            lambda: services.disclosure_submit(request_id=obj.pk, actor=request.user),
            "درخواست برای تأیید افسر حقوقی دوم فرستاده شد.",
        )

    def approve(self, request, pk: int):
        obj = self._object(request, pk, services.PERM_APPROVE)
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                obj,
                lambda: services.disclosure_approve(
                    request_id=obj.pk, actor=request.user, note=form.cleaned_data["note"]
                ),
                "درخواست تأیید شد؛ بستهٔ افشا در پس‌زمینه ساخته می‌شود.",
            )
        return self._page(request, obj, form, "تأیید درخواست افشا (افسر دوم)", "تأیید")

    def reject(self, request, pk: int):
        obj = self._object(request, pk, services.PERM_APPROVE)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                obj,
                lambda: services.disclosure_reject(
                    request_id=obj.pk, actor=request.user, note=form.cleaned_data["note"]
                ),
                "درخواست رد شد.",
            )
        return self._page(request, obj, form, "رد درخواست افشا", "رد درخواست")

    def withdraw(self, request, pk: int):
        obj = self._object(request, pk, services.PERM_ADD)
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                obj,
                lambda: services.disclosure_withdraw(
                    request_id=obj.pk, actor=request.user, note=form.cleaned_data["note"]
                ),
                "درخواست پس گرفته شد و بستهٔ آن، اگر بود، از بین رفت.",
            )
        return self._page(request, obj, form, "پس‌گرفتن درخواست افشا", "پس‌گرفتن")

    def generate(self, request, pk: int):
        obj = self._object(request, pk, services.PERM_APPROVE)
        if request.method != "POST":
            return self._page(request, obj, DecisionForm(), "ساخت بستهٔ افشا", "ساخت بسته")
        return self._run(
            request,
            obj,
            lambda: services.disclosure_package_build(request_id=obj.pk),
            "بستهٔ افشا ساخته شد.",
        )

    def download(self, request, pk: int):
        obj = self._object(request, pk, services.PERM_DOWNLOAD)
        if request.method != "POST" and obj.status != DisclosureStatus.PACKAGE_READY:
            refusal = {
                DisclosureStatus.DOWNLOADED: PackageAlreadyDownloaded,
                DisclosureStatus.EXPIRED: PackageExpired,
            }.get(obj.status, PackageNotReady)
            self.message_user(request, str(refusal.message), messages.ERROR)
            return self._back(obj)
        form = DownloadForm(request.POST or None, initial={"passphrase": new_passphrase()})
        if request.method == "POST" and form.is_valid():
            try:
                result = services.disclosure_package_download(
                    request_id=obj.pk,
                    actor=request.user,
                    passphrase=form.cleaned_data["passphrase"],
                )
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
                return self._back(obj)
            response = HttpResponse(result.content, content_type="application/octet-stream")
            response["Content-Disposition"] = f'attachment; filename="disclosure-{obj.pk}.zip.enc"'
            response["Cache-Control"] = "no-store"
            return response
        return self._page(
            request,
            obj,
            form,
            "دریافت یک‌بارهٔ بستهٔ افشا",
            "دریافت بستهٔ رمزشده",
            download=True,
        )


from metavast.legal import admin_holds  # noqa: E402,F401  (issue 12: the legal-hold admin)
