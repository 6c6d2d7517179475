"""The audit trail, read-only; every look at it is itself recorded (it holds IPs)."""

import json

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils.html import format_html, format_html_join

from metavast.audit.labels import ACTION_LABELS, action_label, actor_display
from metavast.audit.models import AuditEvent
from metavast.audit.services import audit_record
from metavast.core.text import to_persian_number_text

# Query parameters of a changelist that are not filters.
_LIST_CONTROLS = {"p", "q", "o", "_changelist_filters", IS_POPUP_VAR, "_to_field"}


def _look(request) -> dict:
    """What the look asked for (page, search, filters), never what it showed."""
    return {
        "page": request.GET.get("p", "0")[:10],
        "search": request.GET.get("q", "")[:100],
        "filters": {
            key: request.GET.get(key)[:100]
            for key in sorted(request.GET)
            if key not in _LIST_CONTROLS
        },
    }


def _record_look(request, *, action: str, subject_id="", after=None) -> None:
    with transaction.atomic():
        audit_record(
            action=action,
            actor=request.user,
            subject_type="audit.auditevent",
            subject_id=subject_id,
            after=after,
        )


# Keys services write into before/after that are not a field of the subject's model.
DETAIL_KEYS = {
    "page": "صفحه",
    "search": "جست‌وجو",
    "filters": "پالایه‌ها",
    "fields": "فیلدهای دیده‌شده",
    "reason": "دلیل",
    "count": "شمار",
    "customers": "شمار مشتریان",
    "messages": "پیام‌ها",
    "reason_recorded": "دلیل ثبت شد",
    "status": "وضعیت",
    "from": "از",
    "to": "به",
    "amount": "مبلغ (ریال)",
}


def _detail_label(subject_type: str, key: str) -> str:
    if key in DETAIL_KEYS:
        return DETAIL_KEYS[key]
    try:
        model = apps.get_model(subject_type) if "." in subject_type else None
        return str(model._meta.get_field(key).verbose_name) if model else key
    except (LookupError, ValueError, FieldDoesNotExist):
        return key


def _detail_value(value) -> str:
    if value in (None, "", [], {}):
        return "-"
    if isinstance(value, bool):
        return "بله" if value else "خیر"
    if isinstance(value, (list, tuple)):
        return "، ".join(_detail_value(item) for item in value)
    if isinstance(value, dict):
        return "، ".join(f"{key}: {_detail_value(item)}" for key, item in value.items())
    return to_persian_number_text(value)


def event_details(subject_type: str, data) -> str:
    """An event's before/after for staff: Persian labels and digits, one key a line; the
    stored JSON stays one click away, exactly as sealed."""
    if not data:
        return "-"
    if not isinstance(data, dict):
        return _detail_value(data)
    lines = format_html_join(
        "",
        "<div>{}: <bdi>{}</bdi></div>",
        ((_detail_label(subject_type, key), _detail_value(value)) for key, value in data.items()),
    )
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return format_html(
        '{}<details><summary>دادهٔ ثبت‌شده</summary><pre dir="ltr">{}</pre></details>', lines, raw
    )


class ActionFilter(admin.SimpleListFilter):
    title = "رویداد"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(ACTION_LABELS.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "action_text", "actor", "subject_type", "subject_id")
    list_filter = (ActionFilter, "subject_type")
    search_fields = ("action", "subject_id", "actor_label")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "action_text",
        "action",
        "actor",
        "subject_type",
        "subject_id",
        "before_text",
        "after_text",
        "client_ip",
        "user_agent",
        "seal_seq",
        "sealed_at",
    )
    readonly_fields = fields

    @admin.display(description="رویداد", ordering="action")
    def action_text(self, obj):
        return action_label(obj.action)

    @admin.display(description="پیش از تغییر")
    def before_text(self, obj):
        return event_details(obj.subject_type, obj.before)

    @admin.display(description="پس از تغییر")
    def after_text(self, obj):
        return event_details(obj.subject_type, obj.after)

    @admin.display(description="انجام‌دهنده", ordering="actor_id")
    def actor(self, obj):
        return actor_display(obj, getattr(obj, "_actor_user", None))

    def get_changelist_instance(self, request):
        # The page's actors (and their roles) in two queries, not two per row.
        changelist = super().get_changelist_instance(request)
        ids = {event.actor_id for event in changelist.result_list if event.actor_id}
        users = get_user_model().objects.filter(pk__in=ids).prefetch_related("groups")
        by_id = {user.pk: user for user in users}
        for event in changelist.result_list:
            event._actor_user = by_id.get(event.actor_id)
        return changelist

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            _record_look(request, action="audit.events_viewed_by_staff", after=_look(request))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            _record_look(request, action="audit.event_viewed_by_staff", subject_id=object_id)
        return response
