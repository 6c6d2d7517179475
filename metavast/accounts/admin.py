from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from metavast.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("-date_joined",)
    list_display = ("id", "email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("مشخصات", {"fields": ("first_name", "last_name", "mobile")}),
        ("دسترسی", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("تاریخ‌ها", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups",)
