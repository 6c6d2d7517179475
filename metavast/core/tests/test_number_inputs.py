"""Every number field of every form takes «۳» and «٣», and none renders as type="number".

The forms are found, not listed: every ``forms.Form``/``ModelForm`` class defined in a
metavast module (storefront and admin action forms), every registered ModelAdmin's form and
its inlines' forms. A number field added next year is checked without anyone remembering.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError

import metavast
from metavast.core import numbers

NUMBER_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)
TYPED = ("۳", "٣", "3")


def _import_form_modules() -> None:
    """Import each app's forms and admin modules so their form classes exist."""
    for config in apps.get_app_configs():
        if not config.name.startswith("metavast."):
            continue
        package = importlib.import_module(config.name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{config.name}."):
            leaf = info.name.rsplit(".", 1)[-1]
            if "tests" in info.name.split(".") or "migrations" in info.name.split("."):
                continue
            if leaf in {"forms", "admin", "views", "web", "staff", "admin_actions"} or (
                ".forms." in info.name or ".views." in info.name or ".admin." in info.name
            ):
                importlib.import_module(info.name)


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _project_form_classes() -> list[type[forms.BaseForm]]:
    _import_form_modules()
    found = {
        cls
        for cls in _all_subclasses(forms.BaseForm)
        if cls.__module__.startswith("metavast.") and ".tests" not in cls.__module__
    }
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _check_field(where: str, name: str, field: forms.Field) -> list[str]:
    problems = []
    widget = field.widget
    if getattr(widget, "input_type", "") == "number":
        problems.append(f"{where}.{name}: renders as type=number (drops Persian digits)")
    for typed in TYPED:
        raw = widget.value_from_datadict({name: typed}, {}, name)
        try:
            value = field.to_python(raw)
        except ValidationError:
            problems.append(f"{where}.{name}: refuses {typed!r}")
            continue
        if value != 3 and value != Decimal(3):
            problems.append(f"{where}.{name}: {typed!r} became {value!r}")
    return problems


def test_project_forms_are_found():
    names = {c.__name__ for c in _project_form_classes()}
    # The two admin forms the issue was found on, and a storefront form: the search works.
    assert {"RefundForm", "BulkPriceForm", "BulkStockForm", "ProfileForm"} <= names, names


def test_every_form_number_field_accepts_persian_and_arabic_indic_digits():
    problems: list[str] = []
    checked = 0
    for form_class in _project_form_classes():
        for name, field in form_class.base_fields.items():
            if isinstance(field, NUMBER_FIELDS):
                checked += 1
                problems += _check_field(form_class.__qualname__, name, field)
    assert checked >= 3  # the admin's refund amount, price-change percent and stock at least
    assert problems == []


@pytest.mark.django_db
def test_every_model_admin_number_field_accepts_persian_and_arabic_indic_digits(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    problems: list[str] = []
    checked = 0
    for model, model_admin in admin.site._registry.items():
        form_classes = [model_admin.get_form(request)]
        for inline in model_admin.get_inline_instances(request):
            form_classes.append(inline.get_formset(request).form)
        for form_class in form_classes:
            for name, field in form_class.base_fields.items():
                if isinstance(field, NUMBER_FIELDS):
                    checked += 1
                    problems += _check_field(model._meta.label, name, field)
    assert checked >= 5
    assert problems == []


def test_a_non_number_is_refused_in_persian_not_dropped():
    field = forms.IntegerField(required=False)
    raw = field.widget.value_from_datadict({"n": "سه"}, {}, "n")
    with pytest.raises(ValidationError) as caught:
        field.clean(raw)
    message = " ".join(caught.value.messages)
    assert re.search(r"[\u0600-\u06ff]", message), message
    assert field.clean(field.widget.value_from_datadict({"n": "۱۲۰٬۰۰۰"}, {}, "n")) == 120000
    decimal = forms.DecimalField()
    assert decimal.clean(decimal.widget.value_from_datadict({"d": "۶٫۷"}, {}, "d")) == Decimal(
        "6.7"
    )


def test_parse_int_for_raw_inputs():
    assert numbers.parse_int("۱۲") == 12
    assert numbers.parse_int("١٢") == 12
    assert numbers.parse_int("1.5") is None
    assert numbers.parse_int("") is None


def test_no_template_has_a_number_input():
    root = Path(metavast.__file__).resolve().parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if re.search(r"""type=["']?number""", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
