"""The admin speaks Persian (core/admin_persian.py): every page, every date, every amount."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from metavast.catalog.models import Variant
from metavast.core import admin_persian
from metavast.core.jalali import TEHRAN
from metavast.orders.models import Order, OrderStatus
from metavast.orders.services import Receiver, order_mark_paid
from metavast.orders.tests.factories import (  # noqa: F401 (shop is a fixture)
    fill_cart,
    make_customer,
    make_variant,
    place,
    shop,
)

# Latin words that are names, not English: units, protocols and formats staff know by them.
ALLOWED_LATIN = {
    "Ctrl",
    "IP",
    "SKU",
    "PDF",
    "GET",
    "POST",
    "Accept",
    "JSON",
    "HTML",
    "SMS",
    "API",
    "URL",
    "HTTP",
}
GREGORIAN_MONTHS = [
    "ژانویه",
    "فوریه",
    "مارس",
    "آوریل",
    "ژوئن",
    "ژوئیه",
    "اوت",
    "سپتامبر",
    "اکتبر",
    "نوامبر",
    "دسامبر",
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# A word of Latin letters standing alone; codes and numbers (MV-0828, SKU-be59, a.b_c) are data.
LATIN_WORD = re.compile(r"(?<![\w.\-#])[A-Za-z]{2,}(?![\w.\-])")
LATIN_DATE = re.compile(r"\b[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}\b|\b[0-9]{1,2}:[0-9]{2}\b")
LATIN_MONEY = re.compile(r"[0-9][0-9,٬]*\s*(?:تومان|ریال)")


class _Labels(HTMLParser):
    """Collects the text of what is label, not data: headings, column headers, field labels,
    filter titles, buttons, actions, breadcrumbs, messages; and all visible text for dates."""

    LABEL_TAGS = {"h1", "h2", "h3", "legend", "label", "th", "caption", "button", "summary"}
    SKIP = {"script", "style", "textarea", "select"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.labels: list[str] = []
        self.visible: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.labels.append(attrs["value"])
        if tag in {"input", "meta", "link", "br", "img", "hr"}:
            return
        self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def _inside(self, predicate) -> bool:
        return any(predicate(tag, attrs) for tag, attrs in self.stack)

    def handle_data(self, data):
        text = data.strip()
        if not text or self._inside(lambda t, a: t in self.SKIP):
            return
        self.visible.append(text)
        in_data_cell = self._inside(
            lambda t, a: (
                t == "td"
                or (t == "th" and "field-" in (a.get("class") or ""))
                or (t == "p" and "readonly" in (a.get("class") or ""))
            )
        )
        if in_data_cell:
            return
        label_like = self._inside(
            lambda t, a: (
                t in self.LABEL_TAGS
                or "breadcrumbs" in (a.get("class") or "")
                or "messagelist" in (a.get("class") or "")
                or "help" in (a.get("class") or "")
                or (a.get("id") in {"content-main", "changelist-filter"} and t == "a")
            )
        )
        if label_like:
            self.labels.append(text)


def _problems(html: str, data: tuple[str, ...] = ()) -> list[str]:
    """What is wrong on a page; ``data`` are values (an object's name in its title and
    breadcrumbs) that are not labels."""
    parser = _Labels()
    parser.feed(html)
    problems = []
    for label in parser.labels:
        for value in data:
            label = label.replace(value, "")
        words = [w for w in LATIN_WORD.findall(label) if w not in ALLOWED_LATIN]
        if words:
            problems.append(f"English label: {label!r}")
    for text in parser.visible:
        for month in GREGORIAN_MONTHS:
            if month in text:
                problems.append(f"Gregorian month: {text!r}")
        if LATIN_DATE.search(text):
            problems.append(f"Latin-digit date/time: {text!r}")
        if LATIN_MONEY.search(text):
            problems.append(f"Latin-digit amount: {text!r}")
    return problems


@pytest.fixture
def shop_data(shop):  # noqa: F811
    buyer = make_customer(first_name="مریم", last_name="احمدی")
    fill_cart(buyer, (make_variant(title="فرش دستباف", price=3_220_000), 1))
    order = place(
        buyer,
        receiver=Receiver(
            is_self=False, first_name="فاطمه", last_name="صادقی", mobile="09351234567"
        ),
    )
    return order_mark_paid(order_id=order.pk, payment_id=1)


def _admin_urls(client):
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info)), ()
        obj = model_admin.get_queryset(_request(client)).order_by("pk").first()
        if obj is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[obj.pk]), (str(obj),)
        if model_admin.has_add_permission(_request(client)):
            yield reverse("admin:{}_{}_add".format(*info)), ()


def _request(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = client.user
    return request


def test_every_admin_page_is_persian(admin_client, admin_user, shop_data):
    admin_client.user = admin_user
    failures = {}
    for url, data in _admin_urls(admin_client):
        response = admin_client.get(url)
        if response.status_code in {403, 404} or response.status_code in {301, 302}:
            continue
        assert response.status_code == 200, url
        problems = _problems(response.content.decode(), data)
        if problems:
            failures[url] = sorted(set(problems))[:8]
    for url, problems in failures.items():
        print(url, problems)
    assert failures == {}


def test_the_walk_catches_english_and_gregorian():
    page = (
        "<h1>Select order to change</h1><table><tr><td>2 دسامبر 2026</td>"
        "<td>322000 تومان</td><td>2026-12-02</td></tr></table>"
    )
    problems = _problems(page)
    assert any("English" in p for p in problems)
    assert any("Gregorian" in p for p in problems)
    assert any("amount" in p for p in problems)
    assert any("date/time" in p for p in problems)


def test_order_list_shows_jalali_toman_and_staff_status(admin_client, shop_data):
    Order.objects.filter(pk=shop_data.pk).update(status=OrderStatus.AWAITING_INFO)
    html = admin_client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert "در انتظار اطلاعات مشتری" in html
    assert "در انتظار اطلاعات شما" not in html
    assert "۳۲۲٬۰۰۰ تومان" in html or "تومان" in html
    assert "این ماه (" in html  # the Jalali filter replaced the Gregorian date hierarchy
    assert html.count("براساس زمان ثبت") == 1  # and the explicit Gregorian filter, not twice


# ---------------------------------------------------------------------------- unit tests


@pytest.mark.parametrize("typed", ["۱۲۰٬۰۰۰", "١٢٠٠٠٠", "120,000", "۱۲۰۰۰۰"])
def test_number_input_accepts_persian_and_arabic_digits(typed):
    widget = admin_persian.PersianNumberInput()
    assert widget.value_from_datadict({"price": typed}, {}, "price") == "120000"


def test_number_input_shows_persian_digits():
    assert admin_persian.PersianNumberInput().format_value(120000) == "۱۲۰٬۰۰۰"


@pytest.mark.django_db
def test_rial_input_saves_persian_digits_through_the_admin_form(rf, admin_user):
    """The admin's form field for a Rial price: «۱۲۰٬۰۰۰» and «١٢٠٠٠٠» both clean to 120000."""
    request = rf.get("/")
    request.user = admin_user
    model_admin = admin.site._registry[Variant]
    formfield = model_admin.formfield_for_dbfield(Variant._meta.get_field("price"), request)
    assert isinstance(formfield.widget, admin_persian.PersianNumberInput)
    assert "(ریال)" in str(formfield.label)
    for typed in ("۱۲۰٬۰۰۰", "١٢٠٠٠٠"):
        value = formfield.widget.value_from_datadict({"price": typed}, {}, "price")
        assert formfield.clean(value) == 120000


def test_jalali_date_input_round_trip():
    widget = admin_persian.JalaliDateInput()
    assert widget.format_value(datetime.date(2026, 11, 26)) == "۱۴۰۵/۰۹/۰۵"
    assert widget.value_from_datadict({"d": "۱۴۰۵/۰۹/۰۵"}, {}, "d") == "2026-11-26"
    assert widget.value_from_datadict({"d": "١٤٠٥-٩-٥"}, {}, "d") == "2026-11-26"
    assert widget.value_from_datadict({"d": "not a date"}, {}, "d") == "not a date"


def test_jalali_datetime_input_is_tehran_time():
    widget = admin_persian.JalaliDateTimeInput()
    moment = datetime.datetime(2026, 11, 26, 11, 0, tzinfo=datetime.UTC)  # 14:30 in Tehran
    assert widget.format_value(moment) == "۱۴۰۵/۰۹/۰۵ ۱۴:۳۰"
    assert widget.value_from_datadict({"d": "۱۴۰۵/۰۹/۰۵ ۱۴:۳۰"}, {}, "d") == "2026-11-26 14:30:00"


def test_display_is_jalali_persian_and_toman():
    placed = Order._meta.get_field("placed_at")
    total = Order._meta.get_field("total")
    moment = datetime.datetime(2026, 11, 26, 11, 0, tzinfo=datetime.UTC)
    assert admin_persian.display_for_field(moment, placed, "-") == "۵ آذر ۱۴۰۵، ساعت ۱۴:۳۰"
    assert admin_persian.display_for_field(3_220_000, total, "-") == "۳۲۲٬۰۰۰ تومان"
    assert admin_persian.display_for_value(1234, "-") == "۱۲۳۴"


@pytest.mark.django_db
def test_jalali_filter_this_month_starts_on_the_first_of_the_jalali_month(
    rf, admin_user, shop_data
):
    field = Order._meta.get_field("placed_at")
    model_admin = admin.site._registry[Order]
    request = rf.get("/")
    request.user = admin_user
    list_filter = admin_persian.JalaliDateFieldListFilter(
        field, request, {}, Order, model_admin, "placed_at"
    )
    titles = [title for title, _params in list_filter.links]
    this_month = next(p for t, p in list_filter.links if t.startswith("این ماه"))
    since = datetime.datetime.fromisoformat(this_month["placed_at__gte"])
    import jdatetime

    j_now = jdatetime.datetime.fromgregorian(datetime=timezone.now().astimezone(TEHRAN))
    assert (
        since.astimezone(TEHRAN).date() == jdatetime.date(j_now.year, j_now.month, 1).togregorian()
    )
    assert titles[:4] == ["هر زمانی", "امروز", "۷ روز گذشته", "۳۰ روز گذشته"]
    # The filter finds this month's order and leaves out one placed two months ago.
    old = Order.objects.get(pk=shop_data.pk)
    assert Order.objects.filter(**{k: v for k, v in this_month.items()}).filter(pk=old.pk).exists()
    Order.objects.filter(pk=old.pk).update(placed_at=timezone.now() - datetime.timedelta(days=70))
    assert not Order.objects.filter(**this_month).filter(pk=old.pk).exists()


# ---------------------------------------------------------------------------- QA 3: items 5-8


@pytest.mark.parametrize("typed", ["2026-12-20", "۲۰۲۶/۱۲/۲۰", "٢٠٢٦-١٢-٢٠"])
def test_a_gregorian_date_is_refused_with_its_jalali_equivalent(typed):
    """«2026-12-20» used to be read as Jalali 2026 and stored as 2648-03-10."""
    value = admin_persian.JalaliDateInput().value_from_datadict({"d": typed}, {}, "d")
    assert admin_persian.parse_jalali_date(typed) is None
    field = admin_persian.JalaliDateField()
    with pytest.raises(admin_persian.forms.ValidationError) as refused:
        field.clean(value)
    assert "میلادی" in refused.value.messages[0]
    assert "۱۴۰۵/۰۹/۲۹" in refused.value.messages[0]  # the date they meant, to copy
    # Shown again as typed, so staff see what they wrote.
    assert admin_persian.JalaliDateInput().format_value(value) == typed


@pytest.mark.parametrize("typed", ["2648/03/10", "1205/01/01", "۱۵۰۰/۰۱/۰۱"])
def test_a_jalali_year_out_of_range_is_refused(typed):
    value = admin_persian.JalaliDateTimeInput().value_from_datadict({"d": typed}, {}, "d")
    with pytest.raises(admin_persian.forms.ValidationError) as refused:
        admin_persian.JalaliDateTimeField().clean(value)
    assert "۱۳۰۰ و ۱۴۹۹" in refused.value.messages[0]


def test_a_plain_date_field_with_a_jalali_input_refuses_too():
    """Forms that declare Django's own DateField with the Jalali input (marketing's send
    time) never store the Gregorian text as a date either."""
    from django import forms

    class Form(forms.Form):
        day = forms.DateField(widget=admin_persian.JalaliDateInput)
        at = forms.DateTimeField(widget=admin_persian.JalaliDateTimeInput)

    form = Form({"day": "2026-12-20", "at": "2026-12-20 10:00"})
    assert not form.is_valid()
    assert set(form.errors) == {"day", "at"}


def test_a_month_first_gregorian_date_is_not_read_as_a_date():
    with pytest.raises(admin_persian.forms.ValidationError) as refused:
        admin_persian.JalaliDateField().clean("12/20/2026")
    assert refused.value.messages == ["تاریخ را خورشیدی بنویسید، مانند ۱۴۰۵/۰۹/۰۵."]


def test_a_date_comes_back_in_jalali_after_an_error_elsewhere_on_the_form():
    widget = admin_persian.JalaliDateInput()
    bound = widget.value_from_datadict({"d": "۱۴۰۵/۰۹/۰۵"}, {}, "d")
    assert widget.format_value(bound) == "۱۴۰۵/۰۹/۰۵"
    moment = admin_persian.JalaliDateTimeInput()
    bound = moment.value_from_datadict({"d": "۱۴۰۵/۰۹/۰۵ ۱۴:۳۰"}, {}, "d")
    assert moment.format_value(bound) == "۱۴۰۵/۰۹/۰۵ ۱۴:۳۰"


def test_the_delivery_window_admin_refuses_a_gregorian_date(admin_client, shop):  # noqa: F811
    from metavast.checkout.demo import seed_shipping
    from metavast.checkout.models import DeliveryWindow, ShippingMethod

    seed_shipping()
    courier = ShippingMethod.objects.get(code="courier")
    courier.needs_delivery_window = True
    courier.save(update_fields=["needs_delivery_window"])
    response = admin_client.post(
        reverse("admin:checkout_deliverywindow_add"),
        {
            "method": courier.pk,
            "date": "2026-12-20",
            "starts_at": "10",
            "ends_at": "12",
            "capacity": "٥",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "میلادی" in html and "۱۴۰۵/۰۹/۲۹" in html
    assert 'value="2026-12-20"' in html
    # Django's banner over the form, in Persian from the project's catalogue.
    assert "لطفاً خطای زیر را برطرف کنید." in html
    assert "Please correct" not in html
    assert not DeliveryWindow.objects.exists()


def test_django_strings_the_persian_catalogue_lacks_come_from_ours():
    from django.utils import translation

    with translation.override("fa"):
        assert translation.ngettext(
            "Please correct the error below.", "Please correct the errors below.", 2
        ) == ("لطفاً خطاهای زیر را برطرف کنید.")
        assert translation.gettext("Reset password") == "تعیین گذرواژهٔ تازه"
        assert translation.gettext("salt") == "نمک"


@pytest.mark.django_db
def test_the_admin_javascript_catalogue_is_persian(admin_client):
    """The two-box selector, the action counter and the calendar read the jsi18n catalogue."""
    import json

    script = admin_client.get(reverse("admin:jsi18n")).content.decode()
    for persian in ("افزودن همهٔ %s", "برداشتن همهٔ %s", "یکشنبه", "%(sel)s از %(cnt)s برگزیده شده"):
        assert json.dumps(persian) in script, persian  # the catalogue is JSON, \u-escaped
    assert '" %(sel)s' not in script  # Django's Persian counter starts with a stray space


@pytest.mark.django_db
def test_every_admin_page_loads_the_digit_script_before_the_admin_scripts(admin_client):
    html = admin_client.get(reverse("admin:auth_group_add")).content.decode()
    assert html.index("core/admin_digits.js") < html.index(reverse("admin:jsi18n"))
    assert html.index("core/admin_digits.js") < html.index("admin/js/SelectFilter2.js")


@pytest.mark.django_db
def test_permissions_are_named_in_persian():
    from django.contrib.auth.models import Permission

    add_group = Permission.objects.get(codename="add_group")
    assert str(add_group).endswith("| افزودن گروه")
    view_totp = Permission.objects.get(codename="view_totpdevice")
    assert str(view_totp).endswith("| دیدن رمزساز")
    # Our own permissions: renamed in the code and in the rows (the migrations).
    retry = Permission.objects.get(codename="retry_outboxmessage")
    assert retry.name == "فرستادن دوبارهٔ پیام‌های ناموفق"
    send = Permission.objects.get(codename="send_campaign")
    assert send.name == "زمان‌بندی کارزار و فرستادن پیام آزمایشی"
    english = [str(p) for p in Permission.objects.all() if re.search(r"\bCan\b", str(p))]
    assert english == []


def test_validation_messages_show_their_numbers_in_persian_digits(admin_client, shop):  # noqa: F811
    """«… بزرگتر و یا مساوی 0 است.» came with Django's Latin number."""
    from metavast.checkout.demo import seed_shipping
    from metavast.checkout.models import ShippingMethod

    seed_shipping()
    ShippingMethod.objects.filter(code="courier").update(needs_delivery_window=True)
    response = admin_client.post(
        reverse("admin:checkout_deliverywindow_add"),
        {
            "method": ShippingMethod.objects.get(code="courier").pk,
            "date": "۱۴۰۵/۰۹/۲۰",
            "starts_at": "10",
            "ends_at": "12",
            "capacity": "-5",
            "is_active": "on",
        },
    )
    html = response.content.decode()
    assert "مساوی ۰ است" in html
    assert "مساوی 0" not in html
    assert 'id="id_capacity_error"' in html  # the list keeps the id the input points to


def test_persian_errors_keeps_latin_names_as_typed():
    from django.forms.utils import ErrorList

    errors = ErrorList(["حداکثر 128 نویسه؛ Argon2id"], field_id="id_x")
    shown = admin_persian.persian_errors(errors)
    assert list(shown) == ["حداکثر ۱۲۸ نویسه؛ Argon2id"]
    assert 'id="id_x_error"' in shown.as_ul()
