from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from metavast.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("-date_joined",)
    list_display = ("id", "email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    list_filter = ("is_staff", "is_superuser", "is_active")
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

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "email") if obj is not None else fields

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
        ("دسترسی", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("تاریخ‌ها", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups",)
