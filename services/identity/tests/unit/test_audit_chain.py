import json
from collections import namedtuple
from datetime import datetime, timedelta, timezone
from uuid import UUID

from services.identity.domain.audit_chain import (
    AGENCY_MISMATCH,
    GENESIS_HASH,
    HASH_MISMATCH,
    HEAD_MISMATCH,
    PREV_HASH_MISMATCH,
    SEQ_GAP,
    SEQ_OUT_OF_ORDER,
    canonical_json,
    chain_entry,
    entry_hash,
    verify_chain,
)

AGENCY = UUID("11111111-2222-3333-4444-555555555555")
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)
SHANGHAI = timezone(timedelta(hours=8))


def fields(i):
    return {
        "agency_id": AGENCY,
        "occurred_at": T0 + timedelta(minutes=i),
        "actor_id": "user-1",
        "actor_name": "张三",
        "action": "user.login" if i % 2 else "user.created",
        "target_type": "user",
        "target_id": f"user-{i}",
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0",
        "details": {"roles": ["accountant"], "n": i},
    }


def build(n):
    entries, seq, prev = [], 0, GENESIS_HASH
    for i in range(n):
        entry = chain_entry(fields(i), seq, prev)
        entries.append(entry)
        seq, prev = entry["seq"], entry["hash"]
    return entries


def test_first_entry_links_to_genesis():
    first = build(1)[0]
    assert first["seq"] == 1 and first["prev_hash"] == "0" * 64
    assert len(first["hash"]) == 64 and first["hash"] == entry_hash(GENESIS_HASH, first)


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical_json({"b": 1, "a": "算", "c": T0}) == '{"a":"算","b":1,"c":"2025-06-01T09:00:00.000000Z"}'.encode()


def test_hash_does_not_depend_on_time_zone_key_order_or_id_type():
    entry = fields(3)
    same = dict(reversed(list(entry.items())))
    same["occurred_at"] = entry["occurred_at"].astimezone(SHANGHAI)  # as read back by a +08:00 session
    same["agency_id"] = str(AGENCY)
    same["details"] = json.loads(json.dumps(entry["details"]))
    assert entry_hash(GENESIS_HASH, entry) == entry_hash(GENESIS_HASH, same)


def test_hash_ignores_fields_outside_the_chain():
    entry = fields(1)
    assert entry_hash(GENESIS_HASH, entry) == entry_hash(GENESIS_HASH, {**entry, "id": 99})


def test_valid_chain():
    result = verify_chain(build(5))
    assert result.ok and result.checked == 5 and result.first_bad_seq is None


def test_empty_chain_is_valid():
    assert verify_chain([]).ok


def test_edited_field_is_found():
    entries = build(5)
    entries[2]["details"] = {"roles": ["admin"], "n": 2}
    result = verify_chain(entries)
    assert not result.ok and result.first_bad_seq == 3 and result.reason == HASH_MISMATCH
    assert result.checked == 2


def test_edited_timestamp_is_found():
    entries = build(3)
    entries[1]["occurred_at"] += timedelta(microseconds=1)
    assert verify_chain(entries).reason == HASH_MISMATCH


def test_edit_with_recomputed_hash_breaks_the_next_link():
    entries = build(4)
    entries[1]["actor_name"] = "李四"
    entries[1]["hash"] = entry_hash(entries[1]["prev_hash"], entries[1])
    result = verify_chain(entries)
    assert result.first_bad_seq == 3 and result.reason == PREV_HASH_MISMATCH


def test_deleted_entry_is_found():
    entries = build(5)
    del entries[2]
    result = verify_chain(entries)
    assert not result.ok and result.first_bad_seq == 4 and result.reason == SEQ_GAP


def test_deleted_and_renumbered_entries_are_found():
    entries = build(5)
    del entries[2]
    for entry in entries[2:]:
        entry["seq"] -= 1
    result = verify_chain(entries)
    assert not result.ok and result.first_bad_seq == 3
    assert result.reason in (PREV_HASH_MISMATCH, HASH_MISMATCH)


def test_reordered_entries_are_found():
    entries = build(5)
    entries[1], entries[2] = entries[2], entries[1]
    result = verify_chain(entries)
    assert not result.ok and result.first_bad_seq == 3 and result.reason == SEQ_GAP
    entries = build(5)
    entries[3], entries[4] = entries[4], entries[3]
    assert verify_chain(entries).first_bad_seq == 5


def test_swapped_contents_keeping_seq_order_are_found():
    entries = build(4)
    a, b = entries[1], entries[2]
    entries[1] = {**b, "seq": 2}
    entries[2] = {**a, "seq": 3}
    result = verify_chain(entries)
    assert not result.ok and result.first_bad_seq == 2


def test_duplicated_entry_is_found():
    entries = build(3)
    entries.insert(2, dict(entries[1]))
    result = verify_chain(entries)
    assert result.first_bad_seq == 2 and result.reason == SEQ_OUT_OF_ORDER


def test_broken_prev_link_is_found():
    entries = build(4)
    entries[2]["prev_hash"] = "f" * 64
    result = verify_chain(entries)
    assert result.first_bad_seq == 3 and result.reason == PREV_HASH_MISMATCH


def test_entry_of_another_agency_is_found():
    entries = build(3)
    entries[1]["agency_id"] = "another-agency"
    assert verify_chain(entries).reason == AGENCY_MISMATCH


def test_truncated_tail_is_found_only_with_a_known_head():
    entries = build(5)
    head = (entries[-1]["seq"], entries[-1]["hash"])
    assert verify_chain(entries, expected_head=head).ok
    assert verify_chain(entries[:3]).ok  # indistinguishable without the head
    result = verify_chain(entries[:3], expected_head=head)
    assert not result.ok and result.reason == HEAD_MISMATCH and result.first_bad_seq == 4


def test_verify_a_later_stretch():
    entries = build(6)
    result = verify_chain(entries[3:], start_seq=4, start_prev_hash=entries[2]["hash"])
    assert result.ok and result.checked == 3


def test_rows_and_objects_are_accepted():
    entries = build(3)
    Row = namedtuple("Row", list(entries[0]))

    class MappingRow:  # looks like a SQLAlchemy Row: fields under _mapping
        def __init__(self, data):
            self._mapping = data

    assert verify_chain([Row(**e) for e in entries]).ok
    assert verify_chain([MappingRow(e) for e in entries]).ok
