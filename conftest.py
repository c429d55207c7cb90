"""For the whole suite: one AUTH_CONTEXT_KEY, set before any platform starts, so the
services the tests start and the tests' own RPC calls sign and check auth contexts
with the same secret (servicekit.auth; scripts/platform.py passes it on)."""
import os
import secrets

os.environ.setdefault("AUTH_CONTEXT_KEY", secrets.token_hex(32))
