"""Account codes (4-2-2-2) and the rules for adding sub-accounts.

A first-level code has 4 digits; each lower level adds 2 (1002 → 100201 → 10020101 →
1002010101), so at most 4 levels. Only leaf accounts take voucher lines and balances;
a parent's figures are the sum of its leaves (found by code prefix)."""
from servicekit.errors import BadRequest, Conflict

SEGMENTS = (4, 6, 8, 10)
MAX_LEVEL = len(SEGMENTS)


def level_of(code):
    """1-4 for a well-formed code, else None."""
    if not isinstance(code, str) or not code.isdigit() or len(code) not in SEGMENTS:
        return None
    return SEGMENTS.index(len(code)) + 1


def parent_of(code):
    level = level_of(code)
    return None if level in (None, 1) else code[:SEGMENTS[level - 2]]


def is_under(code, ancestor):
    """True when `code` is `ancestor` or below it."""
    return code.startswith(ancestor)


def child_code(parent_code, sibling_codes, wanted=None):
    """The code for a new sub-account of `parent_code`: `wanted` when given (it must
    be the parent's code plus 2 digits, not 00, and free), else the next free one
    after the highest sibling. Raises BadRequest/Conflict with a clear message."""
    level = level_of(parent_code)
    if level is None:
        raise BadRequest(code="ACCOUNT_CODE_INVALID", message="上级科目代码无效",
                         message_en="The parent account code is invalid", details={"parent_code": parent_code})
    if level >= MAX_LEVEL:
        raise BadRequest(code="ACCOUNT_TOO_DEEP", message=f"科目最多{MAX_LEVEL}级（4-2-2-2），不能在 {parent_code} 下再设下级",
                         message_en=f"Accounts go {MAX_LEVEL} levels deep (4-2-2-2); {parent_code} cannot take sub-accounts",
                         details={"parent_code": parent_code})
    taken = {code for code in sibling_codes}
    if wanted is not None:
        if len(wanted) != len(parent_code) + 2 or not wanted.startswith(parent_code) or wanted.endswith("00"):
            raise BadRequest(code="ACCOUNT_CODE_INVALID",
                             message=f"下级科目代码应为上级代码 {parent_code} 加两位数字（01-99）",
                             message_en=f"A sub-account code is the parent's code {parent_code} plus 2 digits (01-99)",
                             details={"code": wanted, "parent_code": parent_code})
        if wanted in taken:
            raise account_exists(wanted)
        return wanted
    suffixes = [int(code[-2:]) for code in taken]
    following = max(suffixes, default=0) + 1
    if following > 99:  # every slot after the highest is used: take the lowest free one
        free = [n for n in range(1, 100) if n not in suffixes]
        if not free:
            raise Conflict(code="ACCOUNT_CODES_EXHAUSTED", message=f"{parent_code} 下的99个代码已用完",
                           message_en=f"All 99 codes under {parent_code} are used",
                           details={"parent_code": parent_code})
        following = free[0]
    return f"{parent_code}{following:02d}"


def account_exists(code):
    return Conflict(code="ACCOUNT_EXISTS", message=f"科目代码 {code} 已存在",
                    message_en=f"Account code {code} already exists", details={"code": code})


def has_postings_error(code):
    return Conflict(code="ACCOUNT_HAS_POSTINGS",
                    message=f"科目 {code} 已有凭证分录或期初余额，不能直接增加下级科目：请先用一张凭证把余额转出（或删除未记账凭证、清除期初余额），再增加下级科目",
                    message_en=f"Account {code} already has voucher lines or an opening balance, so it cannot take its "
                               f"first sub-account: first move the balance out with an explicit voucher (or delete the "
                               f"unposted vouchers and clear the opening balance), then add the sub-account",
                    details={"code": code})


def has_balance_error(code, balance):
    return Conflict(code="ACCOUNT_HAS_BALANCE",
                    message=f"科目 {code} 余额不为零（{balance:,.2f}），不能停用",
                    message_en=f"Account {code} has a non-zero balance ({balance:,.2f}) and cannot be disabled",
                    details={"code": code, "balance": format(balance, "f")})
