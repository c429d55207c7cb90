"""Check that what the platform and its tests need is running, and say how to get
it when it is not. Used by `make run` and `make test`."""
import os
import shutil
import socket
import subprocess
import sys
import time
from urllib.parse import urlparse

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def reachable(host, port, timeout=2.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def postgres_url():
    return os.environ.get("POSTGRES_URL", DEFAULT_PG)


def management_api_up(host, wait_seconds=60):
    """The management plugin answers on 15672; on this machine, enable it when it is
    off (the tests need it, and a broker restarted by hand may come back without it)."""
    if reachable(host, 15672):
        return True
    if host not in ("127.0.0.1", "localhost") or not shutil.which("rabbitmq-plugins"):
        return False
    subprocess.run(["rabbitmq-plugins", "enable", "--quiet", "rabbitmq_management"], capture_output=True)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if reachable(host, 15672):
            return True
        time.sleep(1)
    return False


def problems(need_kubectl=False, need_management=False):
    found = []
    pg = urlparse(postgres_url().replace("+psycopg", ""))
    if not reachable(pg.hostname or "127.0.0.1", pg.port or 5432):
        found.append(
            f"PostgreSQL is not reachable at {pg.hostname}:{pg.port or 5432}.\n"
            "  Debian: apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect "
            "$(ls /etc/postgresql) main start\n  or set POSTGRES_URL=postgresql+psycopg://user:pass@host:5432/postgres")
    amqp = urlparse(os.environ.get("AMQP_URI", DEFAULT_AMQP))
    if not reachable(amqp.hostname or "127.0.0.1", amqp.port or 5672):
        found.append(
            f"RabbitMQ is not reachable at {amqp.hostname}:{amqp.port or 5672}.\n"
            "  Debian: apt-get install -y rabbitmq-server && rabbitmq-server -detached\n"
            "  or set AMQP_URI=amqp://user:pass@host:5672/")
    if need_management and reachable(amqp.hostname or "127.0.0.1", amqp.port or 5672) \
            and not management_api_up(amqp.hostname or "127.0.0.1"):
        found.append(
            "RabbitMQ's management API (port 15672) is not reachable; the tests create their vhosts with it.\n"
            "  rabbitmq-plugins enable rabbitmq_management")
    if need_kubectl and not shutil.which("kubectl"):
        found.append("kubectl is needed to render the k8s manifests in the tests.\n"
                     "  Debian: apt-get install -y kubectl")
    return found


def main():
    found = problems(need_kubectl="--kubectl" in sys.argv, need_management="--management" in sys.argv)
    for problem in found:
        print("✗ " + problem, file=sys.stderr)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
