"""nameko RPC without publisher confirms, for every service's entrypoints and clients.

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
from nameko import config
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_SSL_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.rpc import ReplyListener, Responder, Rpc, RpcConsumer, ServiceRpc, get_rpc_exchange


class UnconfirmedPublisher(Publisher):
    """Publishes without waiting for the broker's confirm. `mandatory` is dropped:
    without the confirm an unroutable message's basic.return would arrive unasked."""

    use_confirms = False

    def publish(self, payload, **kwargs):
        kwargs["mandatory"] = False
        return super().publish(payload, **kwargs)


class UnconfirmedResponder(Responder):
    publisher_cls = UnconfirmedPublisher


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
    deadline (eventlet.Timeout), as gateway.rpc.call and the service clients do."""

    publisher_cls = UnconfirmedPublisher
    reply_listener = AutoAckReplyListener()

    def setup(self):
        super().setup()
        # nameko re-declares the reply queue (exchange, queue, binding) before every
        # request: three synchronous round trips. The reply listener declares it when
        # it connects, which is enough.
        self.publisher.declare = [d for d in self.publisher.declare if d is not self.reply_listener.queue]
