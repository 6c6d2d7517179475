"""The audit trail, read-only; every look at it is itself recorded (it holds IPs)."""

from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.db import transaction

from metavast.audit.models import AuditEvent
from metavast.audit.services import audit_record

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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "action", "actor_label", "subject_type", "subject_id")
    list_filter = ("action", "subject_type")
    search_fields = ("action", "subject_id", "actor_label")
    date_hierarchy = "created_at"

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
