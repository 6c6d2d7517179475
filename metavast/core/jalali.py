"""Dates as Iranians read them: Tehran time, Jalali calendar, Persian digits.

The database stores UTC. Every screen, email and invoice shows Asia/Tehran wall-clock time in
the Jalali (Solar Hijri) calendar, so an aware datetime is converted to Tehran before its Jalali
date is taken: 22:00 UTC on the last day of a Jalali year is already the next year in Tehran,
which matters for invoice numbering. A naive datetime is taken to be UTC, like everything we
store. A ``date`` has no time zone and is converted as it is.

Month names are spelled here rather than taken from jdatetime's locale support, which depends on
a process-wide locale setting.
"""

import datetime
from typing import Final
from zoneinfo import ZoneInfo

import jdatetime

from metavast.core.text import to_persian_digits

TEHRAN: Final = ZoneInfo("Asia/Tehran")

MONTH_NAMES: Final = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


def to_jalali(dt: datetime.datetime) -> jdatetime.datetime:
    """Return ``dt`` as an aware Jalali datetime in Tehran time; a naive ``dt`` is taken as UTC."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=datetime.UTC)
    return jdatetime.datetime.fromgregorian(datetime=dt.astimezone(TEHRAN))


def _to_jalali_date(value: datetime.date) -> jdatetime.date:
    # datetime is a subclass of date, so it must be tested first.
    if isinstance(value, datetime.datetime):
        return to_jalali(value).date()
    if isinstance(value, datetime.date):
        return jdatetime.date.fromgregorian(date=value)
    raise TypeError(f"expected a date or datetime, not {type(value).__name__}")


def format_jalali_date(value: datetime.date) -> str:
    """Show a date or datetime as a Jalali date in words: «۵ آذر ۱۴۰۵»."""
    jdate = _to_jalali_date(value)
    return to_persian_digits(f"{jdate.day} {MONTH_NAMES[jdate.month - 1]} {jdate.year}")


def format_jalali_datetime(dt: datetime.datetime) -> str:
    """Show a datetime in Tehran time: «۵ آذر ۱۴۰۵، ساعت ۱۴:۳۰»."""
    if not isinstance(dt, datetime.datetime):
        raise TypeError(f"expected a datetime, not {type(dt).__name__}")
    jdt = to_jalali(dt)
    date_text = f"{jdt.day} {MONTH_NAMES[jdt.month - 1]} {jdt.year}"
    return to_persian_digits(f"{date_text}، ساعت {jdt.hour:02d}:{jdt.minute:02d}")


def format_jalali_numeric(value: datetime.date) -> str:
    """Show a date or datetime as a numeric Jalali date: «۱۴۰۵/۰۹/۰۵»."""
    jdate = _to_jalali_date(value)
    return to_persian_digits(f"{jdate.year:04d}/{jdate.month:02d}/{jdate.day:02d}")


def jalali_fiscal_year(value: datetime.date) -> int:
    """Return the Jalali year of a date or datetime (in Tehran time), for invoice numbering."""
    return _to_jalali_date(value).year
