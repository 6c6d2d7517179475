"""QA 3, 7g: the access history named the fields read as the code does («customer_ids»)."""

from __future__ import annotations

from metavast.staff.admin import field_label


def test_a_sealed_field_read_through_its_property_has_its_persian_label():
    assert field_label("legal.disclosurerequest", "customer_ids") == "مشتریان در دامنه"


def test_model_fields_and_known_words_keep_their_labels():
    assert field_label("legal.disclosurerequest", "id") in {"شناسه", "ID"}
    assert field_label("orders.order", "customer_masked") == "نام مشتری (پوشیده)"


def test_the_date_filter_reads_jalali_and_refuses_a_gregorian_year():
    import datetime

    from metavast.staff.history import parse_jalali_date

    assert parse_jalali_date("۱۴۰۵/۰۹/۱۲") == datetime.date(2026, 12, 3)
    assert parse_jalali_date("2026/12/01") is None  # was read as Jalali 2026 (year 2647)
