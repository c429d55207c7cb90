"""An outside subscriber receives every voucher_posted exactly once (after dedup by
event_id) while the ledger process is killed and restarted in the middle of a load.

The subscriber is what an integrator would write, with plain kombu and nothing of
ours: its own durable queue bound to the topic exchange `ledger.events` with the
routing key `voucher_posted`, acknowledging each message after recording it. The
load posts vouchers through the gateway and, on a 503 or a dropped connection,
retries with the same Idempotency-Key (creation) or checks what happened (review,
post). Afterwards the posted vouchers the ledger lists and the events received are
the same set, one distinct event each, with the sequence the posted-entries feed shows."""
import socket
import threading
import time
import uuid

import requests
from kombu import Connection, Exchange, Queue

from .conftest import TEST_AMQP
from .test_ledger_api import line, open_book, voucher

VOUCHERS = 36
KILL_AFTER = 8  # posted vouchers before the ledger is killed


class Subscriber(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        exchange = Exchange("ledger.events", type="topic", durable=True)
        self.queue = Queue(f"it-subscriber-{uuid.uuid4().hex[:8]}", exchange=exchange,
                           routing_key="voucher_posted", durable=True, auto_delete=False)
        self.events = {}  # event_id -> envelope: the dedup an integrator keeps
        self.deliveries = 0
        self.properties = set()
        self.done = threading.Event()
        with Connection(TEST_AMQP) as conn:  # bound before the load starts, so nothing is missed
            self.queue(conn.channel()).declare()

    def on_message(self, body, message):
        self.deliveries += 1
        self.properties.add((message.delivery_info["routing_key"], message.properties.get("delivery_mode"),
                             message.content_type))
        self.events.setdefault(body["event_id"], body)
        message.ack()

    def run(self):
        while not self.done.is_set():  # reconnect like a real consumer would
            try:
                with Connection(TEST_AMQP, heartbeat=10) as conn:
                    with conn.Consumer(self.queue, callbacks=[self.on_message], accept=["json"]):
                        while not self.done.is_set():
                            try:
                                conn.drain_events(timeout=0.3)
                            except socket.timeout:
                                pass
            except (OSError, ConnectionError):
                time.sleep(0.5)

    def close(self):
        self.done.set()
        self.join(10)
        with Connection(TEST_AMQP) as conn:
            self.queue(conn.channel()).delete()


def until_answered(send, failures, seconds=60):
    """send() until the answer is not a 503 or a dropped connection (counted in failures)."""
    deadline = time.monotonic() + seconds
    while True:
        assert time.monotonic() < deadline, "the gateway never answered"
        try:
            resp = send()
        except requests.RequestException:
            resp = None
        if resp is not None and resp.status_code != 503:
            return resp
        failures.append(None if resp is None else resp.json()["error"]["code"])
        time.sleep(0.2)


class Load(threading.Thread):
    """Enter, review and post vouchers one after another, surviving a ledger crash."""

    def __init__(self, api, path):
        super().__init__(daemon=True)
        self.api, self.path = api, path
        self.posted = []  # ids, in order
        self.statuses = []  # the answers that were not 503
        self.unavailable = []  # 503 codes, None for a dropped connection
        self.error = None

    def settle(self, voucher_id, action, wanted):
        resp = until_answered(lambda: self.api.post(f"{self.path}/vouchers/{voucher_id}/{action}", {}),
                              self.unavailable)
        self.statuses.append(resp.status_code)
        if resp.status_code == 409:  # a first try that went through before the crash
            resp = until_answered(lambda: self.api.get(f"{self.path}/vouchers/{voucher_id}"), self.unavailable)
        assert resp.status_code == 200 and resp.json()["status"] in wanted, resp.text

    def run(self):
        try:
            for n in range(1, VOUCHERS + 1):
                key = str(uuid.uuid4())
                amount = f"{n}.{n % 100:02d}"
                body = voucher(f"2026-03-{1 + n % 28:02d}", line("1001", debit=amount, summary=f"第{n}笔"),
                               line("3001", credit=amount, summary=f"第{n}笔"))
                resp = until_answered(lambda: self.api.post(self.path + "/vouchers", body,
                                                            headers={"Idempotency-Key": key}),
                                      self.unavailable)
                self.statuses.append(resp.status_code)
                assert resp.status_code == 201, resp.text
                voucher_id = resp.json()["id"]
                self.settle(voucher_id, "review", {"reviewed", "posted"})
                self.settle(voucher_id, "post", {"posted"})
                self.posted.append(voucher_id)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def posted_voucher_id(envelope):
    return envelope["data"]["voucher"]["id"]


def test_every_voucher_posted_reaches_a_subscriber_once_through_a_ledger_crash(platform, agency_admin):
    path, book = open_book(agency_admin, start_period="2026-03", allow_self_review=True)
    client_id = path.rsplit("/", 1)[1]
    subscriber = Subscriber()
    subscriber.start()
    load = Load(agency_admin, path)
    try:
        load.start()
        deadline = time.monotonic() + 60
        while len(load.posted) < KILL_AFTER and load.is_alive():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        platform.kill("ledger")  # SIGKILL mid-load: no graceful anything
        killed_at = len(load.posted)
        time.sleep(4)  # longer than the gateway's RPC timeout (3 s here): the load sees 503s
        platform.start("ledger")
        platform.wait_ready("ledger", timeout=60)
        load.join(180)
        assert not load.is_alive() and load.error is None, load.error
        assert killed_at < VOUCHERS and len(load.posted) == VOUCHERS
        assert load.unavailable and set(load.unavailable) <= {"SERVICE_UNAVAILABLE", None}  # the crash was felt
        assert set(load.statuses) <= {200, 201, 409}, load.statuses

        listed = agency_admin.get(path + "/vouchers", params={"status": "posted", "page_size": 500}).json()
        posted = {v["id"] for v in listed["items"]}
        assert posted == set(load.posted) and listed["total"] == VOUCHERS  # no voucher twice, none lost

        def ours():
            return [e for e in subscriber.events.values() if e["client_id"] == client_id]

        deadline = time.monotonic() + 30
        while {posted_voucher_id(e) for e in ours()} != posted and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        subscriber.close()
    events = ours()
    by_voucher = {}
    for event in events:
        by_voucher.setdefault(posted_voucher_id(event), []).append(event)
    assert set(by_voucher) == posted
    assert all(len(found) == 1 for found in by_voucher.values()), "one distinct event per posting"
    assert subscriber.deliveries >= len(subscriber.events)
    assert subscriber.properties <= {("voucher_posted", 2, "application/json")}, subscriber.properties
    for event in events:
        assert event["event_type"] == "voucher_posted" and event["aggregate_id"] == book["id"]
        assert event["agency_id"] == agency_admin.agency["id"]
    # the feed a subscriber rebuilds from carries the same sequence numbers
    feed = agency_admin.get(path + "/posted-entries", params={"after_sequence": 0, "limit": 1000}).json()["items"]
    assert {e["id"]: e["posted_sequence"] for e in feed} == {
        posted_voucher_id(e): e["sequence"] for e in events}
