"""The admin opens only for staff who passed TOTP two-factor in this session.

`protect_admin(site)` must run before `site.urls` is read (config/urls.py). A staff member
signed in without a verified device is sent to /accounts/staff/2fa/, which sets one up
(QR code) if they have none. Everyone else gets the admin's own login page.
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


def _verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def protect_admin(site) -> None:
    base_has_permission = site.has_permission
    base_login = site.login

    def has_permission(request):
        return base_has_permission(request) and _verified(request.user)

    def login(request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not _verified(user):
            target = request.GET.get("next") or reverse("admin:index", current_app=site.name)
            return redirect(f"{reverse('accounts:staff_2fa')}?{urlencode({'next': target})}")
        return base_login(request, extra_context)

    site.has_permission = has_permission
    site.login = login
