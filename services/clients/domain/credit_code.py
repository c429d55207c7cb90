"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters from the 31-character alphabet below (the digits and the capital
letters without I, O, Z, S, V):

    position 1      registration authority (9 = 工商/市场监管, 1 = 机构编制, 5 = 民政, …)
    position 2      organisation type
    positions 3-8   the administrative division code (6 digits, GB/T 2260)
    positions 9-17  the organisation's main body code (GB 11714)
    position 18     the check character over positions 1-17

The check character: with weights W_i = 3^(i-1) mod 31 and values v_i = the
character's index in the alphabet, C18 = 31 - (Σ v_i·W_i mod 31), where 31 means 0.

Only the check character, the alphabet and the division digits are checked: the
main body's own GB 11714 check character is not, because codes issued before the
2015 standard carry main bodies whose rules differ by issuing authority.
"""
import re
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_SEPARATORS = re.compile(r"[\s\-]")


class CreditCodeError(ValueError):
    """Why a code is refused, in Chinese and English."""

    def __init__(self, zh, en):
        super().__init__(en)
        self.zh, self.en = zh, en


def normalise(text):
    """Full-width characters to ASCII, spaces and hyphens removed, upper case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text or ""))).upper()


def check_character(first17):
    """The check character for the first 17 characters (already normalised)."""
    if len(first17) != LENGTH - 1 or any(char not in _VALUE for char in first17):
        raise CreditCodeError("前17位含有无效字符", "the first 17 characters contain an invalid character")
    remainder = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS)) % 31
    return ALPHABET[(31 - remainder) % 31]


def validate(text):
    """The normalised code, or CreditCodeError saying what is wrong."""
    code = normalise(text)
    if len(code) != LENGTH:
        raise CreditCodeError(f"统一社会信用代码应为18位，实际为{len(code)}位",
                              f"a credit code has 18 characters, got {len(code)}")
    bad = sorted({char for char in code if char not in _VALUE})
    if bad:
        raise CreditCodeError(f"统一社会信用代码含有无效字符：{''.join(bad)}（不使用 I、O、S、V、Z）",
                              f"invalid characters {''.join(bad)!r} (I, O, S, V and Z are never used)")
    if not code[2:8].isdigit():
        raise CreditCodeError("第3至8位应为行政区划代码（6位数字）",
                              "positions 3-8 must be the 6-digit administrative division code")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError("统一社会信用代码校验位错误，请核对", "wrong check character in the credit code")
    return code


def is_valid(text):
    try:
        validate(text)
        return True
    except CreditCodeError:
        return False


def with_check_character(first17):
    """A full code from 17 characters: for tests, fixtures and generated data."""
    first17 = normalise(first17)
    return first17 + check_character(first17)
