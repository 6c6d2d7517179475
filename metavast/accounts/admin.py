"""The staff admin for accounts, groups and two-factor devices.

Privileges are the one thing a staff member must never grant: the staff and superuser flags,
groups and direct permissions are read-only to everyone but a superuser, and to a superuser
on their own account (services.staff has the rules, and checks them again after each save).
Staff who are not superusers reach customers and their own account only.

django-otp's own admin pages show a device's key (hex, QR code) and static token values to
anyone with view permission: they are replaced here by pages that never show a secret, for
superusers only. Every look at personal data or devices writes an audit row.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from metavast.accounts.errors import StaffActionForbidden
from metavast.accounts.models import User
from metavast.accounts.services.sessions import (
    current_web_session,
    web_session_keep_after_password,
)
from metavast.accounts.services.staff import (
    NO_PRIVILEGES,
    group_delete,
    group_permissions_changed,
    otp_device_delete,
    permission_names,
    staff_may_change_privileges,
    staff_may_manage,
    staff_password_set,
    staff_personal_data_viewed,
    staff_read_record,
    staff_role_names,
    staff_user_delete,
    user_privileges,
    user_privileges_changed,
)
from metavast.core.identifiers import display_phone
from metavast.core.text import MinLettersValidator, to_ascii_digits, to_persian_digits

PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
# A customer's contact details: shown to a non-superuser only on the reveal page, after a
# reason is typed (issue 10); lists show them masked.
CONTACT_FIELDS = ("email", "first_name", "last_name", "mobile", "landline")


def mask_text(value: str, keep: int = 2) -> str:
    """For lists: enough to tell rows apart, not enough to use."""
    value = str(value or "")
    if len(value) <= keep:
        return "•" * len(value)
    return value[:keep] + "•" * min(len(value) - keep, 8)


def contacts_hidden(request, obj) -> bool:
    """A non-superuser sees a customer's contacts only on the reveal page; their own and
    (for superusers) everyone's stay on the form."""
    return not request.user.is_superuser and (obj is None or obj.pk != request.user.pk)


class MaskedUser:
    """A user as the change page's title and breadcrumbs name it when its contacts are hidden:
    by number, not by name (everything else is the user's own attribute)."""

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name):
        return getattr(self._user, name)

    def __str__(self) -> str:
        return f"کاربر #{self._user.pk}"


class RevealReasonForm(forms.Form):
    # Ten letters or digits, not ten characters: twelve ZWNJs, ten tatweels or ". . . . ."
    # are ten characters that tell the audit nothing.
    reason = forms.CharField(
        label="دلیل دیدن اطلاعات تماس",
        validators=[MinLettersValidator(10)],
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="مثلاً شمارهٔ تیکت پشتیبانی و کاری که باید انجام شود. دلیل ثبت می‌شود.",
    )


# Query parameters of a changelist that are not filters.
_LIST_CONTROLS = {"p", "q", "o", "_changelist_filters", IS_POPUP_VAR, "_to_field"}


def changelist_look(request) -> dict:
    """What a changelist look asked for (page, search, filters), never what it showed."""
    filters = {
        key: request.GET.get(key)[:100] for key in sorted(request.GET) if key not in _LIST_CONTROLS
    }
    return {
        "page": request.GET.get("p", "0")[:10],
        "search": request.GET.get("q", "")[:100],
        "filters": filters,
    }


class StaffPasswordForm(AdminPasswordChangeForm):
    """Always a new password: switching password sign-in off is not a staff action."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = True
        self.fields["password2"].required = True


class UserAddForm(AdminUserCreationForm):
    """The email is unique through its blind index, which the model form cannot check."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes = {}

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data.get("email"))
        if not email:
            raise forms.ValidationError("نشانی ایمیل را بنویسید.")
        if User.objects.by_email(email).exists():
            raise forms.ValidationError("کاربری با این ایمیل هست.")
        return email


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("-date_joined",)
    list_display = ("id", "email", "first_name", "last_name", "is_staff", "is_active")
    # The email and the names are encrypted at rest: the database can neither sort nor
    # search them by part. Search is an exact match through their blind indexes.
    sortable_by = ("id", "is_staff", "is_active")
    search_fields = ("email_index",)  # enables the box; get_search_results does the work
    search_help_text = (
        "جست‌وجو فقط با تطابق کامل: نشانی ایمیل کامل (بزرگی و کوچکی حروف مهم نیست)، "
        "نام و نام خانوادگی کامل (مثل «سارا محمدی»)، یا شمارهٔ کاربر."
    )
    add_form = UserAddForm
    list_filter = ("is_staff", "is_superuser", "is_active")
    change_password_form = StaffPasswordForm
    # Contacts and their confirmation change only through the customer's own proof
    # (services.contacts): a staff edit would otherwise make an unproved address "confirmed".
    readonly_fields = (
        "email_confirmed_at",
        "mobile",
        "mobile_confirmed_at",
        "landline",
        "landline_declared_at",
        "last_login",
        "date_joined",
    )

    fieldsets = (
        (None, {"fields": ("email", "email_confirmed_at", "password")}),
        (
            "مشخصات",
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "mobile",
                    "mobile_confirmed_at",
                    "landline",
                    "landline_declared_at",
                )
            },
        ),
        (
            "دسترسی",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("تاریخ‌ها", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")

    def get_search_results(self, request, queryset, search_term):
        """Exact match through the blind indexes (email, normalised full name) or the id."""
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        match = (
            Q(email_index=User.email_index_for(term))
            if "@" in term
            else Q(name_index=User.name_index_for(term))
        )
        digits = to_ascii_digits(term)
        if digits.isdigit():
            match |= Q(pk=int(digits))
        return queryset.filter(match), False

    # --- Who may see and change what --------------------------------------------------

    def get_list_display(self, request):
        if request.user.is_superuser:
            return self.list_display
        return ("id", "email_masked", "name_masked", "is_staff", "is_active")

    @admin.display(description="ایمیل")
    def email_masked(self, obj):
        local, _, domain = (obj.email or "").partition("@")
        return f"{mask_text(local)}@{mask_text(domain)}" if domain else mask_text(local)

    @admin.display(description="نام")
    def name_masked(self, obj):
        return f"{mask_text(obj.first_name, 1)} {mask_text(obj.last_name, 1)}".strip()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not contacts_hidden(request, obj):
            return fieldsets
        # The password hash summary is no one's business but a superuser's.
        hidden = {*CONTACT_FIELDS, "password"}
        kept = [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]})
            for name, opts in fieldsets
            if [f for f in opts["fields"] if f not in hidden]
        ]
        return [("اطلاعات تماس", {"fields": ["contact_reveal_link"]}), *kept]

    @admin.display(description="اطلاعات تماس")
    def contact_reveal_link(self, obj):
        if obj is None:
            return "-"
        # Shown to everyone; the reveal page itself refuses roles without the permission.
        url = reverse(f"{self.admin_site.name}:accounts_user_reveal", args=(obj.pk,))
        return format_html('<a href="{}">نمایش با نوشتن دلیل</a>', url)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and contacts_hidden(request, obj):
            context["original"] = MaskedUser(obj)
            context["subtitle"] = str(context["original"])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        """The history page names the account in its title: by number when contacts are
        hidden from this viewer."""
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and contacts_hidden(request, obj):
            masked = MaskedUser(obj)
            extra_context = {
                **(extra_context or {}),
                "title": f"تاریخچهٔ تغییرات: {masked}",
                "object": masked,
            }
        return super().history_view(request, object_id, extra_context)

    def shown_fields(self, request, obj) -> list[str]:
        """The personal fields this request's change form shows (names, never values)."""
        shown = {f for _, opts in self.get_fieldsets(request, obj) for f in opts["fields"]}
        return sorted(shown & {*CONTACT_FIELDS, "mobile_confirmed_at", "email_confirmed_at"})

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        fields.append("contact_reveal_link")
        if obj is not None:
            fields.append("email")
        if not staff_may_change_privileges(actor=request.user, target=obj):
            fields += PRIVILEGE_FIELDS
        if obj is not None and obj.pk == request.user.pk:
            fields.append("is_active")  # nobody switches their own account off by mistake
        return tuple(dict.fromkeys(fields))

    def has_view_permission(self, request, obj=None):
        if obj is not None and not staff_may_manage(actor=request.user, target=obj):
            return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not staff_may_manage(actor=request.user, target=obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (
            obj.pk == request.user.pk or not staff_may_manage(actor=request.user, target=obj)
        ):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """The bulk delete action checks model permission only: refuse out-of-reach rows."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if any(not self.has_delete_permission(request, obj) for obj in objs):
            perms_needed = {*perms_needed, self.opts.verbose_name}
        return deleted, counts, perms_needed, protected

    # --- Saving: privileges checked again and audited, deletes audited ------------------

    def save_model(self, request, obj, form, change):
        obj._privileges_before = user_privileges(obj) if change else dict(NO_PRIVILEGES)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        before = getattr(user, "_privileges_before", NO_PRIVILEGES)
        try:
            user_privileges_changed(actor=request.user, user=user, before=before)
        except StaffActionForbidden:
            raise PermissionDenied from None

    def delete_model(self, request, obj):
        try:
            staff_user_delete(actor=request.user, user=obj)
        except StaffActionForbidden:
            raise PermissionDenied from None

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self.delete_model(request, user)

    # --- Looks at personal data are audited (P8) ----------------------------------------

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            shown = self.get_list_display(request)
            staff_read_record(
                actor=request.user,
                action="accounts.users_listed_by_staff",
                subject_type="accounts.user",
                after={
                    **changelist_look(request),
                    "fields": list(shown),
                    "roles": staff_role_names(request.user),
                },
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The page shows a customer's decrypted contacts: every look is written down (P8)."""
        obj = self.get_object(request, unquote(object_id))
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and obj is not None:
            staff_personal_data_viewed(
                action="accounts.user_viewed_by_staff",
                actor=request.user,
                subject_type="accounts.user",
                subject_id=object_id,
                fields=self.shown_fields(request, obj),
            )
        return response

    def get_urls(self):
        return [
            path(
                "<id:pk>/reveal/",
                self.admin_site.admin_view(self.reveal_contacts),
                name="accounts_user_reveal",
            ),
            *super().get_urls(),
        ]

    def reveal_contacts(self, request, pk: int):
        """Support: a customer's contact details, only after a typed reason (kept in the
        audit row). The details are shown on this response only, never stored in a session."""
        user = self.get_object(request, str(pk))
        if user is None or not (
            request.user.has_perm("staff.reveal_customer_contact")
            and self.has_view_permission(request, user)
        ):
            raise PermissionDenied
        form = RevealReasonForm(request.POST or None)
        contacts = None
        if request.method == "POST" and form.is_valid():
            fields = [f for f in CONTACT_FIELDS if getattr(user, f, "")]
            staff_personal_data_viewed(
                actor=request.user,
                subject=user,
                fields=fields,
                reason=form.cleaned_data["reason"],
                purpose="contact_reveal",
            )
            contacts = [
                (
                    User._meta.get_field(f).verbose_name,
                    to_persian_digits(display_phone(str(getattr(user, f))))
                    if f in ("mobile", "landline")
                    else getattr(user, f),
                )
                for f in fields
            ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": user,
            "form": form,
            "contacts": contacts,
            "title": "اطلاعات تماس مشتری",
        }
        return TemplateResponse(request, "admin/accounts/user/reveal_contacts.html", context)

    # --- A staff-set password goes through the customer's password service -------------

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if not self.has_change_permission(request, user):  # model-wide when user is None
            raise PermissionDenied
        if user is None:
            raise Http404("کاربر پیدا نشد.")
        if request.method == "POST":
            form = self.change_password_form(user, request.POST)
            if form.is_valid():
                return self._password_save(request, user, form)
        else:
            form = self.change_password_form(user)
        admin_form = admin.helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {})
        context = {
            "title": f"تغییر گذرواژهٔ {user.get_username() or user.pk}",
            "adminForm": admin_form,
            "form_url": form_url,
            "form": form,
            "is_popup": IS_POPUP_VAR in request.POST or IS_POPUP_VAR in request.GET,
            "is_popup_var": IS_POPUP_VAR,
            "add": True,
            "change": False,
            "has_delete_permission": False,
            "has_change_permission": True,
            "has_absolute_url": False,
            "opts": self.opts,
            "original": user,
            "save_as": False,
            "show_save": True,
            **self.admin_site.each_context(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            self.change_user_password_template or "admin/auth/user/change_password.html",
            context,
        )

    def _password_save(self, request, user, form):
        own = user.pk == request.user.pk
        with transaction.atomic(using=router.db_for_write(self.model)):
            try:
                staff_password_set(
                    actor=request.user,
                    user=user,
                    new_password=form.cleaned_data["password1"],
                    keep=current_web_session(request) if own else None,
                )
            except StaffActionForbidden:
                raise PermissionDenied from None
            self.log_change(request, user, [{"changed": {"fields": ["password"]}}])
        if own:
            web_session_keep_after_password(request=request, user=user)
        messages.success(request, "گذرواژه تغییر کرد و نشست‌های دیگر این کاربر بسته شد.")
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:accounts_user_change", args=(user.pk,))
        )


# --- Groups: their permissions are privileges too -------------------------------------

if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Superusers only may add, change or delete a group (its permissions are everyone's in
    it); other staff may at most look."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        obj._permissions_before = permission_names(obj.permissions) if change else None
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        try:
            group_delete(actor=request.user, group=obj)
        except StaffActionForbidden:
            raise PermissionDenied from None

    def delete_queryset(self, request, queryset):
        for group in queryset:
            self.delete_model(request, group)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        group = form.instance
        try:
            group_permissions_changed(
                actor=request.user, group=group, before=getattr(group, "_permissions_before", None)
            )
        except StaffActionForbidden:
            raise PermissionDenied from None


# --- Two-factor devices: never a secret, superusers only, every look audited -----------


def _unregister_otp_admins() -> None:
    """Drop whatever admin django-otp's plugins registered (TOTP, static, any other)."""
    # Import them first so that a later autodiscover cannot register them again.
    import django_otp.plugins.otp_static.admin
    import django_otp.plugins.otp_totp.admin  # noqa: F401

    for model in list(admin.site._registry):
        if model.__module__.startswith("django_otp"):
            admin.site.unregister(model)


_unregister_otp_admins()


class DeviceAdmin(admin.ModelAdmin):
    """Who has which device and when it was last used; the key, its QR code and static
    tokens are never shown. Enrolment happens on /accounts/staff/2fa/, not here."""

    list_display = ("user", "name", "confirmed", "last_used_at")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("name",)
    search_help_text = "نام دستگاه، یا نشانی ایمیل کامل کاربر (تطابق کامل)."
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    ordering = ("-pk",)

    def get_search_results(self, request, queryset, search_term):
        # The user's email is encrypted: an exact match through its blind index.
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = (search_term or "").strip()
        if "@" in term:
            found = found | queryset.filter(user__email_index=User.email_index_for(term))
        return found, may_have_duplicates

    @staticmethod
    def _superuser(request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser)

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request)

    def delete_model(self, request, obj):
        try:
            otp_device_delete(actor=request.user, device=obj)
        except StaffActionForbidden:
            raise PermissionDenied from None

    def delete_queryset(self, request, queryset):
        for device in queryset:
            self.delete_model(request, device)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            staff_read_record(
                actor=request.user,
                action="accounts.otp_devices_listed_by_staff",
                subject_type=self.opts.label_lower,
                after=changelist_look(request),
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            staff_read_record(
                actor=request.user,
                action="accounts.otp_device_viewed_by_staff",
                subject_type=self.opts.label_lower,
                subject_id=object_id,
            )
        return response


admin.site.register(TOTPDevice, DeviceAdmin)
admin.site.register(StaticDevice, DeviceAdmin)
