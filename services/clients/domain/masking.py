"""How sensitive values look when shown: computed once at write time and stored
beside the ciphertext, so a list never decrypts anything."""
import re

ID_MASK_KEEP = (4, 4)


def mask_middle(value, keep_start=4, keep_end=4, star="*"):
    """Keep the first and last characters, star the rest (the length is kept).
    Short values keep less, so at least half is always hidden."""
    value = value or ""
    if len(value) <= 2:
        return star * len(value)
    while keep_start + keep_end > len(value) // 2 and (keep_start or keep_end):
        if keep_start >= keep_end and keep_start:
            keep_start -= 1
        else:
            keep_end -= 1
    return value[:keep_start] + star * (len(value) - keep_start - keep_end) + value[len(value) - keep_end:]


def mask_id_number(number):
    """"610102199001011231" -> "6101**********1231"."""
    return mask_middle(number, *ID_MASK_KEEP)


def mask_account_number(number):
    """"6222021234567890123" -> "6222***********0123"."""
    return mask_middle(re.sub(r"\s", "", number or ""), 4, 4)
