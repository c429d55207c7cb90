"""nameko's HTTP entrypoint with TCP_NODELAY on every connection.

Without it a JSON reply larger than one segment (about 16 KB) waits for the
client's delayed ACK — about 40 ms per response — because eventlet's wsgi writes
headers and body in separate sends (Nagle's algorithm holds the second).
Every HTTP handler in a process must use the same server class, or two servers
would try to bind the same port; so all of ours come from here."""
import socket

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer


class NoDelayWebServer(WebServer):
    def process_request(self, sock, address):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # the client may already have gone
            pass
        return super().process_request(sock, address)


class HttpEndpoint(HttpRequestHandler):
    server = NoDelayWebServer()


http = HttpEndpoint.decorator
