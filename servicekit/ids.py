"""Ids and the business time zone, the same in every service."""
import uuid
from datetime import timedelta, timezone

# business dates are Asia/Shanghai dates (UTC+8 all year, no daylight saving)
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


def new_id():
    return str(uuid.uuid4())


def valid_uuid(value):
    """The canonical text of `value` when it is a UUID, else None (a malformed id in
    a path is simply not found)."""
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        return None
