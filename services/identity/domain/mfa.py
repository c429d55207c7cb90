"""Second factor: TOTP (RFC 6238) codes from an authenticator app, and one-time
recovery codes for when the phone is lost.

TOTP is fixed at SHA-1, 6 digits, 30-second steps: the only combination every
authenticator app (Google, Microsoft, 腾讯身份验证器, FreeOTP ...) honours, and
RFC 6238's own default. We accept the previous and next step too (clock drift),
and `verify_totp` returns the step it matched so the caller can store it and
refuse the same code, or an older one, next time (replay).
"""
import hashlib
import hmac
import io
import re
import secrets
from datetime import timezone

import pyotp
import qrcode
import qrcode.image.pure

TOTP_DIGITS = 6
TOTP_INTERVAL_SECONDS = 30
TOTP_VALID_WINDOW = 1  # steps before/after now that still count
TOTP_DIGEST = hashlib.sha1
DEFAULT_ISSUER = "Suanpan 算盘"

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper and typed by hand.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
# Two groups of five: 31**10, about 2**49.5 - too many to brute-force even
# offline against a stolen salted hash, so a fast hash is enough.
RECOVERY_GROUP_LENGTH = 5
RECOVERY_GROUPS = 2
_RECOVERY_HASH_SCHEME = "sha256"


def _totp(secret):
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, digest=TOTP_DIGEST, interval=TOTP_INTERVAL_SECONDS)


def new_totp_secret():
    """A fresh base32 secret (160 bits, the size RFC 4226 recommends for SHA-1)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret, account_name, issuer=DEFAULT_ISSUER):
    """The otpauth:// URI an authenticator app scans (issuer is shown above the code)."""
    return _totp(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def qr_png(uri, box_size=6, border=4):
    """The URI as a PNG QR code. Uses the pure-Python PyPNG writer: no Pillow needed."""
    image = qrcode.make(uri, image_factory=qrcode.image.pure.PyPNGImage, box_size=box_size, border=border)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def time_step(now):
    """The TOTP counter for a timezone-aware datetime."""
    return int(_timestamp(now)) // TOTP_INTERVAL_SECONDS


def totp_code_at(secret, now):
    """The code an authenticator shows at `now` (for tests and dev tooling)."""
    return _totp(secret).generate_otp(time_step(now))


def verify_totp(secret, code, now, last_used_step=None):
    """The time step `code` belongs to, or None.

    None when the code is malformed, wrong, outside now +/- one step, or belongs
    to a step at or before `last_used_step` (a replayed or older code). Store the
    returned step as the user's new `last_used_step`.
    """
    code = re.sub(r"\s+", "", code or "")
    if not re.fullmatch(rf"\d{{{TOTP_DIGITS}}}", code):
        return None
    totp = _totp(secret)
    current = time_step(now)
    matched = None
    # Check every candidate step so the time taken does not depend on which matched.
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and matched is None:
            matched = step
    if matched is None:
        return None
    if last_used_step is not None and matched <= last_used_step:
        return None
    return matched


def _timestamp(now):
    if now.tzinfo is None:
        # Naive datetimes are taken as UTC (the project stores UTC everywhere).
        now = now.replace(tzinfo=timezone.utc)
    return now.timestamp()


# --------------------------------------------------------------------------- recovery codes

def new_recovery_codes(n=RECOVERY_CODE_COUNT):
    """`n` fresh codes like "k7m2p-x9a4q", shown to the user once."""
    return [_new_recovery_code() for _ in range(n)]


def _new_recovery_code():
    groups = (
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
        for _ in range(RECOVERY_GROUPS)
    )
    return "-".join(groups)


def normalise_recovery_code(code):
    """Lower-case, without spaces or dashes: how the user typed it does not matter."""
    return re.sub(r"[\s\-]+", "", (code or "")).lower()


def hash_recovery_code(code, salt=None):
    """"sha256$<salt hex>$<digest hex>" of the normalised code; a fresh salt per code."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.sha256(f"{salt}:{normalise_recovery_code(code)}".encode()).hexdigest()
    return f"{_RECOVERY_HASH_SCHEME}${salt}${digest}"


def hash_recovery_codes(codes):
    return [hash_recovery_code(code) for code in codes]


def match_recovery_code(code, hashes):
    """Index of the stored hash `code` matches, or None.

    Entries that are None (codes already used) are skipped. The caller must
    clear the matched entry in the same transaction: each code works once.
    """
    normalised = normalise_recovery_code(code)
    if len(normalised) != RECOVERY_GROUP_LENGTH * RECOVERY_GROUPS:
        return None
    matched = None
    for index, stored in enumerate(hashes):
        if not stored:
            continue
        try:
            scheme, salt, _digest = stored.split("$")
        except ValueError:
            continue
        if scheme != _RECOVERY_HASH_SCHEME:
            continue
        if hmac.compare_digest(hash_recovery_code(normalised, salt), stored) and matched is None:
            matched = index
    return matched
