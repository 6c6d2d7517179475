"""Money in the back office is typed and shown in Toman, kept in Rials (core/admin_money.py).

QA (admin report, item 4): the product page said «کمترین قیمت: ۳۶٬۵۸۰٬۰۰۰ تومان» while the
variant input asked «قیمت (ریال)» with ۳۶۵٬۸۰۰٬۰۰۰; a clerk typing the Toman figure set a price
ten times too low.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from metavast.catalog.models import Variant
from metavast.core.admin_money import (
    MAX_RIALS,
    TomanField,
    TomanInput,
    rials_as_toman_input,
    toman_formfield,
    toman_label,
)
from metavast.core.admin_persian import RIAL_MARK, is_money_field
from metavast.core.tests.test_number_inputs import _project_form_classes
from metavast.promotions.models import DiscountCode

LATIN_DIGIT = re.compile(r"[0-9]")


class PriceForm(forms.Form):
    price = TomanField(label="قیمت (تومان)")
    compare_at_price = TomanField(label="قیمت پیش از تخفیف (تومان)", required=False)


def _post(typed: str, field: TomanField | None = None):
    field = field or TomanField()
    return field.clean(field.widget.value_from_datadict({"p": typed}, {}, "p"))


@pytest.mark.parametrize(
    ("rials", "shown"),
    [
        (365_800_000, "۳۶٬۵۸۰٬۰۰۰"),
        (125_005, "۱۲٬۵۰۰٫۵"),  # an odd Rial is shown, not rounded away
        (10, "۱"),
        (5, "۰٫۵"),
        (0, "۰"),
    ],
)
def test_rials_round_trip_through_the_toman_input_unchanged(rials, shown):
    form = PriceForm(initial={"price": rials})
    assert form["price"].value() == rials
    assert TomanInput().format_value(rials) == shown == rials_as_toman_input(rials)
    assert f'value="{shown}"' in str(form["price"])
    bound = PriceForm(data={"price": shown, "compare_at_price": ""}, initial={"price": rials})
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data == {"price": rials, "compare_at_price": None}
    assert bound.changed_data == []  # an untouched amount is not a change


@pytest.mark.parametrize(
    "typed",
    [
        "۳۶٬۵۸۰٬۰۰۰",  # Persian digits, Persian thousands sign
        "٣٦٬٥٨٠٬٠٠٠",  # Arabic-Indic digits
        "٣٦،٥٨٠،٠٠٠",  # Arabic comma as the separator
        "36,580,000",
        "36580000",
        " ۳۶ ۵۸۰ ۰۰۰ ",
        "۳۶۵۸۰۰۰۰٫۰",
        "36580000.0",
    ],
)
def test_toman_is_typed_with_any_digits_and_stored_as_rials(typed):
    assert _post(typed) == 365_800_000


def test_one_decimal_of_a_toman_is_a_whole_rial():
    assert _post("۱۲٬۵۰۰٫۵") == 125_005
    assert _post("12500.5") == 125_005
    assert _post("12500.50") == 125_005


@pytest.mark.parametrize("typed", ["12.55", "۱۲٫۰۵", "٠٫٠١"])
def test_a_fraction_of_a_rial_is_refused_in_persian(typed):
    with pytest.raises(ValidationError) as caught:
        _post(typed)
    assert caught.value.code == "fraction"
    assert "یک ریال" in caught.value.messages[0]


@pytest.mark.parametrize("typed", ["abc", "سه", "1e5", "12-3", "۱۲ تومان", "--5", "."])
def test_a_non_amount_is_refused_in_persian_not_dropped(typed):
    with pytest.raises(ValidationError) as caught:
        _post(typed)
    assert caught.value.code == "invalid"
    assert caught.value.messages == ["مبلغ را به تومان و فقط با رقم بنویسید، مثلاً ۱۲۵٬۰۰۰."]


def test_a_negative_amount_is_refused():
    with pytest.raises(ValidationError) as caught:
        _post("-۵")
    assert caught.value.messages == ["مبلغ نمی‌تواند منفی باشد."]


def test_the_upper_bound_is_said_in_persian_digits():
    assert _post("۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰") == MAX_RIALS
    with pytest.raises(ValidationError) as caught:
        _post("۱۰۰٬۰۰۰٬۰۰۰٬۰۰۱")
    message = caught.value.messages[0]
    assert message == "مبلغ نمی‌تواند بیشتر از ۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰ تومان باشد."
    assert not LATIN_DIGIT.search(message)
    with pytest.raises(ValidationError):
        _post("9" * 40)  # beyond the column, still a Persian message, never a 500


def test_a_minimum_above_zero_is_said_in_toman():
    with pytest.raises(ValidationError) as caught:
        _post("۰", TomanField(min_value=10_000))
    assert caught.value.messages == ["مبلغ نمی‌تواند کمتر از ۱٬۰۰۰ تومان باشد."]


def test_a_required_amount_left_empty_gets_the_persian_required_message():
    form = PriceForm(data={"price": "", "compare_at_price": ""})
    assert not form.is_valid()
    assert form.errors["price"] == ["این فیلد لازم است."]


def test_a_refused_amount_is_shown_again_as_typed_in_persian_digits():
    form = PriceForm(data={"price": "12.55", "compare_at_price": ""})
    assert not form.is_valid()
    html = str(form["price"])
    assert 'value="۱۲.۵۵"' in html
    assert 'type="text"' in html and 'inputmode="decimal"' in html and 'dir="ltr"' in html


def test_labels_say_toman():
    assert toman_label("قیمت (ریال)") == "قیمت (تومان)"
    assert toman_label("مبلغ") == "مبلغ (تومان)"
    assert toman_label("مبلغ (تومان)") == "مبلغ (تومان)"


@pytest.mark.parametrize(
    ("model", "name", "label", "required"),
    [
        (Variant, "price", "قیمت (تومان)", True),
        (Variant, "compare_at_price", "قیمت پیش از تخفیف (تومان)", False),
        (DiscountCode, "amount", "مبلغ تخفیف (تومان)", False),
    ],
)
def test_a_model_rial_field_becomes_a_toman_field(model, name, label, required):
    field = toman_formfield(model._meta.get_field(name))
    assert isinstance(field, TomanField) and isinstance(field.widget, TomanInput)
    assert (str(field.label), field.required) == (label, required)
    # The column's own limits (0 … 9223372036854775807) give way to the sensible bound.
    assert (field.min_value, field.max_value) == (0, MAX_RIALS)


# ---------------------------------------------------------------------------- every admin form

# A plain admin form still asking for Rials, in a file another fix owns. Remove the entry when
# it declares ``TomanField``: the test then keeps it that way.
RIAL_FORMS_TO_CONVERT: set[str] = set()


@pytest.mark.django_db
def test_every_admin_money_input_is_typed_in_toman(rf, admin_user):
    """Every editable Rial field of every registered admin and inline, and every form field
    labelled in Rials, is a Toman field: a money field added later cannot ask for Rials."""
    request = rf.get("/")
    request.user = admin_user
    problems, checked = [], 0
    for model, model_admin in admin.site._registry.items():
        forms_of_page = []
        # A read-only page (a dashboard, a record) has a form class but never shows it.
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
            forms_of_page.append((model, model_admin.get_form(request)))
        for inline in model_admin.get_inline_instances(request):
            if inline.has_add_permission(request, None) or inline.has_change_permission(request):
                forms_of_page.append((inline.model, inline.get_formset(request).form))
        for form_model, form_class in forms_of_page:
            for name, field in form_class.base_fields.items():
                try:
                    db_field = form_model._meta.get_field(name)
                except Exception:
                    continue
                if is_money_field(db_field):
                    checked += 1
                    if not isinstance(field, TomanField) or "(تومان)" not in str(field.label):
                        problems.append(f"{form_model._meta.label}.{name} in {model_admin}")
    for form_class in _project_form_classes():
        for name, field in form_class.base_fields.items():
            where = f"{form_class.__module__}.{form_class.__qualname__}.{name}"
            if RIAL_MARK in str(field.label or "") and where not in RIAL_FORMS_TO_CONVERT:
                problems.append(where)
    # Variant price and compare-at price, shipping cost, discount amount and minimum cart.
    assert checked >= 5
    assert problems == []
