from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest

from services.identity.domain.mfa import (
    RECOVERY_ALPHABET,
    hash_recovery_code,
    hash_recovery_codes,
    match_recovery_code,
    new_recovery_codes,
    new_totp_secret,
    provisioning_uri,
    qr_png,
    time_step,
    totp_code_at,
    verify_totp,
)

NOW = datetime(2025, 6, 1, 9, 0, 10, tzinfo=timezone.utc)
STEP = timedelta(seconds=30)


@pytest.fixture
def secret():
    return new_totp_secret()


def test_secret_is_base32_of_160_bits(secret):
    assert len(secret) == 32
    pyotp.TOTP(secret).now()  # decodes


def test_codes_match_a_standard_authenticator(secret):
    assert totp_code_at(secret, NOW) == pyotp.TOTP(secret).at(NOW)


def test_current_code_is_accepted(secret):
    assert verify_totp(secret, totp_code_at(secret, NOW), NOW) == time_step(NOW)


def test_previous_and_next_step_are_accepted(secret):
    assert verify_totp(secret, totp_code_at(secret, NOW - STEP), NOW) == time_step(NOW) - 1
    assert verify_totp(secret, totp_code_at(secret, NOW + STEP), NOW) == time_step(NOW) + 1


def test_code_two_steps_old_is_refused(secret):
    assert verify_totp(secret, totp_code_at(secret, NOW - 2 * STEP), NOW) is None


def test_replay_of_the_same_step_is_refused(secret):
    code = totp_code_at(secret, NOW)
    step = verify_totp(secret, code, NOW)
    assert verify_totp(secret, code, NOW + timedelta(seconds=5), last_used_step=step) is None


def test_older_step_after_a_newer_one_is_refused(secret):
    newer = verify_totp(secret, totp_code_at(secret, NOW), NOW)
    assert verify_totp(secret, totp_code_at(secret, NOW - STEP), NOW, last_used_step=newer) is None


def test_next_step_after_use_is_accepted(secret):
    step = verify_totp(secret, totp_code_at(secret, NOW), NOW)
    later = NOW + STEP
    assert verify_totp(secret, totp_code_at(secret, later), later, last_used_step=step) == step + 1


@pytest.mark.parametrize("code", ["", None, "12345", "1234567", "abcdef"])
def test_malformed_codes_are_refused(secret, code):
    assert verify_totp(secret, code, NOW) is None


def test_wrong_code_is_refused(secret):
    right = totp_code_at(secret, NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert verify_totp(secret, wrong, NOW) is None


def test_spaces_in_the_code_are_ignored(secret):
    code = totp_code_at(secret, NOW)
    assert verify_totp(secret, f"{code[:3]} {code[3:]}", NOW) == time_step(NOW)


def test_provisioning_uri(secret):
    uri = provisioning_uri(secret, "zhang@example.com")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert unquote(parsed.path) == "/Suanpan 算盘:zhang@example.com"
    query = parse_qs(parsed.query)
    assert query["secret"] == [secret]
    assert query["issuer"] == ["Suanpan 算盘"]
    assert pyotp.parse_uri(uri).secret == secret


def test_qr_png_is_a_png(secret):
    png = qr_png(provisioning_uri(secret, "zhang@example.com"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 200


# --------------------------------------------------------------------------- recovery codes

def test_recovery_codes_are_readable_and_unique():
    codes = new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        first, second = code.split("-")
        assert len(first) == len(second) == 5
        assert set(first + second) <= set(RECOVERY_ALPHABET)
        assert not set("01ilo") & set(first + second)


def test_recovery_code_matches_once():
    codes = new_recovery_codes(4)
    hashes = hash_recovery_codes(codes)
    assert all(code not in stored for code, stored in zip(codes, hashes))
    index = match_recovery_code(codes[2], hashes)
    assert index == 2
    hashes[index] = None  # what the service stores after using it
    assert match_recovery_code(codes[2], hashes) is None
    assert match_recovery_code(codes[0], hashes) == 0


def test_recovery_code_typing_variations_match():
    code = new_recovery_codes(1)[0]
    hashes = [hash_recovery_code(code)]
    assert match_recovery_code(code.upper(), hashes) == 0
    assert match_recovery_code(code.replace("-", " "), hashes) == 0
    assert match_recovery_code(code.replace("-", ""), hashes) == 0


def test_wrong_or_malformed_recovery_code_does_not_match():
    hashes = hash_recovery_codes(new_recovery_codes(3))
    assert match_recovery_code("abcde-fghjk", hashes) is None
    assert match_recovery_code("", hashes) is None
    assert match_recovery_code(None, hashes) is None
    assert match_recovery_code("abcde-fghjk", ["not-a-hash", None, ""]) is None


def test_same_code_hashes_differently_with_fresh_salts():
    assert hash_recovery_code("abcde-fghjk") != hash_recovery_code("abcde-fghjk")
