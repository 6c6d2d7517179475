"""Unreadable characters (control, bidi, invisible) are refused in every text people type,
on the web and in the API; staff screens isolate what was typed with <bdi>."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pydantic
import pytest
from django import forms
from django.template.loader import get_template
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja import Schema

from metavast.accounts.models import Address, User
from metavast.accounts.tests.conftest import MOBILE, PASSWORD, last_code, make_user, signin
from metavast.catalog.models import Product
from metavast.catalog.tests import factories as catalog_factories
from metavast.checkout.models import CheckoutDraft
from metavast.core.admin_money import rials_as_toman_input
from metavast.core.errors import INVISIBLE_CHARACTER, LINE_BREAK
from metavast.core.schemas import InputSchema, MultilineText, SecretText
from metavast.core.validators import PlainTextValidator, unreadable_character
from metavast.orders.models import Order
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    method,
    shop,  # noqa: F401  (fixture)
)

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
LRM, RLE, PDF = "\u200e", "\u202b", "\u202c"
ZWNJ = "\u200c"


def invisible_message(ch: str) -> str:
    return (
        f"این متن نویسهٔ نامرئی یا کنترلی دارد (U+{ord(ch):04X})؛ "
        "آن را پاک کنید و متن را دوباره بنویسید یا بچسبانید."
    )


LINE_BREAK_MESSAGE = "این فیلد یک‌خطی است؛ شکستن خط و تب در آن پذیرفته نیست."

# (text, the message a single-line field answers)
REFUSED = [
    pytest.param("سارا\x00", invisible_message("\x00"), id="nul"),
    pytest.param(f"سارا{RLO}", invisible_message(RLO), id="rlo"),
    pytest.param("سا\u200bرا", invisible_message("\u200b"), id="zwsp"),
    pytest.param("سا\u2060را", invisible_message("\u2060"), id="word-joiner"),
    pytest.param("\ufeffسارا", invisible_message("\ufeff"), id="bom"),
    pytest.param("سارا\u2066x\u2069", invisible_message("\u2066"), id="lri"),
    pytest.param(f"سارا{LRM}", invisible_message(LRM), id="lrm"),
    pytest.param("سارا\x1b[31m", invisible_message("\x1b"), id="escape"),
    pytest.param("سارا\nاحمدی", LINE_BREAK_MESSAGE, id="lf"),
    pytest.param("سارا\rاحمدی", LINE_BREAK_MESSAGE, id="cr"),
    pytest.param("سارا\tاحمدی", LINE_BREAK_MESSAGE, id="tab"),
]


# --- the rule itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "ch",
    [
        *"\x00\x01\x07\x1b\x7f\x85\x9f",  # C0, DEL, C1
        *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",  # embeddings..isolates
        *"\u200e\u200f\u061c",  # bidi marks
        *"\u200b\u2060\ufeff\u00ad\U000e0041",  # zero-width space, WJ, BOM, soft hyphen, tag
        *"\u2028\u2029",  # Unicode's line and paragraph separators
        *"\ud800\ue000\U000f0000\uffff\ufdd0\u0378",  # surrogate, private use, nonchar, Cn
        *"\u3164\u115f",  # Hangul fillers: "blank" letters
    ],
)
def test_refused_in_single_and_multi_line_text(ch):
    for multiline in (False, True):
        assert unreadable_character(f"متن{ch}متن", multiline=multiline) == (
            INVISIBLE_CHARACTER,
            ch,
        )


@pytest.mark.parametrize("ch", ["\n", "\r", "\t"])
def test_line_breaks_and_tabs_only_in_multi_line_text(ch):
    assert unreadable_character(f"خط یک{ch}خط دو") == (LINE_BREAK, ch)
    assert unreadable_character(f"خط یک{ch}خط دو", multiline=True) is None


@pytest.mark.parametrize(
    "text",
    [
        f"محمد{ZWNJ}علی",  # ZWNJ is Persian spelling
        "👨\u200d👩\u200d👧",  # ZWJ joins emoji
        "Ünïcødé ۱۲۳ ١٢٣ café",
        "iPhone 13 پرو\u00a0مکس",  # NBSP from copy-paste
        "",
    ],
)
def test_plain_text_passes(text):
    assert unreadable_character(text) is None


@pytest.mark.parametrize(
    "number",
    [f"{LRM}۰۹۱۲ ۱۲۳ ۴۵۶۷{LRM}", f"\u202a+98 912 123 4567{PDF}", f"{RLE}09121234567{PDF}"],
)
def test_a_pasted_number_may_keep_its_bidi_marks(number):
    assert unreadable_character(number) is None


@pytest.mark.parametrize("text", [f"{RLO}09121234567", f"{LRM}سارا", f"{RLE}abc{PDF}"])
def test_overrides_around_numbers_and_marks_around_words_are_refused(text):
    assert unreadable_character(text) is not None


# --- every Django form, present and future ------------------------------------------------


class FutureForm(forms.Form):
    """A form written after this fix, that names no validator."""

    title = forms.CharField(max_length=100)
    note = forms.CharField(widget=forms.Textarea, required=False)
    secret = forms.CharField(widget=forms.PasswordInput, strip=False, required=False)
    tags = forms.JSONField(required=False)


def test_every_form_char_field_refuses_unreadable_characters_without_naming_it():
    form = FutureForm(
        data={"title": f"عنوان{RLO}", "note": "خط\r\nخط\u2028دو", "tags": '["a\\u202eb"]'}
    )
    assert not form.is_valid()
    assert form.errors == {
        "title": [invisible_message(RLO)],
        "note": [invisible_message("\u2028")],
        "tags": [invisible_message(RLO)],
    }
    assert form.errors.as_data()["title"][0].code == INVISIBLE_CHARACTER


def test_textarea_keeps_lines_single_line_refuses_them_and_passwords_pass():
    ok = FutureForm(data={"title": f"گوشی{ZWNJ}ها", "note": "خط یک\r\nخط\tدو", "secret": RLO})
    assert ok.is_valid(), ok.errors
    assert ok.cleaned_data["note"] == "خط یک\r\nخط\tدو"
    assert ok.cleaned_data["secret"] == RLO
    bad = FutureForm(data={"title": "خط یک\nخط دو"})
    assert bad.errors["title"] == [LINE_BREAK_MESSAGE]


def test_the_widget_decides_even_when_swapped_after_construction():
    form = FutureForm(data={"title": "خط یک\nخط دو"})
    form.fields["title"].widget = forms.Textarea()
    assert form.is_valid(), form.errors


def test_a_nul_gets_one_persian_message():
    form = FutureForm(data={"title": "a\x00b"})
    assert form.errors["title"] == [invisible_message("\x00")]


def test_validator_for_model_fields():
    with pytest.raises(Exception) as caught:
        PlainTextValidator()("a\u200bb")
    assert caught.value.code == INVISIBLE_CHARACTER
    PlainTextValidator(multiline=True)("a\nb")


class FutureIn(InputSchema):
    """An API input written after this fix."""

    name: str
    note: MultilineText = ""
    tags: list[str] = []
    secret: SecretText | None = None


def test_input_schema_checks_every_field_by_its_kind():
    ok = FutureIn.model_validate({"name": f"نام{ZWNJ}ها", "note": "a\r\nb\tc", "secret": RLO})
    assert (ok.note, ok.secret) == ("a\r\nb\tc", RLO)
    with pytest.raises(pydantic.ValidationError) as caught:
        FutureIn.model_validate({"name": "x\ny", "note": f"a{RLO}b", "tags": ["ok", "\x00"]})
    assert {e["loc"]: (e["type"], e["msg"]) for e in caught.value.errors()} == {
        ("name",): (LINE_BREAK, LINE_BREAK_MESSAGE),
        ("note",): (INVISIBLE_CHARACTER, invisible_message(RLO)),
        ("tags",): (INVISIBLE_CHARACTER, invisible_message("\x00")),
    }


# --- over HTTP: web forms -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("text, message", REFUSED)
def test_profile_page_refuses_and_keeps_the_old_names(client, text, message):
    user = make_user(first_name="سارا", last_name="احمدی")
    signin(client, user)
    response = client.post("/accounts/profile/", {"first_name": text, "last_name": "احمدی"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"first_name": [message]}
    assert message in response.content.decode()
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("سارا", "احمدی")


@pytest.mark.django_db
def test_profile_page_keeps_zwnj(client):
    user = make_user()
    signin(client, user)
    response = client.post(
        "/accounts/profile/", {"first_name": f"محمد{ZWNJ}علی", "last_name": "احمدی"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.first_name == f"محمد{ZWNJ}علی"


ADDRESS_FORM = {
    "label": "خانه",
    "province": "tehran",
    "city": "تهران",
    "street": "خیابان ولیعصر",
    "plaque": "۱۲",
    "postal_code": "1193653471",
    "receiver_is_self": "0",
    "receiver_first_name": "مریم",
    "receiver_last_name": "کریمی",
    "receiver_mobile": "۰۹۱۳ ۱۱۱ ۲۲۳۳",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, text, message",
    [
        ("street", f"خیابان{RLO}ولیعصر", invisible_message(RLO)),
        ("label", "خانه\nدوم", LINE_BREAK_MESSAGE),
        ("receiver_first_name", "مریم\x00", invisible_message("\x00")),
        ("plaque", f"{RLO}۱۲", invisible_message(RLO)),
    ],
    ids=["street-rlo", "label-lf", "receiver-nul", "plaque-rlo"],
)
def test_address_book_refuses_and_saves_nothing(client, field, text, message):
    user = make_user()
    signin(client, user)
    response = client.post("/accounts/addresses/new/", {**ADDRESS_FORM, field: text})
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert not Address.objects.exists()


@pytest.mark.django_db
def test_address_book_accepts_a_receiver_mobile_pasted_with_bidi_marks(client):
    user = make_user()
    signin(client, user)
    mobile = f"{LRM}{RLE}۰۹۱۳ ۱۱۱ ۲۲۳۳{PDF}{LRM}"
    response = client.post("/accounts/addresses/new/", {**ADDRESS_FORM, "receiver_mobile": mobile})
    assert response.status_code == 302
    assert Address.objects.get().receiver_mobile == "+989131112233"


@pytest.mark.django_db
@pytest.mark.usefixtures("shop")
def test_checkout_receiver_refuses_and_keeps_the_draft_unchanged(client):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    address = make_address(buyer)
    client.force_login(buyer)
    response = client.post(
        "/checkout/address/",
        {
            "address": str(address.pk),
            "receiver_is_self": "0",
            "receiver_first_name": f"نرگس{RLO}",
            "receiver_last_name": "احمدی\r\n",
            "receiver_mobile": "09198765432",
        },
    )
    assert response.status_code == 200
    assert response.context["receiver_form"].errors == {
        "receiver_first_name": [invisible_message(RLO)],
    }
    draft = CheckoutDraft.objects.filter(user=buyer).first()
    assert draft is None or (draft.address_id, draft.receiver_first_name) == (None, "")


@pytest.mark.django_db
def test_a_mobile_pasted_with_bidi_marks_still_signs_in_on_the_web(client):
    user = make_user()
    response = client.post(
        "/accounts/login/",
        {"action": "code", "mobile": f"{LRM}{RLE}۰۹۱۲ ۱۲۳ ۴۵۶۷{PDF}", "next": ""},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    response = client.post("/accounts/login/code/", {"code": last_code()})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


# --- over HTTP: the API -------------------------------------------------------------------

API = "/api/v1"


def api(client, method: str, path: str, body: dict):
    return getattr(client, method)(
        f"{API}{path}", json.dumps(body), content_type="application/json"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("text, message", REFUSED)
def test_api_profile_refuses_with_the_field_named(client, text, message):
    user = make_user(first_name="سارا", last_name="احمدی")
    signin(client, user)
    response = api(client, "patch", "/accounts/me", {"first_name": text})
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "message": "ورودی نامعتبر است.",
        "fields": {"first_name": [message]},
    }
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("سارا", "احمدی")


@pytest.mark.django_db
def test_api_address_refuses_and_saves_nothing(client):
    user = make_user()
    signin(client, user)
    body = {
        "province": "tehran",
        "city": "تهران",
        "street": "خیابان\u2067ولیعصر",
        "plaque": "۱۰",
        "postal_code": "1413943391",
        "receiver_is_self": False,
        "receiver_first_name": "رضا\n",
        "receiver_last_name": "محمدی",
        "receiver_mobile": f"{LRM}09351234567{LRM}",
    }
    response = api(client, "post", "/accounts/me/addresses", body)
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "street": [invisible_message("\u2067")],
        "receiver_first_name": [LINE_BREAK_MESSAGE],
    }
    assert not Address.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("shop")
def test_api_checkout_refuses_a_receiver_name_and_places_nothing(client):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    address = make_address(buyer)
    client.force_login(buyer)
    response = api(
        client,
        "post",
        "/checkout/orders",
        {
            "address_id": address.pk,
            "receiver": {"is_self": False, "first_name": f"{RLO}نرگس", "last_name": "احمدی"},
            "shipping_method_id": method().pk,
            "idempotency_key": "control-chars-1",
        },
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"receiver.first_name": [invisible_message(RLO)]}
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_mobile_pasted_with_bidi_marks_still_signs_in_through_the_api(client):
    user = make_user()
    marked = f"{LRM}\u202a۰۹۱۲ ۱۲۳ ۴۵۶۷{PDF}{LRM}"
    assert api(client, "post", "/accounts/auth/code/request", {"mobile": marked}).status_code == 202
    response = api(
        client, "post", "/accounts/auth/signup", {"mobile": marked, "code": last_code(MOBILE)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] is False
    response = api(client, "post", "/accounts/auth/signin", {"login": marked, "password": PASSWORD})
    assert response.status_code == 200, response.content
    access = response.json()["access"]
    me = client.get(f"{API}/accounts/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert me.json()["id"] == user.pk and User.objects.count() == 1


@pytest.mark.django_db
def test_api_passwords_are_not_checked(client):
    odd = "tab\there-and-\u202e-9318"
    make_user(password=odd)
    response = api(client, "post", "/accounts/auth/signin", {"login": MOBILE, "password": odd})
    assert response.status_code == 200, response.content


def _schema_classes(annotation) -> typing.Iterator[type]:
    if isinstance(annotation, type) and issubclass(annotation, Schema):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _schema_classes(arg)


def _has_pattern(field) -> bool:
    return any(getattr(m, "pattern", None) for m in field.metadata)


# Path parameters the view itself matches against a pattern, answering 404 otherwise.
MATCHED_IN_THE_VIEW = {("catalog", "slug"), ("storefront", "slug")}


def test_every_api_input_schema_derives_from_the_plain_text_base():
    """New endpoints cannot forget the check: request schemas derive from InputSchema, and a
    bare string parameter carries a pattern (or is matched in its view)."""
    from config.api import api as ninja_api

    seen, offenders = 0, []
    for router in ninja_api._get_bound_routers():  # nested routers too (accounts' flows)
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                app = operation.view_func.__module__.split(".")[1]
                for model in operation.models:
                    for name, field in model.model_fields.items():
                        schemas = list(_schema_classes(field.annotation))
                        for schema in schemas:
                            seen += 1
                            if not issubclass(schema, InputSchema):
                                offenders.append(f"{app}: {schema.__name__}")
                        text_param = str in {field.annotation, *typing.get_args(field.annotation)}
                        if (
                            not schemas
                            and text_param
                            and not _has_pattern(field)
                            and (app, name) not in MATCHED_IN_THE_VIEW
                        ):
                            offenders.append(f"{app}: parameter {name!r} of {path_view}")
    assert seen >= 15  # the walk really found the request schemas
    assert offenders == []


def test_no_module_of_the_apps_imports_the_configuration_package():
    """ErrorOut and the input base live in core: apps never reach up into config/."""
    root = Path(__file__).resolve().parents[2]
    importers = [
        str(path.relative_to(root.parent))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and re.search(r"^\s*(from|import)\s+config\b", path.read_text(), re.MULTILINE)
    ]
    assert importers == []


# --- staff screens: <bdi> around what people typed ----------------------------------------


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser("staff@example.com", "a-long-password-1")
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_admin_templates_are_the_core_overrides():
    core_templates = Path(__file__).resolve().parents[1] / "templates"
    for name in (
        "admin/change_list_results.html",
        "admin/includes/fieldset.html",
        "admin/edit_inline/tabular.html",
    ):
        assert Path(get_template(name).origin.name).is_relative_to(core_templates), name


XSS = '<script>alert("x")</script>'
XSS_ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.mark.django_db
def test_changelist_cells_are_isolated_and_still_escaped(staff_client):
    product = catalog_factories.product(f"{XSS}{RLO}", variants=1)
    page = staff_client.get("/admin/catalog/product/").content.decode()
    assert XSS not in page
    link = re.search(r'<th class="field-title"><bdi><a href="[^"]+">(.*?)</a></bdi></th>', page)
    assert link is not None and link.group(1) == f"{XSS_ESCAPED}{RLO}"
    assert f'<td class="field-category nowrap"><bdi>{product.category.name}</bdi></td>' in page
    assert '<td class="action-checkbox"><input' in page  # form controls are left alone


@pytest.mark.django_db
def test_read_only_fields_are_isolated_and_still_escaped(staff_client):
    product = catalog_factories.product(XSS, variants=1)
    variant = product.variants.get()
    page = staff_client.get(f"/admin/catalog/variant/{variant.pk}/change/").content.decode()
    assert XSS not in page
    assert f'<div class="readonly"><bdi>{variant.sku}</bdi></div>' in page
    assert re.search(rf'<div class="readonly"><bdi><a href="[^"]+">{re.escape(XSS_ESCAPED)}', page)
    inline = staff_client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    assert "<p><bdi>۰</bdi></p>" in inline  # a tabular inline's read-only "reserved"


@pytest.mark.django_db
def test_admin_product_title_is_refused_and_the_description_keeps_its_lines(staff_client):
    product = catalog_factories.product("گوشی", variants=1)
    variant = product.variants.get()
    data = {
        "title": f"گوشی{RLO}",
        "slug": product.slug,
        "category": product.category_id,
        "brand": "",
        "description": "خط یک\r\nخط دو",
        "is_published": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-0-id": variant.pk,
        "variants-0-product": product.pk,
        "variants-0-sku": variant.sku,
        "variants-0-options": '[["رنگ", "آبی"]]',
        "variants-0-price": rials_as_toman_input(variant.price),  # typed in Toman
        "variants-0-compare_at_price": "",
        "variants-0-on_hand": variant.on_hand,
        "variants-0-is_active": "on",
        "variants-0-position": "0",
        "specs-TOTAL_FORMS": "0",
        "specs-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }
    url = f"/admin/catalog/product/{product.pk}/change/"
    refused = staff_client.post(url, data)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {"title": [invisible_message(RLO)]}
    assert Product.objects.get(pk=product.pk).title == "گوشی"

    saved = staff_client.post(url, {**data, "title": "گوشی تازه"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    product.refresh_from_db()
    assert (product.title, product.description) == ("گوشی تازه", "خط یک\r\nخط دو")


@pytest.mark.django_db
def test_csv_import_refuses_a_row_with_a_bidi_override(django_user_model):
    import tablib

    from metavast.catalog.resources import VariantResource

    staff = django_user_model.objects.create_superuser("staff@example.com", "a-long-password-1")
    catalog_factories.category(name="کتاب", slug="books")
    rows = [
        "sku,product_slug,product_title,category_slug,brand,options,price,compare_at_price,on_hand",
        f"NEW-1,new-book,کتاب{RLO}تازه,books,,,500000,,3",
    ]
    dataset = tablib.Dataset().load("\n".join(rows), format="csv")
    result = VariantResource().import_data(dataset, dry_run=False, user=staff)
    assert result.has_errors()
    errors = [str(e.error) for row in result.rows for e in row.errors]
    assert errors == [f"product_title: {invisible_message(RLO)}"]
    assert not Product.objects.filter(slug="new-book").exists()


# --- PostgreSQL: a NUL used to be a 500 ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_nul_is_a_422_not_a_500_on_postgresql(client):
    user = make_user(first_name="سارا")
    signin(client, user)
    client.raise_request_exception = False
    response = api(client, "patch", "/accounts/me", {"first_name": "a\u0000b"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"first_name": [invisible_message("\x00")]}
    address = api(
        client,
        "post",
        "/accounts/me/addresses",
        {
            "province": "tehran",
            "city": "تهران",
            "street": "خیابان\x00",
            "plaque": "۱",
            "postal_code": "1413943391",
        },
    )
    assert address.status_code == 422
    assert client.get(f"{API}/pages/a%00b").status_code == 404
    user.refresh_from_db()
    assert user.first_name == "سارا" and not Address.objects.exists()
