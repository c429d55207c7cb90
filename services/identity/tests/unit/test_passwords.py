from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher, Type

from servicekit.errors import ValidationFailed
from services.identity.domain import passwords
from services.identity.domain.passwords import (
    check_password_policy,
    hash_password,
    is_common_password,
    needs_rehash,
    password_change_due,
    password_days_left,
    password_policy_violations,
    verify_password,
    verify_dummy_password,
)

GOOD = "Kf7#mQ2vLx"
# Cheap parameters so the tests that are not about the parameters stay fast.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)


def rules(password, **personal):
    return [v.rule for v in password_policy_violations(password, **personal)]


# --------------------------------------------------------------------------- policy

def test_a_strong_password_passes():
    assert rules(GOOD) == []
    check_password_policy(GOOD, name="Zhang Wei", email="zhang.wei@example.com", phone="13800138000")


@pytest.mark.parametrize("password, rule", [
    ("Kf7#mQ2", "TOO_SHORT"),
    ("kf7#mq2vlx", "NO_UPPER"),
    ("KF7#MQ2VLX", "NO_LOWER"),
    ("Kf#mQzvLxy", "NO_DIGIT"),
    ("Kf7mQ2vLx9", "NO_SPECIAL"),
])
def test_each_rule_alone(password, rule):
    assert rules(password) == [rule]


def test_too_long():
    assert rules(GOOD + "a" * 200) == ["TOO_LONG"]


def test_exactly_min_and_max_length_pass():
    assert rules("Kf7#mQ2v") == []
    assert rules("Kf7#mQ2v" * 16) == []  # 128


def test_every_broken_rule_is_listed_with_chinese_and_english():
    with pytest.raises(ValidationFailed) as caught:
        check_password_policy("abc")
    error = caught.value
    assert error.code == "PASSWORD_POLICY"
    messages = error.details["fields"]["password"]
    assert "密码至少8位 / at least 8 characters" in messages
    assert error.details["rules"] == ["TOO_SHORT", "NO_UPPER", "NO_DIGIT", "NO_SPECIAL"]
    assert all(" / " in message for message in messages)


def test_space_and_chinese_punctuation_count_as_special():
    assert rules("Kf7 mQ2vLx") == []
    assert rules("Kf7，mQ2vLx") == []


def test_full_width_characters_are_normalised():
    # An IME may type full-width letters and digits: they count as the ASCII ones.
    assert rules("Ｋｆ７＃ｍＱ２ｖＬｘ") == []


def test_password_containing_name_is_refused():
    assert "CONTAINS_NAME" in rules("Xx#1ZhangWei", name="Zhang Wei")
    assert "CONTAINS_NAME" in rules("Xx#1SMITHxx", name="John Smith")  # a part, any case
    assert "CONTAINS_NAME" in rules("Xx#1LiNaQq", name="Li Na")  # the whole name, spaces dropped
    assert "CONTAINS_NAME" not in rules("Xx#1LiQqNa", name="Li Na")  # 2-char parts: equality only


def test_password_equal_to_a_short_name_is_refused():
    assert "CONTAINS_NAME" in rules("张伟", name="张伟")


def test_password_containing_email_is_refused():
    assert "CONTAINS_EMAIL" in rules("Zhang.Wei#2024", email="zhang.wei@example.com")
    assert "CONTAINS_EMAIL" in rules("zhang.wei@example.COM1!A", email="zhang.wei@example.com")
    assert "CONTAINS_EMAIL" not in rules(GOOD, email="zhang.wei@example.com")


def test_password_containing_phone_is_refused():
    assert "CONTAINS_PHONE" in rules("Ab#13800138000", phone="+86 138-0013-8000")
    assert "CONTAINS_PHONE" in rules("Ab#138-0013-8000", phone="13800138000")
    assert "CONTAINS_PHONE" not in rules(GOOD, phone="13800138000")


@pytest.mark.parametrize("password", [
    "password", "PASSWORD", "Password123!", "P@ssw0rd!", "Qwerty123!", "!!Dragon2024",
    "1Qaz2wsx!", "Woaini1314!", "Iloveyou520!", "Monkey#1",
])
def test_common_passwords_are_refused(password):
    assert is_common_password(password)
    assert "TOO_COMMON" in rules(password)


@pytest.mark.parametrize("password", [GOOD, "Tr0ub4dor&3", "Xk9#mQ2$vL", "Ab1!xyzq"])
def test_uncommon_passwords_pass(password):
    assert not is_common_password(password)


def test_common_list_has_at_least_a_thousand_entries():
    common = passwords.common_passwords()
    assert len(common) >= 1000
    assert {"123456", "password", "qwerty", "woaini1314"} <= common


# --------------------------------------------------------------------------- hashing

def test_hash_is_argon2id_with_the_documented_parameters():
    hashed = hash_password(GOOD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(hashed, GOOD)
    assert not needs_rehash(hashed)


def test_verify_right_and_wrong_password():
    hashed = hash_password(GOOD, hasher=FAST)
    assert verify_password(hashed, GOOD, hasher=FAST)
    assert not verify_password(hashed, GOOD + "x", hasher=FAST)
    assert not verify_password(hashed, "", hasher=FAST)


def test_same_password_hashes_differently_each_time():
    assert hash_password(GOOD, hasher=FAST) != hash_password(GOOD, hasher=FAST)


@pytest.mark.parametrize("garbage", ["", None, "not a hash", "$argon2id$v=19$m=65536,t=3,p=4$broken",
                                     "$2b$12$abcdefghijklmnopqrstuv"])
def test_verify_never_raises_on_garbage(garbage):
    assert verify_password(garbage, GOOD) is False


def test_verify_with_none_password_is_false():
    assert verify_password(hash_password(GOOD, hasher=FAST), None, hasher=FAST) is False


def test_full_width_password_verifies_as_typed_in_ascii():
    hashed = hash_password("Ｋｆ７＃ｍＱ２ｖＬｘ", hasher=FAST)
    assert verify_password(hashed, GOOD, hasher=FAST)


def test_weaker_parameters_need_rehash():
    assert needs_rehash(hash_password(GOOD, hasher=FAST))
    assert needs_rehash("garbage")


def test_dummy_verification_is_always_false():
    assert verify_dummy_password(GOOD) is False


# --------------------------------------------------------------------------- expiry

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_password_age():
    assert not password_change_due(NOW - timedelta(days=89), NOW)
    assert password_days_left(NOW - timedelta(days=89), NOW) == 1
    assert password_change_due(NOW - timedelta(days=90), NOW)
    assert password_days_left(NOW - timedelta(days=90), NOW) == 0
    assert password_days_left(NOW - timedelta(days=200), NOW) == 0
    assert password_days_left(NOW - timedelta(days=10, hours=1), NOW) == 80


def test_partial_day_rounds_up():
    assert password_days_left(NOW - timedelta(days=89, hours=12), NOW) == 1


def test_never_changed_means_change_now():
    assert password_change_due(None, NOW)
    assert password_days_left(None, NOW) == 0


def test_custom_and_disabled_max_age():
    assert password_change_due(NOW - timedelta(days=31), NOW, max_age_days=30)
    assert not password_change_due(NOW - timedelta(days=3650), NOW, max_age_days=0)
    assert password_days_left(NOW, NOW, max_age_days=None) is None
