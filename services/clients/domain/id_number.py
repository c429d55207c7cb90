"""居民身份证号码 (resident identity card number), GB 11643-1999.

18 characters: a 6-digit address code (the first two digits a province), the
8-digit birth date YYYYMMDD, a 3-digit sequence (odd for men, even for women) and
a check character computed with ISO 7064 MOD 11-2:

    S = Σ a_i·W_i for i = 1..17 with W_i = 2^(18-i) mod 11
    check = (12 - S mod 11) mod 11, written "X" when it is 10.

The check digit catches every single-digit error and every swap of two adjacent
digits. Besides it, the province code must exist and the birth date must be a real
date between 1850-01-01 and today (sanity, not an age rule).
"""
import re
import unicodedata
from datetime import date

WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
CHECK = "10X98765432"  # indexed by S mod 11
LENGTH = 18
EARLIEST_BIRTH = date(1850, 1, 1)
# GB/T 2260 provinces, plus 71 台湾, 81 香港, 82 澳门 (residence permits) and 83 (台湾居民居住证)
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})
_SHAPE = re.compile(r"^\d{17}[\dX]$")


class IdNumberError(ValueError):
    def __init__(self, zh, en):
        super().__init__(en)
        self.zh, self.en = zh, en


def normalise(text):
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(text or ""))).upper()


def check_character(first17):
    if not re.fullmatch(r"\d{17}", first17 or ""):
        raise IdNumberError("前17位应为数字", "the first 17 characters must be digits")
    return CHECK[sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS)) % 11]


def birth_date(number):
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate(text, today=None):
    """The normalised number (a trailing x becomes X), or IdNumberError."""
    number = normalise(text)
    if len(number) != LENGTH:
        raise IdNumberError(f"身份证号码应为18位，实际为{len(number)}位",
                            f"an ID number has 18 characters, got {len(number)}")
    if not _SHAPE.match(number):
        raise IdNumberError("身份证号码前17位应为数字，最后一位为数字或X",
                            "17 digits and a last digit or X expected")
    if number[:2] not in PROVINCES:
        raise IdNumberError("身份证号码的省级行政区代码无效", "unknown province code in the ID number")
    born = birth_date(number)
    today = today or date.today()
    if born is None or not EARLIEST_BIRTH <= born <= today:
        raise IdNumberError("身份证号码中的出生日期无效", "the birth date in the ID number is not valid")
    if number[17] != check_character(number[:17]):
        raise IdNumberError("身份证号码校验位错误，请核对", "wrong check digit in the ID number")
    return number


def is_valid(text, today=None):
    try:
        validate(text, today)
        return True
    except IdNumberError:
        return False


def with_check_character(first17):
    return first17 + check_character(first17)
