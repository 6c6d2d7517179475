"""Password sign-in by mobile (any spelling) or email, in constant work whether or not the
account exists, and the key django-axes counts failures under.

Every password check of the project ends here: the web and API sign-in and step-up go
through `services.auth.signin_with_password`, the admin's login through Django's
`authenticate`, and both reach `AccountBackend`. So the rule against guessing across
accounts lives here too. django-axes locks one account per IP after AXES_FAILURE_LIMIT
failures; a spray of a few guesses at many accounts never trips it. We therefore also
count failed checks per client IP (PASSWORD_FAILURE_LIMIT_PER_IP, an IPv6 /64 being one
client), in the cache under a keyed digest of the address. Past the limit, password checks
from that IP stop for PASSWORD_IP_LOCKOUT_SECONDS, the right password included: the
request is flagged like an axes lockout (web and admin get the lockout page with 429, the
API its JSON 429 `password_attempts_limited`). A success never resets the counter, so one
good account cannot launder an attacker's misses. Codes by SMS stay open: a shopper behind
the same NAT signs in with a code.

If the cache is down the IP rule stands aside (logged); axes, in the database, still
limits each account.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from metavast.accounts.models import User
from metavast.core import crypto
from metavast.core.clientip import request_ip
from metavast.core.identifiers import normalize_mobile

log = logging.getLogger(__name__)

# Set on the request when the IP rule refused a password check: the seconds left.
PASSWORD_IP_LIMITED_ATTRIBUTE = "password_ip_limited"


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
        users = users.filter(email_index=User.email_index_for(canonical))
    else:
        users = users.filter(mobile_index=User.mobile_index_for(canonical))
    return users.first()


# --- Guessing across accounts: failed password checks per client IP -------------------


def password_client(ip: str | None) -> str:
    """The client the IP rule counts: an IPv4 address, or an IPv6 address's /64.

    One subscriber usually holds a whole IPv6 /64 and could hop through it; IPv4 mapped into
    IPv6 counts as the IPv4 address it is.
    """
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _password_ip_keys(request) -> tuple[str, str]:
    digest = crypto.blind_index(
        password_client(request_ip(request)), purpose="accounts.password_ip"
    )[:32]
    return f"accounts:pwfail:{digest}", f"accounts:pwlock:{digest}"


def password_ip_locked_for(request) -> int:
    """Seconds left before password checks from this request's IP may resume; 0 if free."""
    if request is None:
        return 0
    _, lock_key = _password_ip_keys(request)
    try:
        until = cache.get(lock_key)
    except Exception:
        log.exception("password IP limit could not be read; axes still limits each account")
        return 0
    if not until:
        return 0
    return max(1, math.ceil(float(until) - time.time()))


def password_ip_failure_record(request) -> None:
    """Count one failed password check from this request's IP; lock the IP at the limit."""
    if request is None:
        return
    limit, window = settings.PASSWORD_FAILURE_LIMIT_PER_IP
    count_key, lock_key = _password_ip_keys(request)
    try:
        cache.add(count_key, 0, timeout=window)
        try:
            failures = cache.incr(count_key)
        except ValueError:  # the window ended between add and incr
            cache.set(count_key, 1, timeout=window)
            failures = 1
        if failures >= limit:
            seconds = settings.PASSWORD_IP_LOCKOUT_SECONDS
            cache.add(lock_key, time.time() + seconds, timeout=seconds)
            log.warning(
                "password sign-in paused for a client IP after repeated failures",
                extra={"failures": failures, "lockout_seconds": seconds},
            )
    except Exception:
        log.exception("password IP failure could not be counted; axes still limits each account")


class AccountBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or not password:
            return None
        locked_for = password_ip_locked_for(request)
        if locked_for:
            # Refused before any hashing, whoever the account: answered as a lockout (the
            # axes middleware shows its page; the API turns it into its JSON 429).
            setattr(request, PASSWORD_IP_LIMITED_ATTRIBUTE, locked_for)
            request.axes_locked_out = True
            raise PermissionDenied("password sign-in paused for this client IP")
        user = user_by_identifier(str(username))
        if user is None:
            # Hash anyway, so an unknown account answers as slowly as a wrong password.
            User().set_password(password)
            password_ip_failure_record(request)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        password_ip_failure_record(request)
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
