from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metavast.core.money import (
    MINUS_SIGN,
    amount_in_words,
    format_rial,
    format_toman,
    rials_to_whole_toman,
    toman_to_rials,
)
from metavast.core.text import to_ascii_digits


@pytest.mark.parametrize(
    ("rials", "expected"),
    [
        (125_000, "۱۲٬۵۰۰ تومان"),
        (0, "۰ تومان"),
        (10, "۱ تومان"),
        (4, "۰ تومان"),  # rounded half away from zero
        (5, "۱ تومان"),
        (125_004, "۱۲٬۵۰۰ تومان"),
        (125_005, "۱۲٬۵۰۱ تومان"),
        (9_999_999_990, "۹۹۹٬۹۹۹٬۹۹۹ تومان"),
        (-125_000, "\u200e\u2212۱۲٬۵۰۰ تومان"),
        (-125_005, "\u200e\u2212۱۲٬۵۰۱ تومان"),  # symmetric with the positive amount
        (-4, "۰ تومان"),  # no "minus zero"
    ],
)
def test_format_toman(rials: int, expected: str) -> None:
    assert format_toman(rials) == expected


def test_format_without_unit() -> None:
    assert format_toman(125_000, with_unit=False) == "۱۲٬۵۰۰"
    assert format_rial(125_000, with_unit=False) == "۱۲۵٬۰۰۰"


@pytest.mark.parametrize(
    ("rials", "expected"),
    [
        (125_000, "۱۲۵٬۰۰۰ ریال"),
        (999, "۹۹۹ ریال"),
        (1_000, "۱٬۰۰۰ ریال"),
        (-125_005, "\u200e\u2212۱۲۵٬۰۰۵ ریال"),
    ],
)
def test_format_rial(rials: int, expected: str) -> None:
    assert format_rial(rials) == expected


def test_toman_conversions() -> None:
    assert toman_to_rials(12_500) == 125_000
    assert toman_to_rials(-3) == -30
    assert rials_to_whole_toman(125_005) == 12_501
    assert rials_to_whole_toman(-125_005) == -12_501


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "صفر"),
        (1, "یک"),
        (11, "یازده"),
        (18, "هجده"),
        (20, "بیست"),
        (25, "بیست و پنج"),
        (100, "صد"),
        (101, "صد و یک"),
        (123, "صد و بیست و سه"),
        (500, "پانصد"),
        (1_000, "هزار"),
        (1_001, "هزار و یک"),
        (2_000, "دو هزار"),
        (500_443, "پانصد هزار و چهارصد و چهل و سه"),
        (999_999, "نهصد و نود و نه هزار و نهصد و نود و نه"),
        (1_000_000, "یک میلیون"),
        (1_001_000, "یک میلیون و هزار"),
        (1_250_000, "یک میلیون و دویست و پنجاه هزار"),
        (30_000_000_000, "سی میلیارد"),
        (10**12, "یک تریلیون"),
        (10**15, "هزار تریلیون"),
        (
            12_345_678_901_234,
            "دوازده تریلیون و سیصد و چهل و پنج میلیارد و ششصد و هفتاد و هشت میلیون"
            " و نهصد و یک هزار و دویست و سی و چهار",
        ),
        (-25, "منفی بیست و پنج"),
    ],
)
def test_amount_in_words(n: int, expected: str) -> None:
    assert amount_in_words(n) == expected


@pytest.mark.parametrize("bad", [1.0, 12_500.5, True, False, Decimal(1), "1000", None])
@pytest.mark.parametrize(
    "function", [format_toman, format_rial, amount_in_words, toman_to_rials, rials_to_whole_toman]
)
def test_non_integers_are_refused(function, bad) -> None:
    with pytest.raises(TypeError):
        function(bad)


def test_amount_in_words_refuses_absurd_amounts() -> None:
    assert amount_in_words(10**18 - 1).startswith(
        "نهصد و نود و نه هزار و نهصد و نود و نه تریلیون و نهصد و نود و نه میلیارد"
    )
    with pytest.raises(ValueError):
        amount_in_words(10**18)
    with pytest.raises(ValueError):
        amount_in_words(-(10**100))


@given(st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1))
def test_amount_in_words_is_well_formed(n: int) -> None:
    words = amount_in_words(n)
    assert words
    assert "  " not in words
    assert not words.startswith(" و") and not words.endswith(" و")
    assert " و و " not in words
    assert not words.startswith("یک هزار")  # a lone thousand is «هزار»
    assert words.startswith("منفی ") == (n < 0)


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_format_rial_reads_back_as_the_same_integer(n: int) -> None:
    shown = to_ascii_digits(format_rial(n, with_unit=False))
    assert int(shown.replace(MINUS_SIGN, "-").replace("\u066c", "")) == n


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_whole_toman_is_never_more_than_half_a_toman_off(rials: int) -> None:
    assert abs(toman_to_rials(rials_to_whole_toman(rials)) - rials) <= 5
