"""Iranian identifiers: normalise what people type, refuse what cannot be right.

Each ``normalize_*`` function takes whatever arrived from a form, an API or an import (Persian or
Arabic-Indic digits, spaces, dashes, NBSP, bidi marks pasted from a message) and returns the one
stored form, or raises ``ValidationError`` with a Persian message and a code. It never raises
anything else, whatever the input, so a caller needs one ``except``. Each ``validate_*`` wraps
its normaliser for model and form fields.

The checks are deliberately no stricter than the published rules: refusing a real customer's
postal code costs a sale, accepting a mistyped one costs a returned parcel that the address form
can catch anyway.

- Phone numbers go through ``phonenumbers`` (region IR) and are stored in E.164. A mobile must be
  of type MOBILE; a landline FIXED_LINE (or FIXED_LINE_OR_MOBILE) with a ten-digit national
  number, that is area code plus eight digits, which leaves out four- to six-digit service codes.
- Postal code: ten digits, none of the first five is 0 or 2 (the post office leaves them out
  there because they look like 5 and 3 in handwriting), not ten identical digits. The stricter
  regex that circulates (``[13-9]{4}[1346-9][013-9]{5}``) also bans 5 as the fifth digit and 2
  in the last five; we found no source for either, so we do not enforce them.
- National code (کد ملی): ten digits, eight or nine accepted and left-padded with zeros as the
  registry does; mod-11 check digit; ten identical digits refused.
- Company national ID (شناسهٔ ملی اشخاص حقوقی): eleven digits with its check digit.
- Economic number (شمارهٔ اقتصادی): fourteen digits for a natural person, eleven for a legal
  entity, where it is the company national ID and carries the same check digit.
"""

import re
import unicodedata
from typing import Final, Literal

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from metavast.core.text import to_ascii_digits

# Far longer than any identifier with generous spacing; bounds the work done on hostile input.
_MAX_INPUT_LENGTH: Final = 64
_IRAN_COUNTRY_CODE: Final = 98
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.()]+")
_PHONE = re.compile(r"\+?[0-9]{1,17}")

_MOBILE_MESSAGE = _("این شماره، شمارهٔ تلفن همراه معتبر نیست.")
_LANDLINE_MESSAGE = _("این شماره، شمارهٔ تلفن ثابت معتبر نیست؛ آن را با پیش‌شمارهٔ شهر وارد کنید.")
_MOBILE_AS_LANDLINE_MESSAGE = _(
    "این شماره، شمارهٔ تلفن همراه است؛ شمارهٔ تلفن ثابت را با پیش‌شمارهٔ شهر وارد کنید."
)
_POSTAL_CODE_MESSAGE = _("کد پستی باید ده رقم و معتبر باشد.")
_NATIONAL_CODE_MESSAGE = _("کد ملی معتبر نیست؛ کد ملی ده رقم است.")
# Ten digits that fail the check digit: most often one mistyped digit, so say that, not "ten
# digits" (which the person can see they typed).
_NATIONAL_CODE_CHECK_MESSAGE = _(
    "رقم کنترل این کد ملی درست نیست؛ احتمالاً یکی از رقم‌ها اشتباه نوشته شده است. "
    "کد ملی را دوباره از روی کارت ملی بخوانید."
)
_COMPANY_ID_MESSAGE = _("شناسهٔ ملی معتبر نیست؛ شناسهٔ ملی اشخاص حقوقی یازده رقم است.")
_ECONOMIC_NUMBER_MESSAGE = _(
    "شمارهٔ اقتصادی معتبر نیست؛ برای اشخاص حقیقی چهارده رقم و برای اشخاص حقوقی یازده رقم است."
)


def _clean(value: object, error: ValidationError) -> str:
    """Return ``value`` with ASCII digits and without separators or invisible characters."""
    if not isinstance(value, str) or len(value) > _MAX_INPUT_LENGTH:
        raise error
    # NFKC turns NBSP into a space and full-width digits and plus signs into ASCII.
    value = unicodedata.normalize("NFKC", value)
    value = "".join(ch for ch in value if unicodedata.category(ch) not in {"Cf", "Cc", "Cs"})
    return _SEPARATORS.sub("", to_ascii_digits(value))


def _digits(value: object, error: ValidationError, *lengths: int) -> str:
    digits = _clean(value, error)
    if not digits.isascii() or not digits.isdigit() or len(digits) not in lengths:
        raise error
    if len(set(digits)) == 1:
        raise error
    return digits


def _parse_iranian_phone(value: object, error: ValidationError) -> phonenumbers.PhoneNumber:
    cleaned = _clean(value, error)
    if not _PHONE.fullmatch(cleaned):
        raise error
    try:
        number = phonenumbers.parse(cleaned, "IR")
    except phonenumbers.NumberParseException:
        raise error from None
    if number.country_code != _IRAN_COUNTRY_CODE or not phonenumbers.is_valid_number(number):
        raise error
    return number


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_mobile(value: str) -> str:
    """Return an Iranian mobile number in E.164 (``+989123456789``)."""
    error = ValidationError(_MOBILE_MESSAGE, code="invalid_mobile")
    number = _parse_iranian_phone(value, error)
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise error
    return _e164(number)


def normalize_landline(value: str) -> str:
    """Return an Iranian landline number, area code included, in E.164 (``+982188776655``)."""
    error = ValidationError(_LANDLINE_MESSAGE, code="invalid_landline")
    number = _parse_iranian_phone(value, error)
    number_type = phonenumbers.number_type(number)
    if number_type == phonenumbers.PhoneNumberType.MOBILE:
        raise ValidationError(_MOBILE_AS_LANDLINE_MESSAGE, code="invalid_landline")
    fixed_line_types = {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    if number_type not in fixed_line_types or len(str(number.national_number)) != 10:
        raise error
    return _e164(number)


def normalize_postal_code(value: str) -> str:
    """Return a ten-digit Iranian postal code (``1193653471``)."""
    error = ValidationError(_POSTAL_CODE_MESSAGE, code="invalid_postal_code")
    digits = _digits(value, error, 10)
    if "0" in digits[:5] or "2" in digits[:5]:
        raise error
    return digits


def _national_code_check_digit(first_nine: str) -> int:
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(first_nine)) % 11
    return remainder if remainder < 2 else 11 - remainder


def normalize_national_code(value: str) -> str:
    """Return a ten-digit Iranian national code (کد ملی), left-padding eight or nine digits."""
    error = ValidationError(_NATIONAL_CODE_MESSAGE, code="invalid_national_code")
    digits = _digits(value, error, 8, 9, 10).zfill(10)
    if len(set(digits)) == 1:  # «۰۰۰۰۰۰۰۰۰۰» passes the check digit but is no one's code
        raise error
    if _national_code_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            _NATIONAL_CODE_CHECK_MESSAGE, code="invalid_national_code_check_digit"
        )
    return digits


_COMPANY_ID_WEIGHTS: Final = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)


def _company_id_is_valid(digits: str) -> bool:
    offset = int(digits[9]) + 2
    total = sum(
        (int(d) + offset) * w for d, w in zip(digits[:10], _COMPANY_ID_WEIGHTS, strict=True)
    )
    return total % 11 % 10 == int(digits[10])


def normalize_company_national_id(value: str) -> str:
    """Return an eleven-digit national ID of a legal entity (شناسهٔ ملی)."""
    error = ValidationError(_COMPANY_ID_MESSAGE, code="invalid_company_national_id")
    digits = _digits(value, error, 11)
    if not _company_id_is_valid(digits):
        raise error
    return digits


def normalize_economic_number(value: str) -> str:
    """Return an economic number: fourteen digits (natural person) or eleven (legal entity)."""
    error = ValidationError(_ECONOMIC_NUMBER_MESSAGE, code="invalid_economic_number")
    digits = _digits(value, error, 11, 14)
    if len(digits) == 11 and not _company_id_is_valid(digits):
        raise error
    return digits


def economic_number_kind(value: str) -> Literal["person", "legal"]:
    """Return whose economic number ``value`` is: a natural person's or a legal entity's."""
    return "person" if len(normalize_economic_number(value)) == 14 else "legal"


def validate_mobile(value: str) -> None:
    normalize_mobile(value)


def validate_landline(value: str) -> None:
    normalize_landline(value)


def validate_postal_code(value: str) -> None:
    normalize_postal_code(value)


def validate_national_code(value: str) -> None:
    normalize_national_code(value)


def validate_company_national_id(value: str) -> None:
    normalize_company_national_id(value)


def validate_economic_number(value: str) -> None:
    normalize_economic_number(value)


def display_phone(e164: str) -> str:
    """An E.164 Iranian number as people write it: 0912 345 6789, 021 8877 6655."""
    try:
        number = phonenumbers.parse(e164, "IR")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
