"""Addresses over the API: Iran's provinces and cities, and the customer's address book."""

from __future__ import annotations

from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from metavast.accounts.api._common import PRIVATE, errors
from metavast.accounts.api_auth import token_or_session
from metavast.accounts.models import Address, iran_divisions
from metavast.accounts.services import addresses as address_services
from metavast.accounts.services.addresses import AddressInput
from metavast.core.errors import NotFound
from metavast.core.schemas import InputSchema

provinces_router = Router()
address_book_router = Router()


class AddressIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "label": "خانه",
                    "province": "tehran",
                    "city": "تهران",
                    "street": "خیابان ولیعصر",
                    "alley": "کوچهٔ بهار",
                    "plaque": "۱۰",
                    "unit": "۳",
                    "postal_code": "1413943391",
                    "receiver_is_self": True,
                    "is_default": True,
                }
            ]
        }
    )

    label: str = Field("", max_length=40)
    province: str = Field(..., max_length=40)
    city: str = Field(..., max_length=60)
    street: str = Field(..., max_length=200)
    alley: str = Field("", max_length=120)
    plaque: str = Field(..., max_length=20)
    unit: str = Field("", max_length=20)
    postal_code: str = Field(..., max_length=32)
    receiver_is_self: bool = True
    receiver_first_name: str = Field("", max_length=80)
    receiver_last_name: str = Field("", max_length=80)
    receiver_mobile: str = Field("", max_length=64)
    is_default: bool = False


class AddressOut(Schema):
    id: int
    label: str
    province: str
    province_name: str
    city: str
    street: str
    alley: str
    plaque: str
    unit: str
    postal_code: str
    receiver_is_self: bool
    receiver_first_name: str
    receiver_last_name: str
    receiver_mobile: str
    is_default: bool


class ProvinceOut(Schema):
    code: str
    name: str
    cities: list[str]


def _address(a: Address) -> dict:
    return {
        "id": a.pk,
        "label": a.label,
        "province": a.province,
        "province_name": a.province_name,
        "city": a.city,
        "street": a.street,
        "alley": a.alley,
        "plaque": a.plaque,
        "unit": a.unit,
        "postal_code": a.postal_code,
        "receiver_is_self": a.receiver_is_self,
        "receiver_first_name": a.receiver_first_name,
        "receiver_last_name": a.receiver_last_name,
        "receiver_mobile": a.receiver_mobile,
        "is_default": a.is_default,
    }


@provinces_router.get(
    "/provinces",
    response=list[ProvinceOut],
    summary="استان‌ها و شهرهای ایران",
    operation_id="accounts_list_provinces",
)
def provinces_endpoint(request):
    return [
        {"code": c, "name": p["name"], "cities": p["cities"]} for c, p in iran_divisions().items()
    ]


@address_book_router.get(
    "/me/addresses",
    auth=token_or_session,
    response={200: list[AddressOut], **errors(*PRIVATE)},
    operation_id="accounts_list_addresses",
)
def addresses_endpoint(request):
    return Status(200, [_address(a) for a in Address.objects.of(request.auth)])


@address_book_router.post(
    "/me/addresses",
    auth=token_or_session,
    response={201: AddressOut, **errors(*PRIVATE)},
    operation_id="accounts_create_address",
)
def address_create_endpoint(request, payload: AddressIn):
    address = address_services.address_create(
        user=request.auth, data=AddressInput(**payload.dict())
    )
    return Status(201, _address(address))


@address_book_router.get(
    "/me/addresses/{address_id}",
    auth=token_or_session,
    response={200: AddressOut, **errors(*PRIVATE)},
    operation_id="accounts_get_address",
)
def address_endpoint(request, address_id: int):
    address = Address.objects.of(request.auth).filter(pk=address_id).first()
    if address is None:
        raise NotFound()
    return Status(200, _address(address))


@address_book_router.put(
    "/me/addresses/{address_id}",
    auth=token_or_session,
    response={200: AddressOut, **errors(*PRIVATE)},
    operation_id="accounts_update_address",
)
def address_update_endpoint(request, address_id: int, payload: AddressIn):
    address = address_services.address_update(
        user=request.auth, address_id=address_id, data=AddressInput(**payload.dict())
    )
    return Status(200, _address(address))


@address_book_router.delete(
    "/me/addresses/{address_id}",
    auth=token_or_session,
    response={204: None, **errors(*PRIVATE)},
    operation_id="accounts_delete_address",
)
def address_delete_endpoint(request, address_id: int):
    address_services.address_delete(user=request.auth, address_id=address_id)
    return Status(204, None)
