import datetime
from zoneinfo import ZoneInfo

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metavast.core.jalali import (
    TEHRAN,
    format_jalali_date,
    format_jalali_datetime,
    format_jalali_numeric,
    jalali_fiscal_year,
    to_jalali,
)

UTC = datetime.UTC
# 11:00 UTC is 14:30 in Tehran (UTC+3:30, no daylight saving since 2022).
AZAR_5_1405 = datetime.datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
# Nowruz 1405 is 21 March 2026; 21:00 UTC on 20 March is 00:30 on 1 Farvardin in Tehran.
NOWRUZ_EVE_UTC = datetime.datetime(2026, 3, 20, 21, 0, tzinfo=UTC)


def test_to_jalali_converts_to_tehran_time() -> None:
    result = to_jalali(AZAR_5_1405)
    assert isinstance(result, jdatetime.datetime)
    assert (result.year, result.month, result.day, result.hour, result.minute) == (
        1405,
        9,
        5,
        14,
        30,
    )
    assert result.utcoffset() == datetime.timedelta(hours=3, minutes=30)


def test_naive_datetimes_are_taken_as_utc() -> None:
    naive = AZAR_5_1405.replace(tzinfo=None)
    assert format_jalali_datetime(naive) == format_jalali_datetime(AZAR_5_1405)


def test_other_time_zones_are_converted() -> None:
    berlin = AZAR_5_1405.astimezone(ZoneInfo("Europe/Berlin"))
    assert format_jalali_datetime(berlin) == "۵ آذر ۱۴۰۵، ساعت ۱۴:۳۰"


def test_format_jalali_datetime() -> None:
    assert format_jalali_datetime(AZAR_5_1405) == "۵ آذر ۱۴۰۵، ساعت ۱۴:۳۰"
    early = datetime.datetime(2026, 11, 26, 5, 35, tzinfo=UTC)
    assert format_jalali_datetime(early) == "۵ آذر ۱۴۰۵، ساعت ۰۹:۰۵"


def test_format_jalali_date() -> None:
    assert format_jalali_date(AZAR_5_1405) == "۵ آذر ۱۴۰۵"
    assert format_jalali_date(datetime.date(2026, 11, 26)) == "۵ آذر ۱۴۰۵"


def test_format_jalali_numeric() -> None:
    assert format_jalali_numeric(AZAR_5_1405) == "۱۴۰۵/۰۹/۰۵"
    assert format_jalali_numeric(datetime.date(2026, 3, 21)) == "۱۴۰۵/۰۱/۰۱"


@pytest.mark.parametrize(
    ("gregorian", "expected"),
    [
        (datetime.date(2026, 3, 21), "۱ فروردین ۱۴۰۵"),
        (datetime.date(2026, 4, 21), "۱ اردیبهشت ۱۴۰۵"),
        (datetime.date(2026, 5, 22), "۱ خرداد ۱۴۰۵"),
        (datetime.date(2026, 6, 22), "۱ تیر ۱۴۰۵"),
        (datetime.date(2026, 7, 23), "۱ مرداد ۱۴۰۵"),
        (datetime.date(2026, 8, 23), "۱ شهریور ۱۴۰۵"),
        (datetime.date(2026, 9, 23), "۱ مهر ۱۴۰۵"),
        (datetime.date(2026, 10, 23), "۱ آبان ۱۴۰۵"),
        (datetime.date(2026, 11, 22), "۱ آذر ۱۴۰۵"),
        (datetime.date(2026, 12, 22), "۱ دی ۱۴۰۵"),
        (datetime.date(2027, 1, 21), "۱ بهمن ۱۴۰۵"),
        (datetime.date(2027, 2, 20), "۱ اسفند ۱۴۰۵"),
        (datetime.date(2026, 3, 20), "۲۹ اسفند ۱۴۰۴"),
    ],
)
def test_month_names(gregorian: datetime.date, expected: str) -> None:
    assert format_jalali_date(gregorian) == expected


def test_fiscal_year_follows_tehran_time_not_utc() -> None:
    assert jalali_fiscal_year(NOWRUZ_EVE_UTC) == 1405
    assert jalali_fiscal_year(NOWRUZ_EVE_UTC - datetime.timedelta(hours=1)) == 1404
    assert format_jalali_numeric(NOWRUZ_EVE_UTC) == "۱۴۰۵/۰۱/۰۱"
    # A date has no time zone: 20 March is still 29 Esfand.
    assert jalali_fiscal_year(datetime.date(2026, 3, 20)) == 1404


def test_historical_daylight_saving_is_respected() -> None:
    # Iran observed daylight saving (UTC+4:30 in summer) until 2022.
    summer_2020 = datetime.datetime(2020, 6, 1, 12, 0, tzinfo=UTC)
    assert format_jalali_datetime(summer_2020) == "۱۲ خرداد ۱۳۹۹، ساعت ۱۶:۳۰"
    summer_2023 = datetime.datetime(2023, 6, 1, 12, 0, tzinfo=UTC)
    assert format_jalali_datetime(summer_2023) == "۱۱ خرداد ۱۴۰۲، ساعت ۱۵:۳۰"


@pytest.mark.parametrize(
    "function", [format_jalali_date, format_jalali_numeric, jalali_fiscal_year]
)
def test_non_dates_are_refused(function) -> None:
    with pytest.raises(TypeError):
        function("2026-11-26")


def test_format_jalali_datetime_refuses_plain_dates() -> None:
    with pytest.raises(TypeError):
        format_jalali_datetime(datetime.date(2026, 11, 26))


@given(
    st.datetimes(
        min_value=datetime.datetime(1950, 1, 1),
        max_value=datetime.datetime(2100, 1, 1),
        timezones=st.just(UTC),
    )
)
def test_jalali_round_trips_to_the_same_instant(dt: datetime.datetime) -> None:
    jdt = to_jalali(dt)
    assert jdt.togregorian() == dt
    assert jdt.togregorian().astimezone(TEHRAN).date() == jdt.date().togregorian()
    assert jalali_fiscal_year(dt) == jdt.year
