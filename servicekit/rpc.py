"""nameko RPC without publisher confirms, for every service's entrypoints and clients,
and `TimedServiceRpc` + `call`: the one way a process calls another, with a deadline.

nameko waits for a broker confirm on every RPC request and every reply: a synchronous
round trip each, and RabbitMQ's busiest work under load (bench/rpc_floor.py). For an
RPC the confirm guarantees nothing the caller needs: a request or a reply lost with
the broker ends, either way, in the caller's deadline (503) — and changes are safe
to retry with their Idempotency-Key. Events, which must not be lost, go through the
outbox relay, which keeps its confirms.

What it changes besides: a request to a service whose queue was never declared no
longer fails at once with UnknownService (nameko learns that from the confirm's
basic.return); it waits for the deadline like a request to a stopped service.

Every RPC entrypoint of a process must come from here (`rpc`): nameko shares one
queue consumer per class, and two classes would mean two consumers on the queue."""
import sys

import eventlet
import kombu.serialization
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko import config
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_SSL_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.exceptions import UnknownService, UnserializableValueError, serialize
from nameko.rpc import ReplyListener, Responder, Rpc, RpcConsumer, ServiceRpc, get_rpc_exchange

from .config import setting
from .errors import NotFound, ServiceUnavailable


class UnconfirmedPublisher(Publisher):
    """Publishes without waiting for the broker's confirm. `mandatory` is dropped:
    without the confirm an unroutable message's basic.return would arrive unasked."""

    use_confirms = False

    def publish(self, payload, **kwargs):
        kwargs["mandatory"] = False
        return super().publish(payload, **kwargs)


class UnconfirmedResponder(Responder):
    publisher_cls = UnconfirmedPublisher

    def send_response(self, result, exc_info):
        """As nameko's, but the reply is serialized once: nameko serializes the result
        to check that it can, then the whole reply again to send it."""
        error = serialize(exc_info[1]) if exc_info is not None else None
        serializer = kombu.serialization.registry.type_to_name[self.message.properties["content_type"]]
        try:
            content_type, encoding, body = kombu.serialization.dumps({"result": result, "error": error}, serializer)
        except Exception:  # noqa: BLE001 - as nameko: the caller gets an error, the service lives on
            exc_info = sys.exc_info()
            result, error = None, serialize(UnserializableValueError(result))  # always serializable
            content_type, encoding, body = kombu.serialization.dumps({"result": None, "error": error}, serializer)
        publisher = self.publisher_cls(self.amqp_uri, ssl=self.ssl, login_method=self.login_method)
        publisher.publish(body, content_type=content_type, content_encoding=encoding, exchange=self.exchange,
                          routing_key=self.message.properties["reply_to"],
                          correlation_id=self.message.properties.get("correlation_id"))
        return result, exc_info


class UnconfirmedRpcConsumer(RpcConsumer):
    def handle_result(self, message, result, exc_info):
        responder = UnconfirmedResponder(self.amqp_uri, get_rpc_exchange(), message,
                                         ssl=config.get(AMQP_SSL_CONFIG_KEY),
                                         login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.consumer.ack_message(message)
        return result, exc_info


class UnconfirmedRpc(Rpc):
    rpc_consumer = UnconfirmedRpcConsumer()


rpc = UnconfirmedRpc.decorator


class AutoAckReplyConsumer(ReplyListener.ReplyConsumer):
    def get_consumers(self, consumer_cls, channel):
        self.check_for_lost_replies()
        return [consumer_cls(queues=self.queues, callbacks=[self.on_message], accept=self.accept, no_ack=True)]

    def on_message(self, body, message):
        # a reply that arrives while the process stops still belongs to a call in flight
        for callback in self.callbacks:
            callback(body, message)


class AutoAckReplyListener(ReplyListener):
    """Takes replies without acknowledging each one (one frame less each way per
    call): a reply queue belongs to one process, so a reply it has not handled when
    it dies has no one else to go to anyway."""

    consumer_cls = AutoAckReplyConsumer

    def register_for_reply(self, correlation_id):
        """As nameko's, but the call is forgotten however its wait ends: nameko keeps
        the entry of a call whose caller gave up (its deadline) until a reply comes,
        which for a lost request is never."""
        wait = super().register_for_reply(correlation_id)

        def wait_then_forget():
            try:
                return wait()
            finally:
                self.pending.pop(correlation_id, None)
        return wait_then_forget

    def handle_message(self, body, message):
        reply = self.pending.pop(message.properties.get("correlation_id"), None)
        if reply is not None:
            reply.send(body)


class UnconfirmedServiceRpc(ServiceRpc):
    """A ServiceRpc whose requests go out unconfirmed; callers must give the call a
    deadline: use TimedServiceRpc and `call` below."""

    publisher_cls = UnconfirmedPublisher
    reply_listener = AutoAckReplyListener()

    def setup(self):
        super().setup()
        # nameko re-declares the reply queue (exchange, queue, binding) before every
        # request: three synchronous round trips. The reply listener declares it when
        # it connects, which is enough.
        self.publisher.declare = [d for d in self.publisher.declare if d is not self.reply_listener.queue]


# --- calling another service with a deadline ---------------------------------------
#
# nameko's RPC client waits forever for a reply. When a service is down its request
# queue still exists, so a call would hang; instead a call gives up after its
# deadline with 503, and the request message carries the same TTL, so the broker
# drops it rather than running, late, a change the caller was told had failed.


class TimedServiceRpc(UnconfirmedServiceRpc):
    """RPC to one service whose request messages expire with the call's deadline:
    `timeout_setting` (seconds, from config or the environment) or `default`.

        clients_rpc = TimedServiceRpc("clients", "CLIENTS_RPC_TIMEOUT_SECONDS", 5)
        ...
        call(self.clients_rpc, "get_client", client_id)
    """

    def __init__(self, target_service, timeout_setting="RPC_TIMEOUT_SECONDS", default=10, **options):
        self.timeout_setting = timeout_setting
        self.default_timeout = default
        super().__init__(target_service, **options)

    @property
    def timeout(self):
        return setting(self.timeout_setting, self.default_timeout, float)

    def setup(self):
        # seconds; kombu turns it into the AMQP per-message expiration
        self.publisher_options.setdefault("expiration", self.timeout)
        super().setup()

    def get_dependency(self, worker_ctx):
        proxy = super().get_dependency(worker_ctx)
        proxy.deadline = self.timeout
        return proxy


def unavailable(service):
    return ServiceUnavailable(
        code="SERVICE_UNAVAILABLE",
        message=f"服务 {service} 暂时不可用，请稍后再试",
        message_en=f"The {service} service is temporarily unavailable, try again later",
        details={"service": service},
    )


def call(proxy, method, *args, deadline=None, **kwargs):
    """`proxy.method(*args)` that ends in 503 SERVICE_UNAVAILABLE after `deadline`
    seconds (the TimedServiceRpc's own unless given) or when the broker fails. The
    callee's typed errors (AppError) arrive as themselves."""
    service = proxy.service_name
    # a nameko Client answers any attribute with a new Client: look in its own __dict__
    deadline = deadline or vars(proxy).get("deadline") or setting("RPC_TIMEOUT_SECONDS", 10, float)
    try:
        with eventlet.Timeout(deadline, unavailable(service)):
            return getattr(proxy, method).call_async(*args, **kwargs).result()
    except (UnknownService, OperationalError, AMQPError, ConnectionError, OSError) as exc:
        raise unavailable(service) from exc


def call_or_none(proxy, method, *args, **kwargs):
    """Like `call`, but None when the callee answers NotFound (a lookup: "does this
    client exist for the caller?")."""
    try:
        return call(proxy, method, *args, **kwargs)
    except NotFound:
        return None
