"""The profile and its contacts (P2): names, national code, email, mobile, landline.

A new email or mobile never becomes official on the customer's word: it waits in
`*_pending` until a link with an opaque token (email) or an SMS code (mobile) proves it, and the
confirmation tells the previous confirmed contacts about the change (notify() reads them
before the swap). Whether the new address belongs to someone else is only revealed after
that proof, so the request itself enumerates nothing. The landline is recorded as declared.

Callers check the step-up (password or fresh code) before the change requests.
"""

from __future__ import annotations

import json
import time

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from metavast.accounts import limits
from metavast.accounts.errors import (
    ContactTaken,
    ContactUnchanged,
    LinkInvalid,
    NothingPending,
)
from metavast.accounts.models import CodePurpose, User
from metavast.accounts.services.codes import code_request, code_verify, mask_mobile
from metavast.audit.services import audit_record
from metavast.core import crypto
from metavast.core.identifiers import (
    normalize_landline,
    normalize_mobile,
    normalize_national_code,
)
from metavast.core.validators import person_name_error
from metavast.notifications.services import notify, send_verification

EMAIL_CONFIRM_SALT = "metavast.accounts.email_confirm"


def mask_email(email: str) -> str:
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:2]}***@{domain}"


def _locked(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _tell_confirmed_contacts(user: User, *, kind: str, new_value: str | None = None) -> None:
    """Queue `accounts/contact_changed` to the user's confirmed contacts. Call it *before*
    changing them: notify() reads them now, so the old address hears of the change."""
    context = {"name": user.get_full_name(), "kind": kind, "when": timezone.now()}
    if new_value is not None:
        context["new_value"] = new_value  # masked
    notify(user=user, template="accounts/contact_changed", context=context)


def profile_update(*, user: User, first_name: str, last_name: str, national_code: str = "") -> User:
    """Names and the optional national code; nothing else can change through here.

    Raises a ValidationError keyed by field (first_name, last_name, national_code) for a name
    with emoji, symbols or digits, or a national code that is not one; nothing is saved then."""
    errors: dict[str, list[ValidationError]] = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        error = person_name_error(value.strip())
        if error is not None:
            errors[field] = [error]
    try:
        national_code = normalize_national_code(national_code) if national_code.strip() else ""
    except ValidationError as exc:
        errors["national_code"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = _locked(user)
        changed = []
        for field, value in (
            ("first_name", first_name.strip()[:80]),
            ("last_name", last_name.strip()[:80]),
            ("national_code", national_code),
        ):
            if getattr(user, field) != value:
                setattr(user, field, value)
                changed.append(field)
        if changed:
            user.save(update_fields=[*changed, "national_code_index"])
            # Names of the changed fields only: the values are personal data.
            audit_record(
                action="accounts.profile_updated",
                actor=user,
                subject=user,
                after={"fields": changed},
            )
    return user


# --- Email ---------------------------------------------------------------------------


def normalize_email_address(value: str) -> str:
    email = User.objects.normalize_email(value)
    validate_email(email)
    if len(email) > 254:
        raise ValidationError("ایمیل بیش از اندازه بلند است.", code="invalid")
    return email


def email_confirm_token(*, user: User, email: str) -> str:
    """An opaque link token: the account, the address and the time, encrypted (Fernet, the
    field keys). A signed-only token is base64 of its payload, so the link itself would carry
    the address into mail logs, browser history and referrers; this one carries ciphertext."""
    payload = json.dumps({"s": EMAIL_CONFIRM_SALT, "u": user.pk, "e": email, "t": int(time.time())})
    return crypto.encrypt(payload)


def _email_confirm_payload(token: str) -> tuple[int, str]:
    try:
        data = json.loads(crypto.decrypt(token))
        if data.get("s") != EMAIL_CONFIRM_SALT:
            raise ValueError("another token kind")
        age = time.time() - int(data["t"])
        user_id, email = int(data["u"]), str(data["e"])
    except (InvalidToken, KeyError, TypeError, ValueError, AttributeError, UnicodeError):
        raise LinkInvalid() from None
    if not 0 <= age <= settings.EMAIL_CONFIRM_MAX_AGE:
        raise LinkInvalid()
    return user_id, email


def email_change_request(*, user: User, email: str, base_url: str, ip: str | None = None) -> User:
    """Record `email` as waiting and send it a signed confirmation link.

    Throttled like SMS codes (limits.email_send_allowed): a cooldown per target address,
    then counters per target address, per account, per IP (when the caller knows it) and
    a global cap; a refused request changes nothing and sends nothing. The mail goes to an
    address nobody has proved yet, so it carries only the shop's own words and the link:
    no name or anything else a requester could choose.
    """
    email = normalize_email_address(email)
    if email == user.confirmed_email:
        raise ContactUnchanged()
    limits.email_send_allowed(email=email, kind="confirm", ip=ip, user_id=user.pk)
    with transaction.atomic():
        user = _locked(user)
        user.email_pending = email
        user.email_pending_at = timezone.now()
        user.save(update_fields=["email_pending", "email_pending_at"])
        token = email_confirm_token(user=user, email=email)
        send_verification(
            channel="email",
            address=email,
            template="accounts/email_confirm",
            context={
                "link": f"{base_url.rstrip('/')}/accounts/email/confirm/{token}/",
                "hours": settings.EMAIL_CONFIRM_MAX_AGE // 3600,
            },
        )
        audit_record(
            action="accounts.email_change_requested",
            actor=user,
            subject=user,
            after={"email": mask_email(email)},
        )
    return user


def email_confirm_peek(*, token: str) -> tuple[User, str]:
    """The user and address a link confirms, without confirming (for the GET page)."""
    user_id, email = _email_confirm_payload(token)
    try:
        user = User.objects.get(pk=user_id, is_active=True)
    except User.DoesNotExist:
        raise LinkInvalid() from None
    if user.email_pending != email and user.confirmed_email != email:
        raise LinkInvalid()  # a newer request replaced this one
    return user, email


def email_change_confirm(*, token: str) -> User:
    user, email = email_confirm_peek(token=token)
    try:
        with transaction.atomic():
            user = _locked(user)
            if user.confirmed_email == email:
                return user  # the link was used already: nothing to do
            if user.email_pending != email:
                raise LinkInvalid()
            if User.objects.by_email(email).exclude(pk=user.pk).exists():
                raise ContactTaken()
            old = user.confirmed_email
            _tell_confirmed_contacts(user, kind="email", new_value=mask_email(email))
            user.email = email
            user.email_confirmed_at = timezone.now()
            user.email_pending = ""
            user.email_pending_at = None
            user.save(
                update_fields=["email", "email_confirmed_at", "email_pending", "email_pending_at"]
            )
            audit_record(
                action="accounts.email_confirmed",
                actor=user,
                subject=user,
                before={"email": mask_email(old or "")},
                after={"email": mask_email(email)},
            )
    except IntegrityError:
        raise ContactTaken() from None
    return user


# --- Mobile --------------------------------------------------------------------------


def mobile_change_request(*, user: User, mobile: str, ip: str | None) -> User:
    """Record `mobile` as waiting and text it a code (purpose change_mobile).

    If it is the official mobile that was never confirmed, this confirms it instead.
    """
    mobile = normalize_mobile(mobile)
    if mobile == user.confirmed_mobile:
        raise ContactUnchanged()
    purpose = CodePurpose.CHANGE_MOBILE
    if mobile == user.mobile:
        purpose = CodePurpose.CONFIRM_MOBILE
    # Limits first: a refused send leaves the pending number untouched.
    code_request(mobile=mobile, purpose=purpose, ip=ip, actor=user)
    with transaction.atomic():
        user = _locked(user)
        user.mobile_pending = mobile
        user.mobile_pending_at = timezone.now()
        user.save(update_fields=["mobile_pending", "mobile_pending_at"])
        audit_record(
            action="accounts.mobile_change_requested",
            actor=user,
            subject=user,
            after={"mobile": mask_mobile(mobile)},
        )
    return user


def mobile_change_confirm(*, user: User, code: str) -> User:
    pending = user.mobile_pending
    if not pending:
        raise NothingPending()
    purpose = CodePurpose.CONFIRM_MOBILE if pending == user.mobile else CodePurpose.CHANGE_MOBILE
    code_verify(mobile=pending, purpose=purpose, code=code)  # outside: attempts must stick
    index = User.mobile_index_for(pending)
    try:
        with transaction.atomic():
            user = _locked(user)
            if user.mobile_pending != pending:
                raise NothingPending()
            if User.objects.filter(mobile_index=index).exclude(pk=user.pk).exists():
                raise ContactTaken()
            old = user.confirmed_mobile
            if pending != old:
                _tell_confirmed_contacts(user, kind="mobile", new_value=mask_mobile(pending))
            user.mobile = pending
            user.mobile_confirmed_at = timezone.now()
            user.mobile_pending = ""
            user.mobile_pending_at = None
            user.save(
                update_fields=[
                    "mobile",
                    "mobile_index",
                    "mobile_confirmed_at",
                    "mobile_pending",
                    "mobile_pending_at",
                ]
            )
            audit_record(
                action="accounts.mobile_confirmed",
                actor=user,
                subject=user,
                before={"mobile": mask_mobile(old or "")},
                after={"mobile": mask_mobile(pending)},
            )
    except IntegrityError:
        raise ContactTaken() from None
    return user


# --- Landline (recorded as declared) ----------------------------------------------------


def landline_set(*, user: User, landline: str) -> User:
    landline = normalize_landline(landline) if landline.strip() else ""
    with transaction.atomic():
        user = _locked(user)
        if user.landline == landline:
            return user
        before = mask_mobile(user.landline)
        if user.landline:
            # Not a confirmed contact, but a change of it is worth a word to the confirmed ones.
            _tell_confirmed_contacts(user, kind="landline")
        user.landline = landline
        user.landline_declared_at = timezone.now() if landline else None
        user.save(update_fields=["landline", "landline_declared_at"])
        audit_record(
            action="accounts.landline_set",
            actor=user,
            subject=user,
            before={"landline": before},
            after={"landline": mask_mobile(landline)},
        )
    return user
