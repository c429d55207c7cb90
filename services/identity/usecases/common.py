"""Pieces several use cases share: password hashing off the event loop, and the
audit entry of something a user did to their own account."""
from servicekit.green import offload

from ..domain import passwords as password_rules
from ..repository import audit


# argon2 is deliberately slow: run it off the event loop (servicekit.green)
def hash_password(password):
    return offload(password_rules.hash_password, password)


def verify_password(password_hash, password):
    return offload(password_rules.verify_password, password_hash, password)


def verify_dummy_password(password):
    return offload(password_rules.verify_dummy_password, password)


def audit_own(call, user, action, **details):
    """Audit what `user` did to their own account (sign-in, password, MFA…)."""
    audit.append(call.session, agency_id=user.agency_id, action=action, actor_id=user.id, actor_name=user.name,
                 target_type="user", target_id=user.id, ip=call.ip, user_agent=call.user_agent, details=details,
                 occurred_at=call.now)
