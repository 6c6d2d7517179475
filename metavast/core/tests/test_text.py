import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from metavast.core.text import (
    MinLettersValidator,
    compact,
    letters_and_digits,
    normalize,
    to_ascii_digits,
    to_persian_digits,
)

ZWNJ = "\u200c"

# Characters the normaliser treats specially, mixed into arbitrary text so that hypothesis
# reaches them far more often than uniform sampling over Unicode would.
_TRICKY = [
    "ي", "ى", "ئ", "ك", "ة", "ۀ", "أ", "إ", "ٱ", "آ", "ؤ", "ی", "ک", "ه", "ا", "و",
    "\u064b", "\u064e", "\u0651", "\u0653", "\u0654", "\u0670", "\u0640", "\u06d6",
    ZWNJ, "\u200d", "\u200b", "\ufeff", "\u200e", "\u200f", "\u202b", "\u2067", "\u061c",
    "\u00a0", "\u2003", "\t", "\n", " ", "\u00ad", "\x00",
    "۱", "٢", "3", "\uff14", "\ufb8a", "\ufef0", "\ufdfc", "\ufefb", "\ufe70",
    "e", "E", "\u0301", "\u0130", "\u00df", "\u212a", "\u1e9e", "\ud800",
]  # fmt: skip
tricky_text = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(_TRICKY)))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("كتاب", "کتاب"),
        ("ميز", "میز"),
        ("پائیز", "پاییز"),
        ("مدرسة", "مدرسه"),
        ("خانۀ من", "خانه من"),
        ("خانهٔ من", "خانه من"),
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("مسؤول", "مسوول"),
        ("آب", "آب"),  # آ is a letter of its own, not a decorated ا
        ("ا\u0653ب", "آب"),  # decomposed آ is composed, not stripped
        ("کِتابٌ", "کتاب"),
        ("کـــتاب", "کتاب"),
        ("\ufedb\ufe98\ufe8e\ufe8f", "کتاب"),  # presentation forms
        (f"می{ZWNJ}خواهم", "می خواهم"),
        ("  کتاب \u00a0\t فروشی  ", "کتاب فروشی"),
        ("\u200fکتاب\u200e\u202b\u2067\u061c\u200b\ufeff", "کتاب"),
        ("۱۲۸", "128"),
        ("١٢٨", "128"),
        ("iPhone ۱۵ Pro", "iphone 15 pro"),
        ("\uff21\uff22\uff23", "abc"),
        ("", ""),
    ],
)
def test_normalize_examples(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("كتاب", "کتاب"),
        ("ميز", "میز"),
        ("میخواهم", f"می{ZWNJ}خواهم"),
        ("میخواهم", "می خواهم"),
        ("۱۲۸", "١٢٨"),
        ("۱۲۸", "128"),
        ("کتاب ", "کتاب"),
        ("کِتاب", "کتاب"),
        ("كتاب فروشي", "کتابفروشی"),
    ],
)
def test_compact_matches_spelling_variants(left: str, right: str) -> None:
    assert compact(left) == compact(right)


def test_compact_keeps_different_words_apart() -> None:
    assert compact("کتاب") != compact("کباب")
    assert compact("آب") != compact("اب")


def test_digit_conversion() -> None:
    assert to_persian_digits(1405) == "۱۴۰۵"
    assert to_persian_digits("١٢٨ و 9") == "۱۲۸ و ۹"
    assert to_persian_digits(-3) == "-۳"
    assert to_ascii_digits("۱۴۰۵/٠٩/05") == "1405/09/05"
    assert to_ascii_digits("بدون عدد") == "بدون عدد"


@settings(max_examples=500)
@given(tricky_text)
def test_normalize_is_total_and_idempotent(s: str) -> None:
    once = normalize(s)
    assert isinstance(once, str)
    assert normalize(once) == once


@settings(max_examples=500)
@given(tricky_text)
def test_normalize_output_shape(s: str) -> None:
    result = normalize(s)
    assert result == result.strip()
    assert "  " not in result
    assert all(ch == " " or not ch.isspace() for ch in result)
    assert not set(result) & set("يىئكةۀأإٱؤ\u0640" + ZWNJ + "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩")
    assert not any(unicodedata.category(ch) in {"Cf", "Cc", "Cs"} for ch in result)
    assert not any(unicodedata.category(ch) == "Mn" for ch in result if "\u0600" <= ch <= "\u06ff")
    result.encode("utf-8")  # storable: no lone surrogates left


@settings(max_examples=300)
@given(tricky_text)
def test_compact_has_no_spaces_and_agrees_with_normalize(s: str) -> None:
    key = compact(s)
    assert " " not in key
    assert compact(normalize(s)) == key
    assert compact(key) == key


@given(st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩ا "))
def test_digit_conversions_round_trip(s: str) -> None:
    assert to_ascii_digits(to_persian_digits(s)) == to_ascii_digits(s)
    assert to_persian_digits(to_ascii_digits(s)) == to_persian_digits(s)


# --- letters_and_digits / MinLettersValidator (QA report 2, item 7) ---------------------

BLANK_LOOKING = [
    ZWNJ * 12,  # invisible
    "\u0640" * 10,  # tatweel: a line with no letter
    ". . . . .",
    "...........",
    "!!!!!!!!!!!!",
    "؟؟؟؟،،،،؛؛؛؛",  # Persian punctuation
    "\u3164" * 12,  # Hangul filler: a "letter" that renders as nothing
    "ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ",
    "\u064e\u064e\u064e\u064e\u064e\u064e\u064e\u064e\u064e\u064e",  # harakat alone
]


@pytest.mark.parametrize("text", BLANK_LOOKING)
def test_blank_looking_text_has_no_letters(text: str) -> None:
    assert letters_and_digits(text) == 0


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("تیکت ۱۲۳۴", 8),
        ("ticket 42", 8),
        ("می‌خواهم", 7),  # ZWNJ is not a letter
        ("کـــتاب", 4),  # kashida inside a word
        ("ﻙﺘﺎﺏ", 4),  # presentation forms fold to the base letters
        ("ｔｉｃｋｅｔ１", 7),  # full-width Latin and digits
        ("٣٤٥ ۶۷۸", 6),  # Arabic-Indic and Persian digits
        ("Привет", 0),  # neither Persian nor Latin
    ],
)
def test_letters_and_digits_counts_what_a_reader_reads(text: str, count: int) -> None:
    assert letters_and_digits(text) == count


def test_min_letters_validator_refuses_with_a_persian_message_and_passes_ten() -> None:
    validate = MinLettersValidator(10)
    with pytest.raises(ValidationError) as refused:
        validate(". . . . . ." + ZWNJ * 12)
    [message] = refused.value.messages
    assert "دست‌کم ۱۰ حرف یا رقم" in message and "(اکنون ۰)" in message
    assert refused.value.error_list[0].code == "too_few_letters"
    validate("تیکت ۱۲۳۴: مشتری")  # 13
    validate("..تیکت..۱۲۳۴۵۶..")  # exactly 10: punctuation around does not matter
    assert MinLettersValidator(10) == MinLettersValidator(10) != MinLettersValidator(5)
