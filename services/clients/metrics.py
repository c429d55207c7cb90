"""The clients service's business metrics (on /metrics beside the per-entrypoint ones)."""
from prometheus_client import Counter

CLIENTS_CREATED = Counter("suanpan_clients_created_total", "Client companies created", ["source"])  # api, import
IMPORTS = Counter("suanpan_clients_imports_total", "Excel imports by outcome", ["outcome"])  # imported, refused
SENSITIVE_REVEALS = Counter("suanpan_clients_sensitive_reveals_total", "Full ID / account numbers shown", ["field"])
ASSIGNMENT_CHANGES = Counter("suanpan_clients_assignment_changes_total", "Staff assignments changed", ["role"])
