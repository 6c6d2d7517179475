"""Staff roles in the admin: the roles and their rights (read-only: roles.ROLES is the truth),
the screen that assigns roles (through services.staff_role_assign, audited), and the access
history page (own looks for everyone, everyone's with staff.view_all_access_history)."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from metavast.accounts.models import User
from metavast.audit.labels import action_label, actor_display
from metavast.core.errors import DomainError
from metavast.core.jalali import format_jalali_datetime
from metavast.core.text import to_persian_digits
from metavast.staff.forms import AccessHistoryFilterForm, RoleAssignForm
from metavast.staff.history import access_history, parse_jalali_date
from metavast.staff.models import StaffRole
from metavast.staff.services import staff_role_assign, staff_role_remove, user_role_keys


def _model(subject_type: str):
    try:
        return apps.get_model(subject_type) if "." in subject_type else None
    except LookupError:
        return None


def subject_label(subject_type: str, subject_id: str) -> str:
    """ "accounts.user", "657" → «کاربر ۶۵۷»: the model's Persian name, not its code."""
    model = _model(subject_type)
    name = str(model._meta.verbose_name) if model else subject_type
    return f"{name} {to_persian_digits(subject_id)}".strip()


def field_label(subject_type: str, field: str) -> str:
    """A field's Persian label. Services name what was read as the code does: a model field,
    or a property over a sealed (encrypted) field, «customer_ids» over «customer_ids_sealed»."""
    model = _model(subject_type)
    if model is not None:
        for name in (field, f"{field}_sealed"):
            try:
                return str(model._meta.get_field(name).verbose_name)
            except FieldDoesNotExist:
                pass
        described = getattr(getattr(model, field, None), "fget", None)
        if getattr(described, "short_description", None):
            return str(described.short_description)
    return FIELD_WORDS.get(field, field)


def _without_page(query) -> str:
    """The filters of the access-history page as a query string, for the page links."""
    kept = query.copy()
    kept.pop("p", None)
    return kept.urlencode()


# Columns that are not model fields (masked or computed ones).
FIELD_WORDS = {
    "customer": "نام مشتری",
    "customer_masked": "نام مشتری (پوشیده)",
    "receiver_masked": "گیرنده (پوشیده)",
    "province_name": "استان",
    "email_masked": "ایمیل (پوشیده)",
    "name_masked": "نام (پوشیده)",
    "id": "شناسه",
}


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "permission_count", "member_count")
    fields = ("name", "description", "permission_list", "member_count")
    readonly_fields = fields
    change_list_template = "admin/staff/staffrole/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="تعداد اجازه‌ها")
    def permission_count(self, obj):
        return to_persian_digits(obj.group.permissions.count())

    @admin.display(description="تعداد کارکنان")
    def member_count(self, obj):
        return to_persian_digits(obj.group.user_set.count())

    @admin.display(description="اجازه‌ها")
    def permission_list(self, obj):
        return "، ".join(str(p.name) for p in obj.group.permissions.order_by("content_type", "pk"))

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("assign/", view(self.assign_view), name="staff_staffrole_assign"),
            path("access-history/", view(self.access_history_view), name="staff_access_history"),
            *super().get_urls(),
        ]

    def assign_view(self, request):
        user = request.user
        if not (user.is_superuser or user.has_perm("staff.assign_role")):
            raise PermissionDenied
        form = RoleAssignForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            target = User.objects.by_email(form.cleaned_data["email"]).first()
            if target is None:
                form.add_error("email", "کاربری با این ایمیل نیست.")
            else:
                service = (
                    staff_role_assign
                    if form.cleaned_data["operation"] == "assign"
                    else staff_role_remove
                )
                try:
                    service(user=target, role=form.cleaned_data["role"], actor=user)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    self.message_user(request, "نقش‌های کارمند به‌روز شد.", messages.SUCCESS)
                    return redirect(reverse(f"{self.admin_site.name}:staff_staffrole_assign"))
        roles = {r.key: r.name for r in StaffRole.objects.all()}
        staff = [
            (member, [roles.get(k, k) for k in user_role_keys(member)])
            for member in User.objects.filter(is_staff=True).order_by("pk")[:200]
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "staff": staff,
            "title": "نقش‌های کارکنان",
        }
        return TemplateResponse(request, "admin/staff/staffrole/assign.html", context)

    def access_history_view(self, request):
        see_all = request.user.has_perm("staff.view_all_access_history")
        staff_choices = (
            [
                (member.pk, f"{member.get_full_name() or member.pk} ({member.email})")
                for member in User.objects.filter(is_staff=True).order_by("pk")[:500]
            ]
            if see_all
            else []
        )
        form = AccessHistoryFilterForm(request.GET or None, staff_choices=staff_choices)
        person = since = until = None
        if form.is_valid():
            person = form.cleaned_data["person"] if see_all else None
            since = parse_jalali_date(form.cleaned_data["since"])
            until = parse_jalali_date(form.cleaned_data["until"])
        events = access_history(viewer=request.user, person_id=person, since=since, until=until)
        page = Paginator(events, 50).get_page(request.GET.get("p"))
        rows = [
            {
                "when": format_jalali_datetime(event.created_at),
                "who": actor_display(event),
                "what": action_label(event.action),
                "subject": subject_label(event.subject_type, event.subject_id),
                "fields": "، ".join(
                    field_label(event.subject_type, name)
                    for name in (event.after or {}).get("fields", []) or []
                ),
                "reason": (event.after or {}).get("reason", ""),
            }
            for event in page.object_list
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "rows": rows,
            "page": page,
            "filters_query": _without_page(request.GET),
            "see_all": see_all,
            "title": "سابقهٔ دسترسی همهٔ کارکنان" if see_all else "سابقهٔ دسترسی من",
        }
        return TemplateResponse(request, "admin/staff/access_history.html", context)
