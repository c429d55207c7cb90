"""Reading and verifying the agency's audit log."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.identity import schemas
from ..usecases import audit_log
from .base import IdentityBase


class AuditEntrypoints(IdentityBase):
    @rpc
    def audit_log(self, query=None):
        return self._run(audit_log.list_entries, parse(schemas.AuditQuery, query), permission="audit.read")

    @rpc
    def verify_audit_chain(self):
        return self._run(audit_log.verify, permission="audit.read")
