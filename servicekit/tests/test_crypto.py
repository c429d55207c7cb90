"""servicekit.crypto: AES-256-GCM field encryption with key ids and rotation."""
import base64
import os

import nameko
import pytest
from cryptography.exceptions import InvalidTag

from servicekit.crypto import FieldCipher, generate_key

ID_CARD = "110101199003071234"
CONTEXT = "users.id_card_number:7c1e0a3e-5b7a-4d52-9a1e-0f0e5c3b2a11"


def raw_key():
    return os.urandom(32)


def b64(raw):
    return base64.b64encode(raw).decode()


@pytest.fixture
def cipher():
    return FieldCipher([("k1", raw_key())])


def blob_of(stored):
    return base64.urlsafe_b64decode(stored.split(".", 2)[2])


@pytest.mark.parametrize("plaintext", [ID_CARD, "6222 0212 3456 7890 123", "北京市朝阳区建国路 88 号 张三", "", "x" * 5000])
def test_round_trip(cipher, plaintext):
    stored = cipher.encrypt(plaintext, CONTEXT)
    assert stored.startswith("v1.k1.")
    assert plaintext not in stored or plaintext == ""
    assert cipher.decrypt(stored, CONTEXT) == plaintext


def test_default_context_round_trip(cipher):
    assert cipher.decrypt(cipher.encrypt("张三")) == "张三"


def test_none_passes_through(cipher):
    assert cipher.encrypt(None, CONTEXT) is None
    assert cipher.decrypt(None, CONTEXT) is None
    assert cipher.needs_reencrypt(None) is False


def test_stored_format(cipher):
    stored = cipher.encrypt(ID_CARD, CONTEXT)
    version, kid, body = stored.split(".", 2)
    assert (version, kid) == ("v1", "k1")
    blob = base64.urlsafe_b64decode(body)
    # 12-byte nonce + ciphertext (same length as the plaintext) + 16-byte tag
    assert len(blob) == 12 + len(ID_CARD.encode()) + 16
    assert stored.isascii() and "," not in stored and " " not in stored


def test_ciphertext_differs_each_time(cipher):
    values = {cipher.encrypt(ID_CARD, CONTEXT) for _ in range(20)}
    assert len(values) == 20
    nonces = {blob_of(value)[:12] for value in values}
    assert len(nonces) == 20
    assert all(cipher.decrypt(value, CONTEXT) == ID_CARD for value in values)


@pytest.mark.parametrize("other_context", ["", "users.id_card_number:another-row", "users.bank_account:" + CONTEXT[21:]])
def test_wrong_context_fails(cipher, other_context):
    stored = cipher.encrypt(ID_CARD, CONTEXT)
    with pytest.raises(InvalidTag):
        cipher.decrypt(stored, other_context)


@pytest.mark.parametrize("position", [0, 11, 12, 20, -1])
def test_tampered_ciphertext_fails(cipher, position):
    stored = cipher.encrypt(ID_CARD, CONTEXT)
    prefix = stored.rsplit(".", 1)[0]
    blob = bytearray(blob_of(stored))
    blob[position] ^= 0x01
    tampered = f"{prefix}.{base64.urlsafe_b64encode(bytes(blob)).decode()}"
    with pytest.raises(InvalidTag):
        cipher.decrypt(tampered, CONTEXT)


def test_truncated_ciphertext_fails(cipher):
    stored = cipher.encrypt(ID_CARD, CONTEXT)
    blob = blob_of(stored)[:-1]
    with pytest.raises(InvalidTag):
        cipher.decrypt(f"v1.k1.{base64.urlsafe_b64encode(blob).decode()}", CONTEXT)


def test_unknown_kid_or_version_is_refused(cipher):
    stored = cipher.encrypt(ID_CARD, CONTEXT)
    with pytest.raises(ValueError, match="unknown encryption key"):
        cipher.decrypt(stored.replace("v1.k1.", "v1.k9.", 1), CONTEXT)
    with pytest.raises(ValueError, match="unknown encryption key"):
        cipher.decrypt(stored.replace("v1.", "v2.", 1), CONTEXT)


def test_another_key_under_the_same_kid_fails(cipher):
    stored = cipher.encrypt(ID_CARD, CONTEXT)
    with pytest.raises(InvalidTag):
        FieldCipher([("k1", raw_key())]).decrypt(stored, CONTEXT)


def test_key_rotation():
    old_key, new_key = raw_key(), raw_key()
    old = FieldCipher([("2025", old_key)])
    stored_old = [old.encrypt(f"{ID_CARD}-{i}", f"ctx-{i}") for i in range(3)]
    assert not old.needs_reencrypt(stored_old[0])

    rotated = FieldCipher([("2026", new_key), ("2025", old_key)])
    for i, stored in enumerate(stored_old):
        assert rotated.decrypt(stored, f"ctx-{i}") == f"{ID_CARD}-{i}"  # old rows still readable
        assert rotated.needs_reencrypt(stored) is True
        fresh = rotated.re_encrypt(stored, f"ctx-{i}")
        assert fresh.startswith("v1.2026.")
        assert rotated.needs_reencrypt(fresh) is False
        assert rotated.decrypt(fresh, f"ctx-{i}") == f"{ID_CARD}-{i}"
        # re-encrypting keeps the binding to the row
        with pytest.raises(InvalidTag):
            rotated.decrypt(fresh, "ctx-other")
    new_value = rotated.encrypt("新值", "ctx")
    assert new_value.startswith("v1.2026.")
    # once the old key is dropped, only what was re-encrypted is readable
    only_new = FieldCipher([("2026", new_key)])
    assert only_new.decrypt(new_value, "ctx") == "新值"
    with pytest.raises(ValueError):
        only_new.decrypt(stored_old[0], "ctx-0")
    # and the old key cannot read the new ciphertexts
    with pytest.raises(ValueError):
        old.decrypt(new_value, "ctx")


def test_re_encrypt_with_the_wrong_context_fails():
    old_key = raw_key()
    stored = FieldCipher([("a", old_key)]).encrypt(ID_CARD, CONTEXT)
    with pytest.raises(InvalidTag):
        FieldCipher([("b", raw_key()), ("a", old_key)]).re_encrypt(stored, "wrong")


def test_no_keys_is_refused():
    with pytest.raises(ValueError):
        FieldCipher([])


# --------------------------------------------------------------------------- from_setting / generate_key

def test_generate_key():
    keys = {generate_key() for _ in range(10)}
    assert len(keys) == 10
    for key in keys:
        assert len(base64.b64decode(key, validate=True)) == 32


def test_from_setting_one_key():
    key = generate_key()
    cipher = FieldCipher.from_setting(f"k1:{key}")
    stored = cipher.encrypt(ID_CARD, CONTEXT)
    assert stored.startswith("v1.k1.")
    assert FieldCipher([("k1", base64.b64decode(key))]).decrypt(stored, CONTEXT) == ID_CARD


def test_from_setting_several_keys_first_encrypts():
    k_new, k_old = generate_key(), generate_key()
    old_value = FieldCipher.from_setting(f"old:{k_old}").encrypt("张三", "c")
    cipher = FieldCipher.from_setting(f" new:{k_new} , old:{k_old} ")
    assert cipher.encrypt("x", "c").startswith("v1.new.")
    assert cipher.decrypt(old_value, "c") == "张三"
    assert cipher.needs_reencrypt(old_value)


def test_from_setting_reads_the_setting(monkeypatch):
    key = generate_key()
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", f"envkid:{key}")
    with nameko.config.patch({"FIELD_ENCRYPTION_KEYS": None}):
        assert FieldCipher.from_setting().encrypt("x").startswith("v1.envkid.")
    with nameko.config.patch({"FIELD_ENCRYPTION_KEYS": f"cfgkid:{generate_key()}"}):
        assert FieldCipher.from_setting().encrypt("x").startswith("v1.cfgkid.")


def test_from_setting_missing(monkeypatch):
    monkeypatch.delenv("FIELD_ENCRYPTION_KEYS", raising=False)
    with nameko.config.patch({"FIELD_ENCRYPTION_KEYS": None}):
        with pytest.raises(RuntimeError, match="FIELD_ENCRYPTION_KEYS"):
            FieldCipher.from_setting()
    with pytest.raises(RuntimeError, match="FIELD_ENCRYPTION_KEYS"):
        FieldCipher.from_setting("")


@pytest.mark.parametrize("text", [
    "k1:" + b64(os.urandom(16)),          # AES-128 key: wrong length
    "k1:" + b64(os.urandom(31)),
    "k1:" + b64(os.urandom(33)),
    "k1:",                                 # no key at all
    "k1",                                  # no colon
    ":" + b64(os.urandom(32)),             # no kid
    "k.1:" + b64(os.urandom(32)),          # a dot would break the stored format
    "k1:" + b64(os.urandom(32)) + ",k2:" + b64(os.urandom(8)),  # second key bad
])
def test_from_setting_bad_keys(text):
    with pytest.raises(RuntimeError, match="32-byte"):
        FieldCipher.from_setting(text)


@pytest.mark.parametrize("text", ["k1:not base64 at all!", "k1:abc", "k1:" + b64(os.urandom(32))[:-2]])
def test_from_setting_bad_base64(text):
    # binascii.Error (a ValueError) for undecodable text, RuntimeError when it decodes to the wrong length
    with pytest.raises((RuntimeError, ValueError)):
        FieldCipher.from_setting(text)
