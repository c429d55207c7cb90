import pytest

from servicekit.errors import ValidationFailed
from services.identity.domain.notify import (
    classify_login,
    mask_email,
    mask_phone,
    normalise_email,
    normalise_phone,
)


@pytest.mark.parametrize("text, expected", [
    ("zhang@example.com", "zhang@example.com"),
    ("  Zhang.Wei@Example.COM ", "zhang.wei@example.com"),
    ("zhang＠example.com", "zhang@example.com"),  # full-width @ from an IME
    ("a+tag@mail.example.com.cn", "a+tag@mail.example.com.cn"),
])
def test_normalise_email(text, expected):
    assert normalise_email(text) == expected


@pytest.mark.parametrize("text", ["", None, "zhang", "zhang@", "@example.com", "zhang@example",
                                  "zh ang@example.com", "a@b@example.com", "zhang@-example.com",
                                  "zhang..wei@example.com", ".zhang@example.com", "zhang@example..com",
                                  "a" * 65 + "@example.com"])
def test_invalid_email(text):
    with pytest.raises(ValidationFailed) as caught:
        normalise_email(text)
    assert caught.value.code == "INVALID_EMAIL"
    assert "email" in caught.value.details["fields"]


@pytest.mark.parametrize("text", ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000",
                                  "+8613800138000", "008613800138000", "8613800138000", "(138)00138000",
                                  "１３８００１３８０００"])
def test_normalise_phone(text):
    assert normalise_phone(text) == "13800138000"


@pytest.mark.parametrize("text", ["", None, "12800138000", "1380013800", "138001380001", "23800138000",
                                  "+1 415 555 0100", "1380013800a", "+85 13800138000"])
def test_invalid_phone(text):
    with pytest.raises(ValidationFailed) as caught:
        normalise_phone(text)
    assert caught.value.code == "INVALID_PHONE"


def test_every_mobile_prefix_13_to_19():
    for second in "3456789":
        assert normalise_phone(f"1{second}012345678") == f"1{second}012345678"


def test_classify_login():
    assert classify_login(" Zhang@Example.com ") == ("email", "zhang@example.com")
    assert classify_login("+86 139-1234-5678") == ("phone", "13912345678")


@pytest.mark.parametrize("text", ["", "zhangsan", "12345", "zhang@", None])
def test_classify_login_refuses_other_text(text):
    with pytest.raises(ValidationFailed) as caught:
        classify_login(text)
    assert caught.value.code == "INVALID_LOGIN"
    assert "login" in caught.value.details["fields"]


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("12") == "****"


def test_mask_email():
    assert mask_email("zhangsan@example.com") == "z***n@example.com"
    assert mask_email("ab@example.com") == "a*@example.com"
    assert mask_email("a@example.com") == "*@example.com"
