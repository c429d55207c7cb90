"""Password rules: what a new password must look like, how it is hashed, when it expires.

The policy follows 等保 2.0 practice for business systems (length plus four
character classes) and NIST SP 800-63B's advice to refuse passwords that are
known to be common or that contain the user's own details.
"""
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from servicekit.errors import ValidationFailed

MIN_LENGTH = 8
# An upper bound keeps an attacker from making us hash megabytes of "password".
MAX_LENGTH = 128
# Personal details shorter than this are not searched for inside the password:
# a two-letter name would refuse half of all passwords.
MIN_PERSONAL_SUBSTRING = 4
# A common word left after stripping decorations must be at least this long to
# refuse the password ("Ab1!" stripped to "ab" says nothing).
MIN_COMMON_BASE = 4
DEFAULT_MAX_AGE_DAYS = 90

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# argon2id, RFC 9106 section 4 "second recommended option" (the low-memory one):
# 3 passes over 64 MiB with 4 lanes, 16-byte salt, 32-byte tag. About 185 ms on
# one core of the 2-core machines here (memory-bound: ~8 hashes/s per machine,
# docs/benchmarks.md): slow for an attacker with a stolen table, fine for a login. The parameters are stored in every hash, so raising them
# later only means old hashes report needs_rehash() and are upgraded on login.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_COST_KIB = 64 * 1024
ARGON2_PARALLELISM = 4
ARGON2_HASH_LEN = 32
ARGON2_SALT_LEN = 16
ARGON2_TYPE = Type.ID

PASSWORD_HASHER = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_COST_KIB,
    parallelism=ARGON2_PARALLELISM,
    hash_len=ARGON2_HASH_LEN,
    salt_len=ARGON2_SALT_LEN,
    type=ARGON2_TYPE,
)


@dataclass(frozen=True)
class PolicyViolation:
    rule: str  # stable code the client can map, e.g. "TOO_SHORT"
    message: str  # Chinese first, then English


TOO_SHORT = PolicyViolation("TOO_SHORT", f"密码至少{MIN_LENGTH}位 / at least {MIN_LENGTH} characters")
TOO_LONG = PolicyViolation("TOO_LONG", f"密码最多{MAX_LENGTH}位 / at most {MAX_LENGTH} characters")
NO_UPPER = PolicyViolation("NO_UPPER", "密码须包含大写字母 / must contain an upper-case letter")
NO_LOWER = PolicyViolation("NO_LOWER", "密码须包含小写字母 / must contain a lower-case letter")
NO_DIGIT = PolicyViolation("NO_DIGIT", "密码须包含数字 / must contain a digit")
NO_SPECIAL = PolicyViolation("NO_SPECIAL", "密码须包含特殊字符（如 !@#$%） / must contain a special character (e.g. !@#$%)")
CONTAINS_NAME = PolicyViolation("CONTAINS_NAME", "密码不能包含您的姓名 / must not contain your name")
CONTAINS_EMAIL = PolicyViolation("CONTAINS_EMAIL", "密码不能包含您的邮箱 / must not contain your email address")
CONTAINS_PHONE = PolicyViolation("CONTAINS_PHONE", "密码不能包含您的手机号 / must not contain your phone number")
TOO_COMMON = PolicyViolation("TOO_COMMON", "密码过于常见，容易被猜到 / this password is too common and easy to guess")


# --------------------------------------------------------------------------- policy

def password_policy_violations(password, *, name=None, email=None, phone=None):
    """Every rule `password` breaks, in a stable order (empty list: acceptable)."""
    password = _normalise(password)
    violations = []
    if len(password) < MIN_LENGTH:
        violations.append(TOO_SHORT)
    if len(password) > MAX_LENGTH:
        violations.append(TOO_LONG)
    if not any(c.isupper() for c in password):
        violations.append(NO_UPPER)
    if not any(c.islower() for c in password):
        violations.append(NO_LOWER)
    if not any(c.isdigit() for c in password):
        violations.append(NO_DIGIT)
    if not any(_is_special(c) for c in password):
        violations.append(NO_SPECIAL)
    if name and _contains_name(password, name):
        violations.append(CONTAINS_NAME)
    if email and _contains_email(password, email):
        violations.append(CONTAINS_EMAIL)
    if phone and _contains_phone(password, phone):
        violations.append(CONTAINS_PHONE)
    if is_common_password(password):
        violations.append(TOO_COMMON)
    return violations


def check_password_policy(password, *, name=None, email=None, phone=None):
    """Raise ValidationFailed(code="PASSWORD_POLICY") listing every broken rule."""
    violations = password_policy_violations(password, name=name, email=email, phone=phone)
    if violations:
        raise ValidationFailed(
            fields={"password": [v.message for v in violations]},
            code="PASSWORD_POLICY",
            message="密码不符合安全要求",
            message_en="The password does not meet the password policy",
            details={"rules": [v.rule for v in violations]},
        )


def _normalise(password):
    # NFKC so that full-width "Ａ１！" (easy to type with a Chinese IME) counts
    # as "A1!" for the rules and hashes the same as what the user meant.
    return unicodedata.normalize("NFKC", password or "")


def _is_special(char):
    # Anything that is neither a letter nor a digit: punctuation, symbols, space.
    # CJK characters are letters (isalnum), so they do not count as special.
    return not char.isalnum()


def _contains_name(password, name):
    lowered = password.casefold()
    name = _normalise(name).casefold().strip()
    candidates = {name, re.sub(r"\s+", "", name)}
    candidates.update(part for part in re.split(r"[\s.\-_·]+", name) if part)
    return any(_contains(lowered, candidate) for candidate in candidates)


def _contains_email(password, email):
    lowered = password.casefold()
    email = _normalise(email).casefold().strip()
    local = email.split("@", 1)[0]
    return _contains(lowered, email) or _contains(lowered, local)


def _contains_phone(password, phone):
    digits = re.sub(r"\D", "", _normalise(phone))
    # "+86 138..." and "0086138..." are the same number as "138...".
    for prefix in ("0086", "86"):
        if len(digits) > 11 and digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    if not digits:
        return False
    password_digits = re.sub(r"\D", "", password)
    return _contains(password, digits) or _contains(password_digits, digits)


def _contains(haystack, needle):
    """Equal always counts; a substring only when the needle is long enough to mean something."""
    if not needle:
        return False
    if haystack == needle:
        return True
    return len(needle) >= MIN_PERSONAL_SUBSTRING and needle in haystack


# --------------------------------------------------------------------------- common passwords

# What people substitute for letters to satisfy "needs a digit and a symbol".
# "1" stands for both "i" and "l", so both readings are tried.
_LEET_VARIANTS = (
    str.maketrans({"@": "a", "4": "a", "3": "e", "0": "o", "$": "s", "5": "s", "7": "t", "1": "i", "!": "i"}),
    str.maketrans({"@": "a", "4": "a", "3": "e", "0": "o", "$": "s", "5": "s", "7": "t", "1": "l", "!": "l"}),
)


@lru_cache(maxsize=1)
def common_passwords():
    """The refused list, lower-cased (read once per process)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def is_common_password(password):
    """True if the password, or what is left after the usual decorations, is on the list.

    "Password123!" -> "password"; "P@ssw0rd" -> "password"; "!!Dragon2024" -> "dragon".
    """
    common = common_passwords()
    lowered = _normalise(password).casefold()
    if lowered in common:
        return True
    trailing_stripped = re.sub(r"[\W\d_]+$", "", lowered)
    both_stripped = re.sub(r"^[\W\d_]+", "", trailing_stripped)
    for base in {trailing_stripped, both_stripped}:
        if len(base) >= MIN_COMMON_BASE and base in common:
            return True
    # Undo l33t on the word as typed and on the word without its decorations.
    for word in {lowered, trailing_stripped, both_stripped}:
        for table in _LEET_VARIANTS:
            plain = word.translate(table)
            if plain != word:
                stripped = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", plain)
                if plain in common or (len(stripped) >= MIN_COMMON_BASE and stripped in common):
                    return True
    return False


# --------------------------------------------------------------------------- hashing

def hash_password(password, hasher=PASSWORD_HASHER):
    """argon2id hash in PHC string form ("$argon2id$v=19$m=65536,t=3,p=4$...")."""
    return hasher.hash(_normalise(password))


def verify_password(password_hash, password, hasher=PASSWORD_HASHER):
    """True if `password` matches; False on a mismatch or a hash we cannot read. Never raises."""
    if not password_hash or password is None:
        return False
    try:
        return hasher.verify(password_hash, _normalise(password))
    except (VerificationError, InvalidHashError, ValueError, TypeError):
        # VerifyMismatchError is a VerificationError; a corrupt or foreign hash
        # is InvalidHashError. Either way the password is not proven.
        return False


def needs_rehash(password_hash, hasher=PASSWORD_HASHER):
    """True if the hash was made with other parameters than today's (rehash it after a good login)."""
    try:
        return hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError, TypeError):
        return True


@lru_cache(maxsize=1)
def _dummy_hash():
    return hash_password("suanpan-dummy-password-for-timing")


def verify_dummy_password(password):
    """Spend the time of one verification and return False.

    Call it when the login is unknown, so that an unknown login answers as slowly
    as a known one with a wrong password and response times do not reveal which
    accounts exist."""
    verify_password(_dummy_hash(), password)
    return False


# --------------------------------------------------------------------------- expiry

def _password_expires_at(changed_at, max_age_days):
    return changed_at + timedelta(days=max_age_days)


def password_change_due(changed_at, now, max_age_days=DEFAULT_MAX_AGE_DAYS):
    """True when the password is older than `max_age_days` (or was never set by the user).

    `changed_at=None` means the password was set for the user (by an admin or a
    seed), so they must choose their own. `max_age_days` of 0/None turns expiry off.
    """
    if changed_at is None:
        return True
    if not max_age_days:
        return False
    return now >= _password_expires_at(changed_at, max_age_days)


def password_days_left(changed_at, now, max_age_days=DEFAULT_MAX_AGE_DAYS):
    """Whole days until a change is due, rounded up (0 when due; None when expiry is off)."""
    if changed_at is None:
        return 0
    if not max_age_days:
        return None
    remaining = _password_expires_at(changed_at, max_age_days) - now
    if remaining <= timedelta(0):
        return 0
    return math.ceil(remaining / timedelta(days=1))
