"""The address book. The receiver may be the customer or another person (P4)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from metavast.accounts.errors import AddressLimit
from metavast.accounts.models import Address, User, iran_divisions
from metavast.audit.services import audit_record
from metavast.core.errors import NotFound
from metavast.core.identifiers import normalize_mobile, normalize_postal_code
from metavast.core.text import to_ascii_digits


@dataclass
class AddressInput:
    province: str
    city: str
    street: str
    plaque: str
    postal_code: str
    alley: str = ""
    unit: str = ""
    label: str = ""
    receiver_is_self: bool = True
    receiver_first_name: str = ""
    receiver_last_name: str = ""
    receiver_mobile: str = ""
    is_default: bool = False


def _clean(data: AddressInput) -> dict:
    errors: dict[str, list[str]] = {}

    def need(field: str, value: str, max_length: int) -> str:
        value = (value or "").strip()
        if not value:
            errors.setdefault(field, []).append("این فیلد لازم است.")
        elif len(value) > max_length:
            errors.setdefault(field, []).append(f"حداکثر {max_length} نویسه.")
        return value

    def optional(field: str, value: str, max_length: int) -> str:
        value = (value or "").strip()
        if len(value) > max_length:
            errors.setdefault(field, []).append(f"حداکثر {max_length} نویسه.")
        return value

    province = iran_divisions().get(data.province or "")
    if province is None:
        errors["province"] = ["استان را از فهرست انتخاب کنید."]
    elif (data.city or "").strip() not in province["cities"]:
        errors["city"] = ["شهر را از فهرست شهرهای این استان انتخاب کنید."]
    cleaned = {
        "province": data.province,
        "city": (data.city or "").strip(),
        "label": optional("label", data.label, 40),
        "street": need("street", data.street, 200),
        "alley": optional("alley", data.alley, 120),
        "plaque": need("plaque", to_ascii_digits(data.plaque or ""), 20),
        "unit": optional("unit", to_ascii_digits(data.unit or ""), 20),
        "receiver_is_self": bool(data.receiver_is_self),
        "is_default": bool(data.is_default),
    }
    try:
        cleaned["postal_code"] = normalize_postal_code(data.postal_code or "")
    except ValidationError as exc:
        errors["postal_code"] = list(exc.messages)
    if data.receiver_is_self:
        cleaned.update(receiver_first_name="", receiver_last_name="", receiver_mobile="")
    else:
        cleaned["receiver_first_name"] = need("receiver_first_name", data.receiver_first_name, 80)
        cleaned["receiver_last_name"] = need("receiver_last_name", data.receiver_last_name, 80)
        try:
            cleaned["receiver_mobile"] = normalize_mobile(data.receiver_mobile or "")
        except ValidationError as exc:
            errors["receiver_mobile"] = list(exc.messages)
    if errors:
        raise ValidationError({k: [ValidationError(m) for m in v] for k, v in errors.items()})
    return cleaned


def _set_default(user: User, address: Address) -> None:
    Address.objects.of(user).filter(is_default=True).exclude(pk=address.pk).update(is_default=False)


def address_create(*, user: User, data: AddressInput) -> Address:
    cleaned = _clean(data)
    with transaction.atomic():
        # Lock the user row: the count check and the insert must not race.
        User.objects.select_for_update().filter(pk=user.pk).first()
        count = Address.objects.of(user).count()
        if count >= Address.MAX_PER_USER:
            raise AddressLimit()
        if count == 0:
            cleaned["is_default"] = True
        if cleaned["is_default"]:
            Address.objects.of(user).filter(is_default=True).update(is_default=False)
        address = Address.objects.create(user=user, **cleaned)
        audit_record(
            action="accounts.address_created",
            actor=user,
            subject=address,
            after={"receiver_is_self": address.receiver_is_self, "province": address.province},
        )
    return address


def address_update(*, user: User, address_id: int, data: AddressInput) -> Address:
    cleaned = _clean(data)
    with transaction.atomic():
        address = Address.objects.of(user).select_for_update().filter(pk=address_id).first()
        if address is None:
            raise NotFound()
        if cleaned["is_default"]:
            _set_default(user, address)
        elif address.is_default:
            cleaned["is_default"] = True  # the default moves only by choosing another
        for field, value in cleaned.items():
            setattr(address, field, value)
        address.save()
        audit_record(
            action="accounts.address_updated",
            actor=user,
            subject=address,
            after={"receiver_is_self": address.receiver_is_self, "province": address.province},
        )
    return address


def address_delete(*, user: User, address_id: int) -> None:
    with transaction.atomic():
        address = Address.objects.of(user).select_for_update().filter(pk=address_id).first()
        if address is None:
            raise NotFound()
        was_default = address.is_default
        address.delete()
        if was_default:
            nxt = Address.objects.of(user).order_by("-created_at").first()
            if nxt is not None:
                Address.objects.filter(pk=nxt.pk).update(is_default=True)
        audit_record(
            action="accounts.address_deleted",
            actor=user,
            subject_type="accounts.address",
            subject_id=address_id,
        )
