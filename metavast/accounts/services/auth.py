"""Sign-up, sign-in and passwords.

Sign-up is sign-in with an SMS code for a number that has no account yet: the code proves
the mobile, so the new account's mobile is confirmed from the start. Password sign-in takes
the mobile (any spelling) or the official email; django-axes counts failures per identifier
and IP and lifts its lock by itself. Resetting a password only ever goes through a confirmed
contact: a code to the confirmed mobile or a link to the confirmed email.

These functions return the user; starting the browser or app session is the caller's next
call (services.sessions / services.tokens), because only it knows which one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from metavast.accounts.backends import canonical_identifier, user_by_identifier
from metavast.accounts.errors import AccountLocked, CodeInvalid, InvalidCredentials, LinkInvalid
from metavast.accounts.models import CodePurpose, User, UserSession
from metavast.accounts.services.codes import code_request, code_verify
from metavast.accounts.services.sessions import sessions_revoke_others
from metavast.audit.services import audit_record
from metavast.core.identifiers import normalize_mobile
from metavast.notifications.services import notify


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
    found = canonical_identifier(identifier)
    with transaction.atomic():
        audit_record(
            action="accounts.signin_failed",
            after={
                "method": "password",
                "identifier_kind": found[0] if found else "invalid",
                "locked": locked,
            },
        )
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
    an account exists. Raises ValidationError if the identifier is neither."""
    found = canonical_identifier(identifier)
    if found is None:
        raise ValidationError("شمارهٔ تلفن همراه یا ایمیل معتبر وارد کنید.", code="invalid")
    kind, canonical = found
    user = user_by_identifier(canonical)
    if kind == "mobile":
        has_mobile = user is not None and user.confirmed_mobile == canonical
        code_request(mobile=canonical, purpose=CodePurpose.RESET, ip=ip, deliver=has_mobile)
        return kind
    with transaction.atomic():
        if user is not None and user.confirmed_email == canonical:
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            token = default_token_generator.make_token(user)
            notify(
                user=user,
                template="accounts/password_reset",
                context={
                    "name": user.get_full_name(),
                    "link": f"{base_url.rstrip('/')}/accounts/password/reset/{uid}/{token}/",
                    "minutes": 60,
                },
                channels=("email",),
            )
        else:
            # Same work for an unknown address: make (and drop) a token.
            default_token_generator.make_token(User(pk=0, password="!", last_login=None))
        audit_record(
            action="accounts.password_reset_requested",
            subject=user,
            after={"channel": "email", "known": user is not None},
        )
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
