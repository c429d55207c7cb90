"""The two services of bench/rpc_floor.py: the least a gateway request backed by one
RPC can cost on this stack. `floor_front` takes an HTTP POST and makes one RPC the way
the gateway does (gateway.rpc: TimedServiceRpc and call() with its deadline, our
TCP_NODELAY HTTP server); `floor_echo` answers it through the same RPC entrypoint the
services use, touching no database. Whatever a real request costs beyond this is
ours to cut; this much is not."""
import json

from werkzeug.wrappers import Response

from gateway.rpc import TimedServiceRpc, call
from servicekit.rpc import rpc
from servicekit.web import http


class FloorEcho:
    name = "floor_echo"

    @rpc
    def echo(self, payload):
        return payload


class FloorFront:
    name = "floor_front"

    echo_rpc = TimedServiceRpc("floor_echo")

    @http("POST", "/echo")
    def echo(self, request):
        reply = call(self.echo_rpc, "echo", json.loads(request.get_data() or b"{}"))
        return Response(json.dumps(reply), status=200, mimetype="application/json")
