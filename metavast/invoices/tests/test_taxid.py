import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metavast.invoices.taxid import tax_id, tax_id_valid, verhoeff_digit, verhoeff_valid


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        ("236", 3),  # the worked example in Verhoeff's description
        ("12345", 1),
        ("142857", 0),
        ("123456789012", 0),
        ("8473643095483728456789", 2),
    ],
)
def test_verhoeff_worked_examples(digits, check):
    assert verhoeff_digit(digits) == check
    assert verhoeff_valid(f"{digits}{check}")


def test_verhoeff_catches_every_single_digit_error_and_adjacent_swap():
    base = "2363"
    assert verhoeff_valid(base)
    for i in range(len(base)):
        for d in "0123456789":
            if d != base[i]:
                assert not verhoeff_valid(base[:i] + d + base[i + 1 :])
    for i in range(len(base) - 1):
        if base[i] != base[i + 1]:
            swapped = base[:i] + base[i + 1] + base[i] + base[i + 2 :]
            assert not verhoeff_valid(swapped)


def test_tax_id_layout_worked_example():
    # 2024-01-01 is day 19723 = 0x4D0B; serial 1 = 0x0000000001.
    value = tax_id(memory_id="A1B2C3", issued_on=dt.date(2024, 1, 1), serial=1)
    assert len(value) == 22
    assert value[:21] == "A1B2C3" + "04D0B" + "0000000001"
    # control string: A=65 1 B=66 2 C=67 3 | 019723 | 000000000001
    control = "651662673" + "019723" + "000000000001"
    assert value[21] == str(verhoeff_digit(control))
    assert tax_id_valid(value, memory_id="A1B2C3")


def test_tax_id_rejects_bad_parts():
    with pytest.raises(ValueError):
        tax_id(memory_id="ABC", issued_on=dt.date(2024, 1, 1), serial=1)
    with pytest.raises(ValueError):
        tax_id(memory_id="A1B2C3", issued_on=dt.date(2024, 1, 1), serial=0)
    with pytest.raises(ValueError):
        tax_id(memory_id="A1B2C3", issued_on=dt.date(2024, 1, 1), serial=16**10)


@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=6, max_size=6),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.integers(min_value=1, max_value=16**10 - 1),
)
def test_every_generated_id_validates_and_a_changed_character_does_not(memory_id, day, serial):
    value = tax_id(memory_id=memory_id, issued_on=day, serial=serial)
    assert tax_id_valid(value)
    last = value[21]
    assert not tax_id_valid(value[:21] + str((int(last) + 1) % 10))
