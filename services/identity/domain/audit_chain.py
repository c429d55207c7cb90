"""The audit log's hash chain: each agency's entries are numbered 1, 2, 3 ... and
each entry's hash covers its own fields and the previous entry's hash.

Changing a field, deleting or reordering entries, or re-linking one breaks the
chain from that point on, and `verify_chain` says where. Someone who can write
the table can still rewrite the whole tail consistently; to catch that, keep the
latest (seq, hash) somewhere else as well (an export, a report, a second store)
and pass it as `expected_head`.

The caller must append entries for one agency one at a time (e.g. lock the
agency's chain head row with SELECT ... FOR UPDATE), or two writers would both
link to the same previous entry.
"""
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from uuid import UUID

GENESIS_HASH = "0" * 64

# The fields the hash covers, in the stored entry. Missing ones count as null.
CHAINED_FIELDS = (
    "agency_id", "seq", "occurred_at", "actor_id", "actor_name", "action",
    "target_type", "target_id", "ip", "user_agent", "details",
)

# verify_chain reasons
OK = "ok"
SEQ_GAP = "seq_gap"  # an entry is missing (deleted)
SEQ_OUT_OF_ORDER = "seq_out_of_order"  # entries reordered or duplicated
PREV_HASH_MISMATCH = "prev_hash_mismatch"  # the link to the previous entry is broken
HASH_MISMATCH = "hash_mismatch"  # the entry's fields were changed
AGENCY_MISMATCH = "agency_mismatch"  # an entry of another agency in this chain
HEAD_MISMATCH = "head_mismatch"  # the chain does not end where it is known to end


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    checked: int  # entries that verified before the first problem (all of them if ok)
    first_bad_seq: int = None  # the seq of the entry where the chain breaks
    reason: str = OK
    detail: str = ""


def canonical_json(value):
    """UTF-8 JSON with sorted keys and no whitespace: the bytes that get hashed.

    Timestamps become UTC ISO strings with microseconds and "Z", so the value
    read back from PostgreSQL (in whatever session time zone) hashes the same as
    the value written.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    ).encode("utf-8")


def _json_default(value):
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot put {type(value).__name__} into an audit entry")


def format_timestamp(value):
    """'2025-01-31T08:00:00.000000Z' - naive datetimes are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _chained(entry_fields):
    values = {name: _get(entry_fields, name) for name in CHAINED_FIELDS}
    for name in ("agency_id", "actor_id", "target_id"):
        if values[name] is not None:
            values[name] = str(values[name])  # UUID or str: the same id hashes the same
    if values["seq"] is not None:
        values["seq"] = int(values["seq"])
    if values["occurred_at"] is not None and not isinstance(values["occurred_at"], str):
        values["occurred_at"] = format_timestamp(values["occurred_at"])
    return values


def entry_hash(prev_hash, entry_fields):
    """sha256 hex over the canonical JSON of the chained fields plus `prev_hash`."""
    payload = _chained(entry_fields)
    payload["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def chain_entry(entry_fields, prev_seq=0, prev_hash=GENESIS_HASH):
    """The entry to insert after (prev_seq, prev_hash): `entry_fields` plus seq,
    prev_hash and hash. (0, GENESIS_HASH) starts an agency's chain."""
    entry = dict(entry_fields)
    entry["seq"] = prev_seq + 1
    entry["prev_hash"] = prev_hash
    entry["hash"] = entry_hash(prev_hash, entry)
    return entry


def verify_chain(entries, *, start_seq=1, start_prev_hash=GENESIS_HASH, expected_head=None):
    """Check `entries` (one agency's, in the order read, normally ORDER BY seq).

    To check a later stretch only, pass the seq of its first entry and the hash
    of the entry before it. `expected_head` = (seq, hash) of the last entry as
    recorded elsewhere, to also catch entries cut off the end.
    """
    expected_seq = start_seq
    prev_hash = start_prev_hash
    agency_id = None
    checked = 0
    last_seq = start_seq - 1
    for entry in entries:
        seq = _get(entry, "seq")
        this_agency = str(_get(entry, "agency_id"))
        if agency_id is None:
            agency_id = this_agency
        elif this_agency != agency_id:
            return _broken(checked, seq, AGENCY_MISMATCH, f"agency {this_agency} in the chain of {agency_id}")
        if seq != expected_seq:
            reason = SEQ_GAP if seq is not None and seq > expected_seq else SEQ_OUT_OF_ORDER
            return _broken(checked, seq, reason, f"expected seq {expected_seq}, found {seq}")
        if _get(entry, "prev_hash") != prev_hash:
            return _broken(checked, seq, PREV_HASH_MISMATCH, "prev_hash does not match the previous entry's hash")
        stored_hash = _get(entry, "hash")
        if entry_hash(prev_hash, entry) != stored_hash:
            return _broken(checked, seq, HASH_MISMATCH, "the entry's content does not match its hash")
        checked += 1
        last_seq = seq
        prev_hash = stored_hash
        expected_seq += 1
    if expected_head is not None:
        head_seq, head_hash = expected_head
        if (last_seq, prev_hash) != (head_seq, head_hash):
            return _broken(checked, last_seq + 1 if last_seq < head_seq else head_seq, HEAD_MISMATCH,
                           f"chain ends at seq {last_seq}, expected seq {head_seq}")
    return VerificationResult(ok=True, checked=checked)


def _broken(checked, seq, reason, detail):
    return VerificationResult(ok=False, checked=checked, first_bad_seq=seq, reason=reason, detail=detail)


def _get(entry, name):
    """Read a field from a dict, a SQLAlchemy row mapping or an object."""
    if isinstance(entry, Mapping):
        return entry.get(name)
    mapping = getattr(entry, "_mapping", None)
    if mapping is not None:
        return mapping.get(name)
    return getattr(entry, name, None)
