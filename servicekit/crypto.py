"""Field encryption at rest: AES-256-GCM with a key id, so keys can be rotated.

FIELD_ENCRYPTION_KEYS holds "kid:base64key" pairs separated by commas; the first
is used to encrypt, all are tried by kid to decrypt, so a new key can be put first
and old rows re-encrypted at leisure (re_encrypt). A stored value looks like
"v1.<kid>.<base64 nonce+ciphertext>"; the associated data binds it to its column
and row, so a ciphertext copied into another row does not decrypt.
"""
import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .config import setting


def generate_key():
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


class FieldCipher:
    def __init__(self, keys):
        """keys: [(kid, raw 32-byte key)], the first encrypts."""
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._keys = {kid: AESGCM(key) for kid, key in keys}
        self._current = keys[0][0]

    @classmethod
    def from_setting(cls, text=None):
        text = text if text is not None else setting("FIELD_ENCRYPTION_KEYS")
        if not text:
            raise RuntimeError("FIELD_ENCRYPTION_KEYS is not set (\"kid:base64-32-byte-key\", comma separated)")
        keys = []
        for part in str(text).split(","):
            kid, _, b64 = part.strip().partition(":")
            try:
                raw = base64.b64decode(b64, validate=True)
            except ValueError as exc:
                raise RuntimeError(f"encryption key {kid!r} is not valid base64") from exc
            if len(raw) != 32 or not kid or "." in kid:
                raise RuntimeError(f"encryption key {kid!r} must be a 32-byte base64 key with a kid without dots")
            keys.append((kid, raw))
        return cls(keys)

    def encrypt(self, plaintext, context=""):
        if plaintext is None:
            return None
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), context.encode())
        return f"v1.{self._current}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored, context=""):
        if stored is None:
            return None
        version, kid, b64 = stored.split(".", 2)
        if version != "v1" or kid not in self._keys:
            raise ValueError("unknown encryption key or format")
        blob = base64.urlsafe_b64decode(b64)
        return self._keys[kid].decrypt(blob[:12], blob[12:], context.encode()).decode()

    def needs_reencrypt(self, stored):
        return stored is not None and stored.split(".", 2)[1] != self._current

    def re_encrypt(self, stored, context=""):
        return self.encrypt(self.decrypt(stored, context), context)
