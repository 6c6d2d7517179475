"""Staff view of the outbox: find failed messages and send them again.

Addresses are masked for everyone in lists; the full address and the body (which may hold a
code) are shown only to superusers, and each such look is audited (P8). Nothing here edits a
message: the retry action goes through `services.message_retry`, which audits it.
"""

from __future__ import annotations

from django.contrib import admin, messages

from metavast.audit.services import audit_record
from metavast.core.errors import DomainError
from metavast.notifications.models import OutboxMessage
from metavast.notifications.services import message_retry

_BASE_FIELDS = (
    "message_id",
    "channel",
    "purpose",
    "masked_address",
    "template",
    "subject",
    "status",
    "attempts",
    "next_attempt_at",
    "expires_at",
    "last_error",
    "provider_message_id",
    "user",
    "created_at",
    "updated_at",
    "sent_at",
)
_PRIVATE_FIELDS = ("address", "body")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "masked_address",
        "template",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    )
    list_filter = ("status", "channel", "purpose", "template")
    search_fields = ("=message_id",)
    date_hierarchy = "created_at"
    actions = ("retry_messages",)
    list_select_related = ()
    raw_id_fields = ("user",)

    @admin.display(description="گیرنده")
    def masked_address(self, obj: OutboxMessage) -> str:
        return obj.masked_address

    def get_fields(self, request, obj=None):
        if request.user.is_superuser:
            return (*_BASE_FIELDS, *_PRIVATE_FIELDS)
        # The account's name (its email) is personal data: staff see its number only.
        return tuple("user_ref" if f == "user" else f for f in _BASE_FIELDS)

    @admin.display(description="کاربر")
    def user_ref(self, obj: OutboxMessage) -> str:
        return f"#{obj.user_id}" if obj.user_id else "-"

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("notifications.retry_outboxmessage")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.user.is_superuser and request.method == "GET":
            message = self.get_object(request, object_id)
            if message is not None:
                audit_record(action="notifications.view", actor=request.user, subject=message)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="ارسال دوبارهٔ پیام‌های ناموفق", permissions=("retry",))
    def retry_messages(self, request, queryset):
        retried = refused = 0
        for message in queryset.order_by("pk"):
            try:
                message_retry(message=message, actor=request.user)
            except DomainError:
                refused += 1
            else:
                retried += 1
        if retried:
            self.message_user(request, f"{retried} پیام دوباره در صف ارسال قرار گرفت.")
        if refused:
            self.message_user(
                request,
                f"{refused} پیام ناموفق نبود یا منقضی شده بود و دوباره فرستاده نشد.",
                level=messages.WARNING,
            )
