"""Sign-up, sign-in and passwords.

Sign-up is sign-in with an SMS code for a number that has no account yet: the code proves
the mobile, so the new account's mobile is confirmed from the start. Password sign-in takes
the mobile (any spelling) or the official email; django-axes counts failures per identifier
and IP and lifts its lock by itself. Resetting a password only ever goes through a confirmed
contact: a code to the confirmed mobile or a link to the confirmed email. The reset request
is throttled like SMS codes and looks nothing up: a queued task finds the account and sends
(services.reset), so its answer and its timing are the same whether or not one exists.

These functions return the user; starting the browser or app session is the caller's next
call (services.sessions / services.tokens), because only it knows which one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from metavast.accounts import limits
from metavast.accounts.backends import PASSWORD_IP_LIMITED_ATTRIBUTE, canonical_identifier
from metavast.accounts.errors import (
    AccountLocked,
    CodeInvalid,
    InvalidCredentials,
    LinkInvalid,
    PasswordAttemptsLimited,
)
from metavast.accounts.models import CodePurpose, User, UserSession
from metavast.accounts.services.codes import code_request, code_verify
from metavast.accounts.services.sessions import sessions_revoke_others, stepup_is_fresh
from metavast.accounts.tasks import password_reset_deliver
from metavast.audit.services import audit_record
from metavast.core import crypto
from metavast.core.identifiers import normalize_mobile
from metavast.notifications.services import notify

# Set in the browser session by the sign-up that created the account (see welcome).
SIGNUP_SESSION_KEY = "accounts_signup"


@dataclass(frozen=True)
class CodeSignin:
    user: User
    created: bool


def signin_with_password(*, request, identifier: str, password: str) -> User:
    """The user for these credentials, or InvalidCredentials / AccountLocked.

    The same error, after the same hashing work, whether the account exists or not.
    """
    user = authenticate(request, username=identifier, password=password)
    if user is not None:
        return user
    locked = bool(getattr(request, "axes_locked_out", False))
    # Seconds left when the per-IP rule (accounts.backends) refused the check, else 0.
    ip_locked_for = getattr(request, PASSWORD_IP_LIMITED_ATTRIBUTE, 0)
    found = canonical_identifier(identifier)
    with transaction.atomic():
        audit_record(
            action="accounts.signin_failed",
            after={
                "method": "password",
                "identifier_kind": found[0] if found else "invalid",
                "locked": locked,
                "ip_limited": bool(ip_locked_for),
            },
        )
    if ip_locked_for:
        raise PasswordAttemptsLimited(ip_locked_for)
    raise AccountLocked() if locked else InvalidCredentials()


def signin_code_request(*, mobile: str, ip: str | None) -> None:
    """Send a sign-in (or sign-up) code; the same for known and new numbers."""
    code_request(mobile=mobile, purpose=CodePurpose.SIGNIN, ip=ip)


def signin_with_code(
    *,
    mobile: str,
    code: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> CodeSignin:
    """Verify a sign-in code; the account is created if the number is new (sign-up).

    `first_name`, `last_name` and `password` are only used for a new account; an existing
    one is signed in unchanged.
    """
    if password:
        validate_password(password)
    try:
        code_verify(mobile=mobile, purpose=CodePurpose.SIGNIN, code=code)
    except Exception:
        with transaction.atomic():
            audit_record(action="accounts.signin_failed", after={"method": "sms_code"})
        raise
    mobile = normalize_mobile(mobile)
    now = timezone.now()
    try:
        with transaction.atomic():
            user = User.objects.by_mobile(mobile).select_for_update().first()
            created = user is None
            if created:
                user = User(
                    mobile=mobile,
                    mobile_confirmed_at=now,
                    first_name=first_name.strip()[:80],
                    last_name=last_name.strip()[:80],
                )
                if password:
                    user.set_password(password)
                else:
                    user.set_unusable_password()
                user.save()
                audit_record(
                    action="accounts.signup", actor=user, subject=user, after={"method": "sms"}
                )
            elif user.mobile_confirmed_at is None:
                # The code just proved this number: it is confirmed from now on.
                user.mobile_confirmed_at = now
                user.save(update_fields=["mobile_confirmed_at"])
    except IntegrityError:
        # Two first sign-ins of one new number raced; the other one created the account.
        user, created = User.objects.by_mobile(mobile).get(), False
    return CodeSignin(user=user, created=created)


# --- The first password on /accounts/welcome/ -----------------------------------------
#
# Setting a password ends every other session, so whoever sets it owns the account. The
# welcome page may offer it without a step-up only to the person who has just created the
# account, in that same browser session and for WELCOME_PASSWORD_MAX_AGE; later it needs a
# fresh step-up like /accounts/password/ does (a borrowed, unlocked phone hours after
# sign-in must not take the account over).


def signup_session_mark(*, request, user: User) -> None:
    """Remember in this browser session that `user` was created here just now."""
    request.session[SIGNUP_SESSION_KEY] = {"uid": user.pk, "at": time.time()}


def signup_session_clear(*, request) -> None:
    request.session.pop(SIGNUP_SESSION_KEY, None)


def _signup_is_recent(request, user: User) -> bool:
    mark = request.session.get(SIGNUP_SESSION_KEY)
    if not isinstance(mark, dict) or mark.get("uid") != user.pk:
        return False
    try:
        age = time.time() - float(mark.get("at"))
    except (TypeError, ValueError):
        return False
    return 0 <= age < settings.WELCOME_PASSWORD_MAX_AGE


def welcome_password_allowed(*, request, user: User) -> bool:
    """May the welcome page set `user`'s first password in this session?"""
    if user.has_usable_password():
        return False  # changing one always goes through /accounts/password/ and its step-up
    return _signup_is_recent(request, user) or stepup_is_fresh(request)


def password_set(
    *,
    user: User,
    new_password: str,
    keep: UserSession | None,
    reason: str = "change",
) -> User:
    """Set a new password and end every other session of the user.

    The caller must have checked the step-up (password or fresh code) or the reset proof.
    """
    validate_password(new_password, user)
    with transaction.atomic():
        had_password = user.has_usable_password()
        user.set_password(new_password)
        user.save(update_fields=["password"])
        sessions_revoke_others(user=user, keep=keep, reason=f"password_{reason}")
        notify(
            user=user,
            template="accounts/password_changed",
            context={"when": timezone.now(), "first_time": not had_password},
        )
        audit_record(
            action="accounts.password_changed",
            actor=user,
            subject=user,
            after={"reason": reason, "first_time": not had_password},
        )
    return user


# --- Reset: a code to the confirmed mobile, or a link to the confirmed email -----------


def password_reset_request(*, identifier: str, ip: str | None, base_url: str) -> str:
    """Start a reset; returns "mobile" or "email" (what the person typed), never whether
    an account exists. Raises ValidationError if the identifier is neither, and the send
    limits' errors: CodeCooldown / CodeLimited for a mobile, EmailCooldown / EmailLimited
    for an email (per address, per IP, global), CodeUnavailable if the limit store is down.

    Known and unknown addresses do exactly the same work here: the limit checks, one audit
    row and one queued task; the account is looked up only in that task (services.reset).
    """
    found = canonical_identifier(identifier)
    if found is None:
        raise ValidationError("شمارهٔ تلفن همراه یا ایمیل معتبر وارد کنید.", code="invalid")
    kind, canonical = found
    if kind == "mobile":
        index = User.mobile_index_for(canonical)
        limits.code_send_allowed(mobile_index=index, purpose=CodePurpose.RESET, ip=ip)
        subject_type = "accounts.mobile"
    else:
        limits.email_send_allowed(email=canonical, kind="reset", ip=ip or "unknown")
        index = limits.email_index(canonical)
        subject_type = "accounts.email"
    task_kwargs = {
        "kind": kind,
        "sealed_address": crypto.encrypt(canonical),
        "base_url": base_url,
    }
    with transaction.atomic():
        audit_record(
            action="accounts.password_reset_requested",
            subject_type=subject_type,
            subject_id=index[:16],
            after={"channel": kind},
        )
        transaction.on_commit(partial(password_reset_deliver.delay, **task_kwargs), robust=True)
    return kind


def password_reset_with_code(*, mobile: str, code: str, new_password: str) -> User:
    validate_password(new_password)
    code_verify(mobile=mobile, purpose=CodePurpose.RESET, code=code)
    user = User.objects.by_mobile(mobile).filter(mobile_confirmed_at__isnull=False).first()
    if user is None:  # the number lost its account between request and verify
        raise CodeInvalid()
    return password_set(user=user, new_password=new_password, keep=None, reason="reset")


def password_reset_link_user(*, uidb64: str, token: str) -> User:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
        user = User.objects.get(pk=pk, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        raise LinkInvalid() from None
    if user.confirmed_email is None or not default_token_generator.check_token(user, token):
        raise LinkInvalid()
    return user


def password_reset_with_link(*, uidb64: str, token: str, new_password: str) -> User:
    user = password_reset_link_user(uidb64=uidb64, token=token)
    return password_set(user=user, new_password=new_password, keep=None, reason="reset")
