"""The admin speaks Persian: Jalali dates, Toman, Persian digits and labels, for every model.

Django's admin shows a date through the active locale's format strings, which can only spell a
Gregorian date («۲ دسامبر ۲۰۲۶»), and numbers through ``number_format`` with Latin digits. Rather
than a display method per column in every app, this module changes the few functions through
which the admin shows and reads every value, once, at start-up (``install()``, called from
``PersianAdminConfig.ready`` after the admin modules are loaded):

- ``display_for_field`` / ``display_for_value`` (lists and read-only fields): dates and
  datetimes in Jalali with Persian digits in Tehran time, numbers with Persian digits, money
  (an integer field whose label says «(ریال)») in Toman, and status choices through the
  staff-side labels an app registered with ``register_staff_choices``.
- the form fields: number, date and datetime inputs are text inputs that accept Persian and
  Arabic-Indic digits and the ٬ separator; dates are typed and shown as Jalali «۱۴۰۵/۰۹/۰۵».
- date filters: a Jalali filter (today, past 7 and 30 days, this and last Jalali month, this
  Jalali year) replaces Django's Gregorian one, and replaces the Gregorian ``date_hierarchy``
  bar too (the field moves into the filters).
- third-party apps: section and model names and the few English strings their admins show are
  given Persian words here; what staff need not see is unregistered.

Every patch keeps Django's signature and falls back to Django's own code for anything it does not
handle, so an upgrade that changes the admin breaks loudly in tests/test_admin_persian.py, not
silently on screen.
"""

from __future__ import annotations

import datetime
import re
from typing import Final

import jdatetime
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import filters as admin_filters
from django.contrib.admin import helpers as admin_helpers
from django.contrib.admin import options as admin_options
from django.contrib.admin import utils as admin_utils
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.utils import timezone
from django.utils.safestring import mark_safe

from metavast.core import jalali, money, numbers, text

# The unit a money field's label ends with: inputs take Rials, lists show Toman.
RIAL_MARK: Final = "(ریال)"

# Staff-side labels for choice fields, keyed by (app_label, model_name, field_name).
_STAFF_CHOICES: dict[tuple[str, str, str], dict[str, str]] = {}


def register_staff_choices(model: type[models.Model], field_name: str, labels: dict) -> None:
    """Show ``labels`` (value → staff wording) instead of a field's choice labels in the admin;
    the customer side keeps the model's wording. Values missing from ``labels`` keep theirs."""
    meta = model._meta
    _STAFF_CHOICES[(meta.app_label, meta.model_name, field_name)] = {
        str(value): str(label) for value, label in labels.items()
    }


def staff_choices(field) -> list[tuple]:
    """The field's choices with staff-side labels (used by lists, filters and forms)."""
    model = getattr(field, "model", None)
    overrides = {}
    if model is not None:
        meta = model._meta
        overrides = _STAFF_CHOICES.get((meta.app_label, meta.model_name, field.name), {})
    return [(value, overrides.get(str(value), label)) for value, label in field.flatchoices]


def is_money_field(field) -> bool:
    """An integer field labelled in Rials («مبلغ کل (ریال)»)."""
    return isinstance(field, models.IntegerField) and RIAL_MARK in str(
        getattr(field, "verbose_name", "")
    )


def format_number(value) -> str:
    return text.to_persian_digits(value)


# ---------------------------------------------------------------------------- display


_django_display_for_field = admin_utils.display_for_field
_django_display_for_value = admin_utils.display_for_value
_django_label_for_field = admin_utils.label_for_field
_django_help_text_for_field = admin_utils.help_text_for_field


def display_for_value(value, empty_value_display, boolean=False):
    if boolean or value is None or isinstance(value, bool):
        return _django_display_for_value(value, empty_value_display, boolean)
    if isinstance(value, datetime.datetime):
        return jalali.format_jalali_datetime(value)
    if isinstance(value, datetime.date):
        return jalali.format_jalali_date(value)
    if isinstance(value, int):
        return format_number(value)
    return _django_display_for_value(value, empty_value_display, boolean)


def display_for_field(value, field, empty_value_display, avoid_link=False):
    if getattr(field, "flatchoices", None):
        if value in (None, ""):
            return empty_value_display
        try:
            return dict(staff_choices(field)).get(value, empty_value_display)
        except TypeError:
            return _django_display_for_field(value, field, empty_value_display, avoid_link)
    if isinstance(field, models.BooleanField) or value in getattr(field, "empty_values", ()):
        return _django_display_for_field(value, field, empty_value_display, avoid_link)
    if isinstance(field, models.DateTimeField) and isinstance(value, datetime.datetime):
        return jalali.format_jalali_datetime(value)
    if isinstance(field, models.DateField) and isinstance(value, datetime.date):
        return jalali.format_jalali_date(value)
    if isinstance(field, models.IntegerField) and isinstance(value, int):
        if is_money_field(field):
            return money.format_toman(value)
        return format_number(value)
    if isinstance(field, (models.DecimalField, models.FloatField)):
        return format_number(_django_display_for_field(value, field, empty_value_display))
    return _django_display_for_field(value, field, empty_value_display, avoid_link)


def label_for_field(name, model, model_admin=None, return_attr=False, form=None):
    """Django's label, with the unit dropped from money columns (their values say «تومان»)."""
    result = _django_label_for_field(name, model, model_admin, return_attr, form)
    label = result[0] if return_attr else result
    label = third_party_field_label(model, name) or label
    try:
        field = model._meta.get_field(name)
    except Exception:  # not a model field: a callable or attribute keeps its own label
        field = None
    if field is not None and is_money_field(field):
        label = str(label).replace(RIAL_MARK, "").strip()
    if return_attr:
        return label, result[1]
    return label


# ---------------------------------------------------------------------------- inputs

# The number inputs and parsers are every form's, not only the admin's: core/numbers.py.
normalise_number = numbers.normalise_number
PersianNumberInput = numbers.PersianNumberInput


_JALALI_DATE = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})")
_TIME = re.compile(r"(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2}))?\s*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$")

# The Jalali years a date typed by staff may have: 1300 (1921) to 1499 (2121). Any four digits
# used to pass, so «2026-12-20», a Gregorian date typed by habit or pasted, was read as Jalali
# and stored as 2648-03-10, unseen in lists that show no year. Such a date is refused, not
# converted: the field says Jalali, a date silently moved to another day (a delivery window,
# a discount's last day) is worse than an error, and «2026/03/04» might even be month-first.
# The error gives the Jalali equivalent, so fixing it is one copy.
JALALI_YEARS: Final = range(1300, 1500)
# Four-digit years that are Gregorian, never Jalali (which ends its range at 1499).
_GREGORIAN_YEARS: Final = range(1900, 2200)


def _jalali_parts(value: str) -> tuple[int, int, int] | None:
    match = _JALALI_DATE.match(text.to_ascii_digits(value or ""))
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    return year, month, day


def parse_jalali_date(value: str) -> datetime.date | None:
    """«۱۴۰۵/۰۹/۰۵» (any digits, / - or . between) → the Gregorian date, or None (also for a
    year outside JALALI_YEARS)."""
    parts = _jalali_parts(value)
    if parts is None or parts[0] not in JALALI_YEARS:
        return None
    try:
        return jdatetime.date(*parts).togregorian()
    except ValueError:
        return None


def jalali_date_error(value: str) -> str | None:
    """Why typed text that has the shape of a date is not a Jalali date, in Persian; None when
    it is one, or is not date-shaped at all (the field's own «invalid» message covers that)."""
    parts = _jalali_parts(value)
    if parts is None:
        return None
    year, month, day = parts
    if year in _GREGORIAN_YEARS:
        try:
            equivalent = jalali.format_jalali_numeric(datetime.date(year, month, day))
        except ValueError:
            equivalent = ""
        hint = f" (معادل خورشیدی این تاریخ: {equivalent})" if equivalent else ""
        return text.to_persian_digits(
            f"سال {year} میلادی است؛ تاریخ را خورشیدی بنویسید{hint}، مانند ۱۴۰۵/۰۹/۰۵."
        )
    if year not in JALALI_YEARS:
        return text.to_persian_digits(
            f"سال {year} خورشیدی پذیرفته نیست؛ سالی میان ۱۳۰۰ و ۱۴۹۹ بنویسید، مانند ۱۴۰۵."
        )
    try:
        jdatetime.date(year, month, day)
    except ValueError:
        return text.to_persian_digits(
            f"{year}/{month:02d}/{day:02d} روزی از تقویم خورشیدی نیست؛ ماه از ۱ تا ۱۲ است و "
            "روز تا ۳۱ (از مهر تا ۳۰، اسفند ۲۹ یا ۳۰)."
        )
    return None


class RefusedDate(str):
    """What a Jalali input hands its field for a date it refuses: text no date parser reads
    (so a plain DateField refuses it too), the typed text to show again, and the reason."""

    typed: str
    reason: str

    def __new__(cls, typed: str, reason: str):
        refused = super().__new__(cls, "\u2063refused-date")
        refused.typed, refused.reason = typed, reason
        return refused


def _refuse_or_none(value: str) -> RefusedDate | None:
    reason = jalali_date_error(value)
    return RefusedDate(value, reason) if reason else None


def _iso_to_jalali(value: str, with_time: bool) -> str | None:
    """The field's own ISO value redisplayed after an error elsewhere on the form, in Jalali."""
    match = _ISO_DATE.match(value.strip())
    if not match:
        return None
    try:
        day = jdatetime.date.fromgregorian(
            date=datetime.date(*(int(part) for part in match.groups()[:3]))
        )
    except ValueError:
        return None
    shown = f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
    if with_time and match.group(4):
        shown += f" {match.group(4)}:{match.group(5)}"
    return text.to_persian_digits(shown)


class JalaliDateInput(forms.TextInput):
    """A date typed and shown as a Jalali «۱۴۰۵/۰۹/۰۵»; the form field gets an ISO date."""

    def __init__(self, attrs=None):
        super().__init__({"dir": "ltr", "placeholder": "۱۴۰۵/۰۱/۳۱", "size": "12", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, RefusedDate):
            return value.typed
        if isinstance(value, datetime.date):
            return jalali.format_jalali_numeric(value)
        if isinstance(value, str):
            return _iso_to_jalali(value, with_time=False) or super().format_value(value)
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if not isinstance(value, str) or not value.strip():
            return value
        parsed = parse_jalali_date(value)
        if parsed is None:
            return _refuse_or_none(value) or value
        return parsed.isoformat()


class JalaliDateTimeInput(forms.TextInput):
    """«۱۴۰۵/۰۹/۰۵ ۱۴:۳۰» in Tehran time; the form field gets an ISO local datetime."""

    def __init__(self, attrs=None):
        super().__init__(
            {"dir": "ltr", "placeholder": "۱۴۰۵/۰۱/۳۱ ۱۴:۳۰", "size": "18", **(attrs or {})}
        )

    def format_value(self, value):
        if isinstance(value, RefusedDate):
            return value.typed
        if isinstance(value, datetime.datetime):
            jdt = jalali.to_jalali(value)
            return text.to_persian_digits(
                f"{jdt.year:04d}/{jdt.month:02d}/{jdt.day:02d} {jdt.hour:02d}:{jdt.minute:02d}"
            )
        if isinstance(value, str):
            return _iso_to_jalali(value, with_time=True) or super().format_value(value)
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if not isinstance(value, str) or not value.strip():
            return value
        parsed = parse_jalali_date(value)
        if parsed is None:
            return _refuse_or_none(value) or value
        time = _TIME.search(text.to_ascii_digits(value))
        hour, minute, second = (
            (int(time.group(1)), int(time.group(2)), int(time.group(3) or 0)) if time else (0, 0, 0)
        )
        return f"{parsed.isoformat()} {hour:02d}:{minute:02d}:{second:02d}"


_JALALI_INVALID: Final = "تاریخ را خورشیدی بنویسید، مانند ۱۴۰۵/۰۹/۰۵."


class JalaliDateField(forms.DateField):
    """The admin's date field: says why a date was refused (a Gregorian year, a 31st of
    Esfand), and reads only the ISO date its Jalali input hands it, never a month-first
    «12/20/2026» through Django's Gregorian input formats."""

    widget = JalaliDateInput
    input_formats = ["%Y-%m-%d"]
    default_error_messages = {"invalid": _JALALI_INVALID}

    def to_python(self, value):
        if isinstance(value, RefusedDate):
            raise forms.ValidationError(value.reason, code="invalid")
        return super().to_python(value)


class JalaliDateTimeField(forms.DateTimeField):
    widget = JalaliDateTimeInput
    default_error_messages = {"invalid": "زمان را خورشیدی بنویسید، مانند ۱۴۰۵/۰۹/۰۵ ۱۴:۳۰."}

    def to_python(self, value):
        if isinstance(value, RefusedDate):
            raise forms.ValidationError(value.reason, code="invalid")
        return super().to_python(value)


_FORMFIELD_OVERRIDES: Final = {
    models.DateTimeField: {"form_class": JalaliDateTimeField, "widget": JalaliDateTimeInput},
    models.DateField: {"form_class": JalaliDateField, "widget": JalaliDateInput},
    models.IntegerField: {"widget": PersianNumberInput},
    models.BigIntegerField: {"widget": PersianNumberInput},
    models.DecimalField: {"widget": PersianNumberInput},
}


# ---------------------------------------------------------------------------- error messages


def persian_errors(errors):
    """A field's error list with the numbers in its messages in Persian digits: Django's
    validators put a limit into their sentence as a Latin number («… مساوی 0 است.»)."""
    shown = errors.copy()
    shown.field_id = getattr(errors, "field_id", None)  # copy() drops it: the errors' HTML id
    shown.data = [text.to_persian_number_text(message) for message in errors]
    return shown


def _fieldline_errors(self):
    return mark_safe(
        "\n".join(
            persian_errors(self.form[name].errors).as_ul()
            for name in self.fields
            if name not in self.readonly_fields
        ).strip("\n")
    )


def _admin_field_errors(self):
    return mark_safe(persian_errors(self.field.errors).as_ul())


# ---------------------------------------------------------------------------- dates in filters


class JalaliDateFieldListFilter(admin_filters.DateFieldListFilter):
    """Django's date filter with Jalali months and years (Tehran days)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        now = timezone.localtime(timezone.now(), jalali.TEHRAN)
        today = now.date()
        j_today = jdatetime.date.fromgregorian(date=today)
        month_start = jdatetime.date(j_today.year, j_today.month, 1)
        next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
        last_month = (month_start - datetime.timedelta(days=1)).replace(day=1)
        year_start = jdatetime.date(j_today.year, 1, 1)
        next_year = jdatetime.date(j_today.year + 1, 1, 1)

        def bound(value):
            day = value.togregorian() if isinstance(value, jdatetime.date) else value
            if isinstance(field, models.DateTimeField):
                return datetime.datetime.combine(day, datetime.time(), tzinfo=jalali.TEHRAN)
            return day

        since, until = self.lookup_kwarg_since, self.lookup_kwarg_until
        tomorrow = today + datetime.timedelta(days=1)

        def span(start, end):
            return {since: str(bound(start)), until: str(bound(end))}

        self.links = (
            ("هر زمانی", {}),
            ("امروز", span(today, tomorrow)),
            ("۷ روز گذشته", span(today - datetime.timedelta(days=7), tomorrow)),
            ("۳۰ روز گذشته", span(today - datetime.timedelta(days=30), tomorrow)),
            (f"این ماه ({jalali.MONTH_NAMES[j_today.month - 1]})", span(month_start, next_month)),
            (
                f"ماه پیش ({jalali.MONTH_NAMES[last_month.month - 1]})",
                span(last_month, month_start),
            ),
            (f"امسال ({text.to_persian_digits(j_today.year)})", span(year_start, next_year)),
        )
        if field.null:
            self.links += (
                ("بدون تاریخ", {self.field_generic + "isnull": "True"}),
                ("دارای تاریخ", {self.field_generic + "isnull": "False"}),
            )


class StaffChoicesFieldListFilter(admin_filters.ChoicesFieldListFilter):
    """Django's choices filter showing the staff-side labels."""

    def choices(self, changelist):
        staff = {str(value): label for value, label in staff_choices(self.field)}
        by_label = {str(label): staff[str(value)] for value, label in self.field.flatchoices}
        for choice in super().choices(changelist):
            display = str(choice.get("display"))
            yield {**choice, "display": by_label[display]} if display in by_label else choice


def _has_staff_choices(field) -> bool:
    model = getattr(field, "model", None)
    return bool(
        model is not None
        and getattr(field, "flatchoices", None)
        and (model._meta.app_label, model._meta.model_name, field.name) in _STAFF_CHOICES
    )


class PersianAllValuesFieldListFilter(admin_filters.AllValuesFieldListFilter):
    """A filter over a number field's values (a fiscal year, a weight) in Persian digits."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            display = choice.get("display")
            if isinstance(display, str):
                choice = {**choice, "display": text.to_persian_digits(display)}
            yield choice


class JalaliChangeList(ChangeList):
    """A changelist whose date hierarchy is a Jalali filter instead of Gregorian years/months."""

    def __init__(
        self,
        request,
        model,
        list_display,
        list_display_links,
        list_filter,
        date_hierarchy,
        *args,
        **kwargs,
    ):
        # An explicit Gregorian DateFieldListFilter becomes the Jalali one.
        list_filter = tuple(
            (item[0], JalaliDateFieldListFilter)
            if isinstance(item, (tuple, list)) and item[1] is admin_filters.DateFieldListFilter
            else item
            for item in list_filter
        )
        if date_hierarchy:
            named = {item[0] if isinstance(item, (tuple, list)) else item for item in list_filter}
            if date_hierarchy not in named:
                list_filter = (date_hierarchy, *list_filter)
            date_hierarchy = None
        super().__init__(
            request,
            model,
            list_display,
            list_display_links,
            list_filter,
            date_hierarchy,
            *args,
            **kwargs,
        )

    def get_filters(self, request):
        filters = super().get_filters(request)
        for spec in filters[0]:
            label = third_party_field_label(self.model, getattr(spec, "field_path", ""))
            if label is not None:
                spec.title = label
        return filters


def _get_changelist(self, request, **kwargs):
    return JalaliChangeList


# ---------------------------------------------------------------------------- third-party apps

APP_NAMES: Final = {
    "auth": "کاربران و گروه‌ها",
    "axes": "تلاش‌های ورود",
    "django_otp": "ورود دومرحله‌ای",
    "otp_totp": "ورود دومرحله‌ای (رمزساز)",
    "otp_static": "ورود دومرحله‌ای (کدهای پشتیبان)",
    "runserver_nostatic": "سرور توسعه",
    "csp": "سیاست امنیت محتوا",
    "ninja": "رابط برنامه‌نویسی",
    "treebeard": "درخت دسته‌ها",
    "import_export": "ورود و خروج داده",
}

# Model labels: (app_label, model_name) → (singular, plural, {field: label}).
MODEL_LABELS: Final = {
    ("axes", "accessattempt"): (
        "تلاش ورود",
        "تلاش‌های ورود",
        {
            "user_agent": "مرورگر",
            "ip_address": "نشانی IP",
            "username": "نام کاربری",
            "http_accept": "سرآیند Accept",
            "path_info": "مسیر",
            "attempt_time": "زمان تلاش",
            "get_data": "دادهٔ GET",
            "post_data": "دادهٔ POST",
            "failures_since_start": "شمار ناکامی‌ها",
        },
    ),
    ("axes", "accessattemptexpiration"): (
        "انقضای تلاش ورود",
        "انقضای تلاش‌های ورود",
        {"access_attempt": "تلاش ورود", "expires_at": "زمان انقضا"},
    ),
    ("axes", "accesslog"): (
        "ورود",
        "گزارش ورودها",
        {
            "user_agent": "مرورگر",
            "ip_address": "نشانی IP",
            "username": "نام کاربری",
            "http_accept": "سرآیند Accept",
            "path_info": "مسیر",
            "attempt_time": "زمان ورود",
            "logout_time": "زمان خروج",
            "session_hash": "چکیدهٔ نشست",
        },
    ),
    ("axes", "accessfailurelog"): (
        "ورود ناموفق",
        "ورودهای ناموفق",
        {
            "user_agent": "مرورگر",
            "ip_address": "نشانی IP",
            "username": "نام کاربری",
            "http_accept": "سرآیند Accept",
            "path_info": "مسیر",
            "attempt_time": "زمان تلاش",
            "locked_out": "قفل شد",
        },
    ),
    ("otp_totp", "totpdevice"): ("رمزساز", "رمزسازها", {}),
    ("otp_static", "staticdevice"): ("مجموعهٔ کدهای پشتیبان", "کدهای پشتیبان", {}),
    ("otp_static", "statictoken"): (
        "کد پشتیبان",
        "کدهای پشتیبان",
        {"device": "مجموعه", "token": "کد"},
    ),
}

# Shared by the device models of django_otp.
_OTP_DEVICE_FIELDS: Final = {
    "user": "کاربر",
    "name": "نام",
    "confirmed": "تأییدشده",
    "throttling_failure_timestamp": "زمان آخرین ناکامی",
    "throttling_failure_count": "شمار ناکامی‌ها",
    "created_at": "زمان ساخت",
    "last_used_at": "آخرین استفاده",
    "key": "کلید",
    "step": "گام زمانی",
    "t0": "زمان آغاز",
    "digits": "شمار رقم‌ها",
    "tolerance": "رواداری",
    "drift": "رانش",
    "last_t": "آخرین گام",
}

# Admins staff need not see. django_otp's device admins are already replaced by accounts' own
# (superuser-only, no secrets shown; accounts/admin.py), so nothing is hidden today.
HIDDEN_MODELS: Final[tuple[tuple[str, str], ...]] = ()

# English strings of third-party admins (fieldset titles, actions), by the admin's model.
_AXES_FIELDSETS: Final = {"Form Data": "دادهٔ فرم", "Meta Data": "مشخصات درخواست"}


def _label_third_party_models() -> None:
    for config in apps.get_app_configs():
        if config.label in APP_NAMES:
            config.verbose_name = APP_NAMES[config.label]
    for (app_label, model_name), (singular, plural, _fields) in MODEL_LABELS.items():
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        # _meta.verbose_name, not Meta.original_attrs: no migration sees this change.
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural


def third_party_field_label(model, name: str) -> str | None:
    """The Persian label of a third-party model's field. Their fields keep their own
    verbose_name (changing it would make makemigrations see a change in a package): the
    admin asks here instead, for its columns (label_for_field) and its forms."""
    meta = getattr(model, "_meta", None)
    if meta is None:
        return None
    entry = MODEL_LABELS.get((meta.app_label, meta.model_name))
    if entry is None:
        return None
    labels = dict(entry[2])
    if meta.app_label.startswith("otp_"):
        labels = {**_OTP_DEVICE_FIELDS, **labels}
    return labels.get(name)


def help_text_for_field(name, model_class):
    """No English help text under a third-party field that has a Persian label."""
    if third_party_field_label(model_class, name) is not None:
        return ""
    return _django_help_text_for_field(name, model_class)


def _persian_formfield_for_dbfield(base):
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = base(self, db_field, request, **kwargs)
        label = third_party_field_label(self.model, db_field.name)
        if formfield is not None and label is not None:
            # Their English help texts repeat the label; the Persian label stands alone.
            formfield.label, formfield.help_text = label, ""
        return formfield

    return formfield_for_dbfield


# Django names the four default permissions of every model in English when it first writes
# their rows («Can add نشانی»), and never translates them: a group's or a user's permission
# list shows them by the model's Persian name instead. A model's own permissions
# (Meta.permissions) are shown by their name in the code, so a renamed one needs no data fix.
_PERMISSION_ACTIONS: Final = {"add": "افزودن", "change": "ویرایش", "delete": "حذف", "view": "دیدن"}


def permission_label(permission) -> str:
    """«کاربران | نشانی | افزودن نشانی» for the row Django named «Can add نشانی»."""
    name = permission.name
    model = permission.content_type.model_class()
    if model is not None:
        meta = model._meta
        action, _, model_name = permission.codename.partition("_")
        if model_name == meta.model_name and action in _PERMISSION_ACTIONS:
            name = f"{_PERMISSION_ACTIONS[action]} {meta.verbose_name}"
        else:
            name = dict(meta.permissions).get(permission.codename, name)
    return f"{permission.content_type} | {name}"


def _label_permissions() -> None:
    from django.contrib.auth.models import Permission

    Permission.__str__ = permission_label


def _label_primary_keys() -> None:
    """«ID» is the one field label Django does not translate."""
    for model in apps.get_models():
        pk = model._meta.pk
        if pk is not None and str(pk.verbose_name).upper() == "ID":
            pk.verbose_name = "شناسه"


_DJANGO_FORMFIELD_DEFAULTS: Final = {
    klass: dict(admin_options.FORMFIELD_FOR_DBFIELD_DEFAULTS.get(klass, {}))
    for klass in _FORMFIELD_OVERRIDES
}


def _adapt_registered_admins(site) -> None:
    # A ModelAdmin copies the defaults when it is made (at autodiscovery, before install()):
    # give it the Persian inputs unless it chose its own for that field class.
    for model_admin in site._registry.values():
        overrides = model_admin.formfield_overrides
        for klass, persian in _FORMFIELD_OVERRIDES.items():
            if overrides.get(klass, {}) == _DJANGO_FORMFIELD_DEFAULTS[klass]:
                overrides[klass] = dict(persian)
    for app_label, model_name in HIDDEN_MODELS:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        if site.is_registered(model):
            site.unregister(model)
    for model, model_admin in site._registry.items():
        if (model._meta.app_label, model._meta.model_name) in MODEL_LABELS:
            admin_class = type(model_admin)
            if not getattr(admin_class, "_persian_field_labels", False):
                admin_class.formfield_for_dbfield = _persian_formfield_for_dbfield(
                    admin_class.formfield_for_dbfield
                )
                admin_class._persian_field_labels = True
        if model._meta.app_label != "axes":
            continue
        if model_admin.fieldsets:
            model_admin.fieldsets = tuple(
                (_AXES_FIELDSETS.get(str(title), title) if title else title, options)
                for title, options in model_admin.fieldsets
            )
        action = getattr(type(model_admin), "cleanup_expired_attempts", None)
        if action is not None:
            action.short_description = "پاک کردن تلاش‌های منقضی"
        if hasattr(type(model_admin), "status"):
            type(model_admin).status.short_description = "وضعیت"
        if hasattr(type(model_admin), "expiration"):
            type(model_admin).expiration.short_description = "انقضا"


# ---------------------------------------------------------------------------- install

_installed = False


def install(site=None) -> None:
    """Apply everything above; idempotent. Called once the admin modules are loaded."""
    global _installed
    if not _installed:
        _installed = True
        for module in (admin_utils, admin_list, admin_helpers):
            if hasattr(module, "display_for_field"):
                module.display_for_field = display_for_field
            if hasattr(module, "display_for_value"):
                module.display_for_value = display_for_value
            if hasattr(module, "label_for_field"):
                module.label_for_field = label_for_field
            if hasattr(module, "help_text_for_field"):
                module.help_text_for_field = help_text_for_field
        admin_options.FORMFIELD_FOR_DBFIELD_DEFAULTS.update(_FORMFIELD_OVERRIDES)
        numbers.install()
        admin_filters.FieldListFilter.register(
            lambda f: isinstance(f, models.DateField), JalaliDateFieldListFilter, take_priority=True
        )
        admin_filters.FieldListFilter.register(
            _has_staff_choices, StaffChoicesFieldListFilter, take_priority=True
        )
        admin_filters.FieldListFilter.register(
            lambda f: isinstance(f, models.IntegerField) and not f.choices and not f.is_relation,
            PersianAllValuesFieldListFilter,
            take_priority=True,
        )
        admin.ModelAdmin.get_changelist = _get_changelist
        admin_helpers.Fieldline.errors = _fieldline_errors
        admin_helpers.AdminField.errors = _admin_field_errors
        _label_third_party_models()
        _label_primary_keys()
        _label_permissions()
    _adapt_registered_admins(site or admin.site)
