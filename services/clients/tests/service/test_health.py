"""The process as operators see it: health, readiness, metrics."""
import requests


def test_healthz_readyz_and_business_metrics(clients_platform, rpc, agency_a, create):
    base = clients_platform.url("clients")
    assert requests.get(base + "/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(base + "/readyz", timeout=5).json()
    assert ready == {"status": "ready", "checks": {"broker": True, "database": True}}
    client = create(agency_a.admin)
    rpc.clients("reveal_legal_representative", client["id"], {}, context=agency_a.admin.context())
    metrics = requests.get(base + "/metrics", timeout=5).text
    assert 'suanpan_clients_created_total{source="api"}' in metrics
    assert 'suanpan_clients_sensitive_reveals_total{field="legal_representative.id_number"}' in metrics
    assert 'suanpan_entrypoint_calls_total{entrypoint="create_client",outcome="ok",service="clients"}' in metrics
    assert 'suanpan_outbox_backlog{service="clients"}' in metrics
