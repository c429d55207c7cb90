"""The broker side of the service tests (services/<name>/tests/service): calling a
service over real nameko RPC as some caller, and watching what it publishes.

    rpc = Rpc(AMQP, timeout=20)
    rpc.clients("create_client", payload, context=admin.context())
    tap = EventTap(AMQP, "clients.events", ["client_created"])
    tap.wait_for(lambda m: m["body"]["event_type"] == "client_created")
"""
import socket
import time
import uuid
from contextlib import contextmanager

from kombu import Connection, Consumer, Exchange, Queue, binding
from nameko.standalone.rpc import ClusterRpcClient


class Rpc:
    """Calls a service over nameko RPC with the given context data (a fresh
    standalone client per call: its context data is fixed when it is built)."""

    def __init__(self, uri, timeout=20):
        self.uri = uri
        self.timeout = timeout

    @contextmanager
    def proxy(self, service, context=None, timeout=None):
        client = ClusterRpcClient(context_data=dict(context or {}), timeout=timeout or self.timeout, uri=self.uri)
        cluster = client.start()
        try:
            yield getattr(cluster, service)
        finally:
            client.stop()

    def call(self, service, method, *args, context=None, timeout=None):
        with self.proxy(service, context, timeout) as proxy:
            return getattr(proxy, method)(*args)

    def identity(self, method, *args, context=None, timeout=None):
        return self.call("identity", method, *args, context=context, timeout=timeout)

    def clients(self, method, *args, context=None, timeout=None):
        return self.call("clients", method, *args, context=context, timeout=timeout)

    def ledger(self, method, *args, context=None, timeout=None):
        return self.call("ledger", method, *args, context=context, timeout=timeout)


class EventTap:
    """A plain kombu consumer, as an outside subscriber would be: an exclusive,
    auto-delete queue bound to `exchange_name` (`<service>.events`) with the given
    routing keys (event types), declared before the calls under test."""

    def __init__(self, uri, exchange_name, routing_keys=("#",)):
        self.conn = Connection(uri)
        self.conn.ensure_connection(max_retries=3)
        self.channel = self.conn.channel()
        exchange = Exchange(exchange_name, type="topic", durable=True)
        exchange(self.channel).declare()  # the relay's own attributes: idempotent
        self.queue = Queue(f"svc-test-tap-{uuid.uuid4().hex}", exchange=exchange,
                           bindings=[binding(exchange, routing_key=key) for key in routing_keys],
                           exclusive=True, auto_delete=True)
        self.messages = []
        self.consumer = Consumer(self.channel, queues=[self.queue], callbacks=[self._received], accept=["json"],
                                 no_ack=True)
        self.consumer.consume()

    def _received(self, body, message):
        self.messages.append({"body": body, "routing_key": message.delivery_info.get("routing_key"),
                              "exchange": message.delivery_info.get("exchange"),
                              "properties": dict(message.properties), "headers": dict(message.headers or {}),
                              "content_type": message.content_type, "raw": message.body})

    def wait_for(self, predicate, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages:
                if predicate(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [(m["body"].get("event_type"), m["body"].get("sequence")) for m in self.messages[-10:]]
                raise AssertionError(f"no matching event within {timeout}s; {len(self.messages)} others, last: {seen}")
            try:
                self.conn.drain_events(timeout=min(remaining, 0.5))
            except socket.timeout:
                pass

    def of_aggregate(self, aggregate_id):
        """The bodies received about one aggregate, in sequence order."""
        return sorted((m["body"] for m in self.messages if m["body"]["aggregate_id"] == aggregate_id),
                      key=lambda body: body["sequence"])

    def drain(self, seconds=0.5):
        """Collect whatever arrives within `seconds`."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                self.conn.drain_events(timeout=remaining)
            except socket.timeout:
                break
        return self.messages

    def close(self):
        try:
            self.consumer.cancel()
        finally:
            self.conn.release()


@contextmanager
def event_taps(uri, exchange_name):
    """For an `event_tap` fixture: yields open(*routing_keys) and closes every tap."""
    taps = []

    def open_tap(*routing_keys):
        tap = EventTap(uri, exchange_name, routing_keys or ("#",))
        taps.append(tap)
        return tap

    try:
        yield open_tap
    finally:
        for tap in taps:
            tap.close()
