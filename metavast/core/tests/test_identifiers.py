import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from metavast.core.identifiers import (
    economic_number_kind,
    normalize_company_national_id,
    normalize_economic_number,
    normalize_landline,
    normalize_mobile,
    normalize_national_code,
    normalize_postal_code,
    validate_company_national_id,
    validate_economic_number,
    validate_landline,
    validate_mobile,
    validate_national_code,
    validate_postal_code,
)

NORMALIZERS = [
    normalize_mobile,
    normalize_landline,
    normalize_postal_code,
    normalize_national_code,
    normalize_company_national_id,
    normalize_economic_number,
    economic_number_kind,
]
NOT_A_STRING = [None, 9123456789, 12.5, b"09123456789", ["09123456789"]]

TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
TO_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _code(function, value) -> str:
    with pytest.raises(ValidationError) as exc_info:
        function(value)
    return exc_info.value.code


# --- Mobile -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "09123456789",
        "۰۹۱۲۳۴۵۶۷۸۹",
        "٠٩١٢٣٤٥٦٧٨٩",
        "+98 912 345 6789",
        "+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹",
        "0098 912 345 6789",
        "00989123456789",
        "989123456789",
        "9123456789",
        "0912-345-6789",
        "(0912) 345 67 89",
        "\u200f0912\u00a0345\u200e6789\u200c",
        "+98 0912 345 6789",  # the stray trunk zero people add after +98
        "\uff10\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19",  # full-width
    ],
)
def test_mobile_spellings_give_one_e164(typed: str) -> None:
    assert normalize_mobile(typed) == "+989123456789"


@pytest.mark.parametrize(
    "typed",
    [
        "02188776655",  # a Tehran landline
        "0912345678",  # one digit short
        "091234567890",  # one digit long
        "110",
        "",
        "   ",
        "abc",
        "0912345678a",
        "+1 202 555 0100",  # a valid number, but not Iranian
        "+98 912 345 6789 ext 1",
        "9" * 1000,
    ],
)
def test_mobile_refusals(typed: str) -> None:
    assert _code(normalize_mobile, typed) == "invalid_mobile"


def test_mobile_message_is_persian() -> None:
    with pytest.raises(ValidationError) as exc_info:
        normalize_mobile("02188776655")
    assert exc_info.value.messages == ["این شماره، شمارهٔ تلفن همراه معتبر نیست."]


_MOBILE_PREFIXES = ["912", "919", "935", "901", "921", "990", "998"]
_SEPARATORS = ["", " ", "-", "\u00a0", "\u200f", "\u200e", "\u200c", " - "]


@st.composite
def mobile_spellings(draw) -> tuple[str, str]:
    """Draw (E.164, the same number as someone might type it)."""
    national = draw(st.sampled_from(_MOBILE_PREFIXES)) + draw(
        st.text(alphabet="0123456789", min_size=7, max_size=7)
    )
    prefix = draw(st.sampled_from(["0", "+98", "0098", "98", "", "+98 0"]))
    typed = prefix
    for digit in national:
        typed += draw(st.sampled_from(_SEPARATORS)) + digit
    script = draw(st.sampled_from([None, TO_PERSIAN, TO_ARABIC_INDIC]))
    if script:
        typed = typed.translate(script)
    padding = draw(st.sampled_from(["", " ", "\u200f", "\u00a0 "]))
    return "+98" + national, padding + typed + padding


@settings(deadline=None, max_examples=300)
@given(mobile_spellings())
def test_any_spelling_of_a_mobile_gives_the_same_e164(case: tuple[str, str]) -> None:
    e164, typed = case
    assume(phonenumbers.is_valid_number(phonenumbers.parse(e164)))
    assert normalize_mobile(typed) == e164
    assert normalize_mobile(e164) == e164


# --- Landline ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["021 88776655", "02188776655", "۰۲۱-۸۸۷۷۶۶۵۵", "+98 21 8877 6655", "(021) 8877-6655"],
)
def test_landline_spellings(typed: str) -> None:
    assert normalize_landline(typed) == "+982188776655"


def test_landline_refuses_a_mobile_with_its_own_message() -> None:
    with pytest.raises(ValidationError) as exc_info:
        normalize_landline("09123456789")
    assert exc_info.value.code == "invalid_landline"
    assert "همراه است" in exc_info.value.messages[0]


@pytest.mark.parametrize(
    "typed", ["88776655", "021 1234", "021887766", "110", "", "+1 202 555 0100"]
)
def test_landline_refusals(typed: str) -> None:
    assert _code(normalize_landline, typed) == "invalid_landline"


# --- Postal code ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1193653471", "11936-53471", "۱۱۹۳۶ ۵۳۴۷۱", "١١٩٣٦٥٣٤٧١"])
def test_postal_code_spellings(typed: str) -> None:
    assert normalize_postal_code(typed) == "1193653471"


@pytest.mark.parametrize(
    "typed",
    [
        "1193553471",  # 5 as the fifth digit: banned by a common regex, by no source we found
        "1193652222",  # 2 in the last five digits: likewise
        "1111153471",  # four identical leading digits: likewise
    ],
)
def test_postal_code_rules_without_a_source_are_not_enforced(typed: str) -> None:
    assert normalize_postal_code(typed) == typed


@pytest.mark.parametrize(
    "typed",
    [
        "0423437584",  # 0 in the first five digits
        "1203653471",  # 2 in the first five digits
        "1111111111",  # ten identical digits
        "142386473",  # nine digits
        "11936534710",  # eleven digits
        "12",
        "test invalid postal code",
        "",
    ],
)
def test_postal_code_refusals(typed: str) -> None:
    assert _code(normalize_postal_code, typed) == "invalid_postal_code"


# --- National code ----------------------------------------------------------------------------


def _reference_check_digit(first_nine: str) -> int:
    """The published rule, spelled out independently of the code under test."""
    total = 0
    for position, digit in enumerate(first_nine):
        total += int(digit) * (10 - position)
    remainder = total % 11
    if remainder < 2:
        return remainder
    return 11 - remainder


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0499370899", "0499370899"),
        ("۰۴۹۹۳۷۰۸۹۹", "0499370899"),
        ("049-937089-9", "0499370899"),
        ("499370899", "0499370899"),  # nine digits: the leading zero was dropped
        ("11537027", "0011537027"),  # eight digits
        ("0076229645", "0076229645"),
        ("1583250689", "1583250689"),
    ],
)
def test_valid_national_codes(typed: str, expected: str) -> None:
    assert normalize_national_code(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["1111111111", "0000000000", "00000000", "1537027", "04993708990", "abc", ""],
)
def test_invalid_national_codes(typed: str) -> None:
    assert _code(normalize_national_code, typed) == "invalid_national_code"


def test_wrong_check_digit_has_its_own_code_and_message() -> None:
    """Ten digits with a wrong check digit: the person typed ten digits, so «ده رقم است» would
    not help them; the message names the check digit instead."""
    assert _code(normalize_national_code, "0499370898") == "invalid_national_code_check_digit"
    with pytest.raises(ValidationError) as caught:
        normalize_national_code("0499370898")
    assert "رقم کنترل" in caught.value.messages[0]
    assert "ده رقم" not in caught.value.messages[0]


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9))
def test_national_code_accepts_exactly_the_right_check_digit(first_nine: str, check: int) -> None:
    code = first_nine + str(check)
    assume(len(set(code)) > 1)
    if check == _reference_check_digit(first_nine):
        assert normalize_national_code(code) == code
    else:
        assert _code(normalize_national_code, code) == "invalid_national_code_check_digit"


# --- Company national ID and economic number -------------------------------------------------


@pytest.mark.parametrize("typed", ["10380284790", "۱۰۳۸۰۲۸۴۷۹۰", "103-8028-4790"])
def test_valid_company_national_id(typed: str) -> None:
    assert normalize_company_national_id(typed) == "10380284790"


@pytest.mark.parametrize(
    "typed",
    ["10380284792", "10380285692", "11111111111", "09748208301", "1038028479", "", "abc"],
)
def test_invalid_company_national_ids(typed: str) -> None:
    assert _code(normalize_company_national_id, typed) == "invalid_company_national_id"


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_exactly_one_company_check_digit_is_valid(first_ten: str) -> None:
    valid = []
    for check in "0123456789":
        try:
            normalize_company_national_id(first_ten + check)
        except ValidationError:
            continue
        valid.append(check)
    assert len(valid) <= 1
    assert valid or len(set(first_ten)) == 1


def test_economic_numbers() -> None:
    assert normalize_economic_number("4113 8745 6987 41") == "41138745698741"
    assert economic_number_kind("41138745698741") == "person"
    assert normalize_economic_number("۱۰۳۸۰۲۸۴۷۹۰") == "10380284790"
    assert economic_number_kind("10380284790") == "legal"


@pytest.mark.parametrize(
    "typed", ["10380284792", "411387456987", "411387456987411", "11111111111111", ""]
)
def test_invalid_economic_numbers(typed: str) -> None:
    assert _code(normalize_economic_number, typed) == "invalid_economic_number"
    assert _code(economic_number_kind, typed) == "invalid_economic_number"


# --- Validators and totality ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "good", "bad"),
    [
        (validate_mobile, "09123456789", "02188776655"),
        (validate_landline, "02188776655", "09123456789"),
        (validate_postal_code, "1193653471", "0423437584"),
        (validate_national_code, "0499370899", "0499370898"),
        (validate_company_national_id, "10380284790", "10380284792"),
        (validate_economic_number, "10380284790", "10380284792"),
    ],
)
def test_validators(validator, good: str, bad: str) -> None:
    assert validator(good) is None
    with pytest.raises(ValidationError):
        validator(bad)


@pytest.mark.parametrize("function", NORMALIZERS)
@pytest.mark.parametrize("value", NOT_A_STRING)
def test_non_strings_are_refused_with_validation_error(function, value) -> None:
    with pytest.raises(ValidationError):
        function(value)


# Text close enough to an identifier to get past the first checks, plus anything at all.
identifier_like = st.one_of(
    st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩+-() .\u00a0\u200c\u200f", max_size=40),
    st.text(),
    st.text(min_size=60, max_size=200),
)


@settings(deadline=None, max_examples=300)
@given(identifier_like)
@pytest.mark.parametrize("function", NORMALIZERS)
def test_normalizers_return_a_value_or_raise_validation_error(function, value: str) -> None:
    try:
        result = function(value)
    except ValidationError as error:
        assert error.code.startswith("invalid_")
        return
    assert isinstance(result, str)
    if function is not economic_number_kind:
        assert function(result) == result  # the stored form is a fixed point
