"""Password sign-in by mobile (any spelling) or email, in constant work whether or not the
account exists, and the key django-axes counts failures under."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from metavast.accounts.models import User
from metavast.core import crypto
from metavast.core.identifiers import normalize_mobile


def canonical_identifier(value: str) -> tuple[str, str] | None:
    """("email", address) or ("mobile", E.164) for what a person typed, or None."""
    value = (value or "").strip()
    if not value or len(value) > 254:
        return None
    if "@" in value:
        return "email", User.objects.normalize_email(value)
    try:
        return "mobile", normalize_mobile(value)
    except ValidationError:
        return None


def user_by_identifier(value: str) -> User | None:
    found = canonical_identifier(value)
    if found is None:
        return None
    kind, canonical = found
    users = User.objects.all()
    if kind == "email":
        users = users.filter(email__iexact=canonical)
    else:
        users = users.filter(mobile_index=User.mobile_index_for(canonical))
    return users.first()


class AccountBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or not password:
            return None
        user = user_by_identifier(str(username))
        if user is None:
            # Hash anyway, so an unknown account answers as slowly as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials=None) -> str:
    """Axes' key for an attempt: a keyed digest of the canonical mobile or email.

    Every spelling of a number («۰۹۱۲…», "+98 912…") shares one counter, and axes' tables
    never hold a plaintext phone number or email.
    """
    raw = ""
    if credentials:
        raw = credentials.get("username") or credentials.get(User.USERNAME_FIELD) or ""
    elif request is not None:
        raw = getattr(request, "POST", {}).get("username", "")
    found = canonical_identifier(str(raw))
    canonical = ":".join(found) if found else str(raw).strip().lower()[:254]
    return crypto.blind_index(canonical, purpose="accounts.axes")[:40]
