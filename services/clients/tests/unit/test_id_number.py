"""居民身份证号码 check digits (ISO 7064 MOD 11-2) and the birth-date sanity check."""
from datetime import date

import pytest
from hypothesis import given, strategies as st

from services.clients.domain import id_number as idn

TODAY = date(2026, 11, 28)
# public specimen numbers (GB 11643 examples and the ones used in its explanations)
KNOWN_VALID = ["11010519491231002X", "440524188001010014", "11010119900307803X", "110101199003074477",
               "440308199901101512"]
KNOWN_INVALID = [
    ("610102199001011238", "check digit"),  # the right check digit is 1
    ("110105194912310021", "check digit"),
    ("11010519491231002Y", "17 digits"),
    ("1101051949123100", "18"),
    ("99010519491231002X", "province"),
    ("110105194913310028", "birth date"),  # month 13
    ("110105202712310025", "birth date"),  # born after TODAY
    ("110105184912310026", "birth date"),  # before 1850
]


@pytest.mark.parametrize("number", KNOWN_VALID)
def test_known_numbers_are_valid(number):
    assert idn.validate(number, TODAY) == number


@pytest.mark.parametrize("number,word", KNOWN_INVALID)
def test_known_invalid_numbers_say_why(number, word):
    with pytest.raises(idn.IdNumberError) as err:
        idn.validate(number, TODAY)
    assert word in err.value.en


def test_a_lower_case_x_and_spaces_are_normalised():
    assert idn.validate("110105 19491231 002x", TODAY) == "11010519491231002X"


def test_weights_are_2_to_the_power_mod_11():
    assert idn.WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


numbers = st.builds(
    lambda province, area, born, seq: f"{province}{area:04d}{born:%Y%m%d}{seq:03d}",
    st.sampled_from(sorted(idn.PROVINCES)), st.integers(0, 9999),
    st.dates(date(1900, 1, 1), TODAY), st.integers(0, 999))


@given(numbers)
def test_generated_numbers_are_valid_and_single_digit_errors_are_caught(first17):
    number = idn.with_check_character(first17)
    assert idn.is_valid(number, TODAY)
    for position in range(14, 18):  # sequence and check digit: no other rule can catch these
        for digit in "0123456789X":
            if digit != number[position] and (position == 17 or digit != "X"):
                assert not idn.is_valid(number[:position] + digit + number[position + 1:], TODAY)


@given(numbers)
def test_adjacent_swaps_are_caught(first17):
    number = idn.with_check_character(first17)
    for i in range(14, 16):
        if number[i] != number[i + 1]:
            assert not idn.is_valid(number[:i] + number[i + 1] + number[i] + number[i + 2:], TODAY)
