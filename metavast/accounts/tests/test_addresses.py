"""The address book: Iran's provinces and cities, validation, another receiver, encryption."""

import pytest
from django.db import connection

from metavast.accounts.models import Address, iran_divisions
from metavast.accounts.tests.conftest import make_user, signin

pytestmark = pytest.mark.django_db

FOR_SOMEONE_ELSE = {
    "label": "خانهٔ مادر",
    "province": "isfahan",
    "city": "کاشان",
    "street": "خیابان امیرکبیر",
    "alley": "کوچهٔ گلستان",
    "plaque": "۱۲",
    "unit": "۳",
    "postal_code": "۸۷۱۳۷۶۵۴۳۱",
    "receiver_is_self": "0",
    "receiver_first_name": "مریم",
    "receiver_last_name": "کریمی",
    "receiver_mobile": "۰۹۱۳ ۱۱۱ ۲۲۳۳",
}


def test_the_data_set_has_all_31_provinces_with_their_centres():
    divisions = iran_divisions()
    assert len(divisions) == 31
    centres = {d["name"]: d["cities"][0] for d in divisions.values()}
    assert centres["تهران"] == "تهران"
    assert centres["خراسان رضوی"] == "مشهد"
    assert centres["آذربایجان غربی"] == "ارومیه"
    assert all(len(d["cities"]) >= 5 for d in divisions.values())


def test_add_an_address_for_someone_else(client, user):
    signin(client, user)
    response = client.post("/accounts/addresses/new/", FOR_SOMEONE_ELSE)
    assert response.status_code == 302
    address = Address.objects.get()
    assert (address.user, address.is_default, address.receiver_is_self) == (user, True, False)
    assert address.postal_code == "8713765431" and address.plaque == "12"
    assert address.receiver_mobile == "+989131112233"
    page = client.get("/accounts/addresses/").content.decode()
    assert "مریم کریمی" in page and "کاشان" in page


def test_address_fields_and_receiver_phone_are_encrypted_at_rest(client, user):
    signin(client, user)
    client.post("/accounts/addresses/new/", FOR_SOMEONE_ELSE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT street, alley, plaque, postal_code, receiver_first_name, receiver_mobile"
            " FROM accounts_address"
        )
        row = cursor.fetchone()
    for plain, stored in zip(
        ["امیرکبیر", "گلستان", "12", "8713765431", "مریم", "9131112233"], row, strict=True
    ):
        # Fernet tokens; a two-character plaintext like "12" can occur in the base64 by chance.
        assert stored.startswith("gAAAAA") and stored != plain
        assert len(plain) < 4 or plain not in stored


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postal_code", "12345", "کد پستی باید ده رقم"),
        ("postal_code", "0000000000", "کد پستی باید ده رقم"),
        ("city", "مشهد", "معتبر"),
        ("province", "atlantis", "انتخاب"),
        ("receiver_mobile", "02188776655", "تلفن همراه معتبر نیست"),
        ("receiver_first_name", "", "لازم"),
    ],
)
def test_bad_address_input_is_refused_in_persian(client, user, field, value, message):
    signin(client, user)
    response = client.post("/accounts/addresses/new/", {**FOR_SOMEONE_ELSE, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Address.objects.exists()


def test_self_receiver_keeps_no_receiver_data(client, user):
    signin(client, user)
    client.post(
        "/accounts/addresses/new/",
        {**FOR_SOMEONE_ELSE, "receiver_is_self": "1", "receiver_mobile": "bad"},
    )
    address = Address.objects.get()
    assert (address.receiver_first_name, address.receiver_mobile) == ("", "")


def test_another_customers_address_is_not_found(client, user):
    stranger = make_user(mobile="+989122222222")
    signin(client, stranger)
    client.post("/accounts/addresses/new/", FOR_SOMEONE_ELSE)
    theirs = Address.objects.get()
    signin(client, user)
    assert client.get(f"/accounts/addresses/{theirs.pk}/").status_code == 404
    assert client.post(f"/accounts/addresses/{theirs.pk}/delete/").status_code == 404
    assert Address.objects.filter(pk=theirs.pk).exists()


def test_one_default_address(client, user):
    signin(client, user)
    client.post("/accounts/addresses/new/", FOR_SOMEONE_ELSE)
    client.post("/accounts/addresses/new/", {**FOR_SOMEONE_ELSE, "is_default": "on"})
    assert Address.objects.filter(is_default=True).count() == 1
    first, second = Address.objects.order_by("pk")
    assert second.is_default and not first.is_default
    client.post(f"/accounts/addresses/{second.pk}/delete/")
    first.refresh_from_db()
    assert first.is_default


def test_city_options_follow_the_province(client):
    html = client.get("/accounts/addresses/cities/", {"province": "fars"}).content.decode()
    assert "شیراز" in html and "تبریز" not in html
