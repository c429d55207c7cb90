"""The staff directory: identity, asked over RPC whether a user exists in the
caller's agency and which roles they hold (to check an assignee).

The call carries the caller's own context data (nameko passes it on), so identity
applies its own permission check (users.read) and agency scoping. It has a
deadline (IDENTITY_RPC_TIMEOUT_SECONDS): when identity is down the call ends in
503 SERVICE_UNAVAILABLE, and the request expires at the broker, so it never runs late."""
from servicekit.rpc import TimedServiceRpc, call_or_none


def identity_rpc():
    return TimedServiceRpc("identity", "IDENTITY_RPC_TIMEOUT_SECONDS", 5)


def staff_member(identity, user_id):
    """identity's view of the user, or None when the caller's agency has no such user."""
    return call_or_none(identity, "get_user", str(user_id))
