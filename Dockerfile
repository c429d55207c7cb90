# syntax=docker/dockerfile:1
#
# One Dockerfile, one image per process, chosen with --target:
#
#   docker build --target gateway  -t suanpan/gateway:TAG  .
#   docker build --target identity -t suanpan/identity:TAG .
#   docker build --target clients  -t suanpan/clients:TAG  .
#   docker build --target ledger   -t suanpan/ledger:TAG   .
#
# Every target shares the same dependency layer (requirements.txt installed once
# into /opt/venv in the builder stage) and the same non-root runtime with the
# chassis (servicekit/) and the published request/reply shapes (contracts/). A
# target adds only its own code, the port it listens on and the command that starts
# it: the gateway image holds no service code, and a service image no other service.
# To add a service (reporting, ...), copy the `identity` target at the end,
# change the folder, the port and the module. docs/deploy.md has the port table.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: resolve and install the pinned runtime dependencies into a venv ---
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# pip compiles the installed packages to .pyc, so the read-only runtime never
# has to write bytecode.
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

# --- runtime: what every service image has in common ---
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PSYCOPG_WAIT_FUNC=wait_select \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    LOG_LEVEL=INFO
RUN groupadd --system --gid 10001 suanpan \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin suanpan
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY servicekit/ servicekit/
COPY contracts/ contracts/
# Docker only (Kubernetes uses the probes in deploy/k8s): ask the service's own
# /healthz on the port of WEB_SERVER_ADDRESS. python, since slim has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('WEB_SERVER_ADDRESS', '0.0.0.0:8000').rsplit(':', 1)[1]; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % port, timeout=4)"]
# Each target copies its code as root (so the service user cannot change it),
# compiles it, then drops to the non-root user 10001.

# --- gateway: HTTP API on 8000 (/api/v1, /healthz, /readyz, /metrics) ---
FROM runtime AS gateway
# No services/: the gateway documents from contracts/ and verifies tokens with
# servicekit.tokens, so a change inside a service does not rebuild it.
COPY gateway/ gateway/
RUN python -m compileall -q servicekit contracts gateway
USER 10001:10001
ENV WEB_SERVER_ADDRESS=0.0.0.0:8000
EXPOSE 8000
CMD ["nameko", "run", "--config", "gateway/config.yaml", "gateway.service:GatewayService"]

# --- identity: RPC + events over RabbitMQ; /healthz, /readyz, /metrics on 8001 ---
# The same image runs its migrations: python -m servicekit.migrate identity
FROM runtime AS identity
COPY services/__init__.py services/__init__.py
COPY services/identity/ services/identity/
RUN python -m compileall -q servicekit contracts services
USER 10001:10001
ENV WEB_SERVER_ADDRESS=0.0.0.0:8001
EXPOSE 8001
CMD ["nameko", "run", "--config", "services/identity/config.yaml", "services.identity.service:IdentityService"]

# --- clients: RPC + events over RabbitMQ; /healthz, /readyz, /metrics on 8002 ---
# The same image runs its migrations: python -m servicekit.migrate clients
FROM runtime AS clients
COPY services/__init__.py services/__init__.py
COPY services/clients/ services/clients/
RUN python -m compileall -q servicekit contracts services
USER 10001:10001
ENV WEB_SERVER_ADDRESS=0.0.0.0:8002
EXPOSE 8002
CMD ["nameko", "run", "--config", "services/clients/config.yaml", "services.clients.service:ClientsService"]

# --- ledger: RPC + events over RabbitMQ; /healthz, /readyz, /metrics on 8003 ---
# The same image runs its migrations: python -m servicekit.migrate ledger
# It asks clients about client companies over RPC, so it needs none of its code.
FROM runtime AS ledger
COPY services/__init__.py services/__init__.py
COPY services/ledger/ services/ledger/
RUN python -m compileall -q servicekit contracts services
USER 10001:10001
ENV WEB_SERVER_ADDRESS=0.0.0.0:8003
EXPOSE 8003
CMD ["nameko", "run", "--config", "services/ledger/config.yaml", "services.ledger.service:LedgerService"]
