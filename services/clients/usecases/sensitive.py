"""Revealing a sensitive value in full: only for roles holding
clients.reveal_sensitive, and every reveal is recorded twice in the same
transaction as the read: a row in reveal_log (this service's own audit trail) and a
sensitive_revealed event (for the agency-wide audit log). Neither holds the value."""
from servicekit.errors import NotFound

from .. import events
from ..domain.encryption import account_number_context, id_number_context
from ..metrics import SENSITIVE_REVEALS
from ..repository import reveal_log as reveal_log_sql
from .bank_accounts import load_account
from .views import reveal_view
from .visibility import load_client

FIELD_ID_NUMBER = "legal_representative.id_number"
FIELD_ACCOUNT_NUMBER = "bank_account.account_number"


def _record(call, client, field, reason, bank_account_id=None):
    reveal_log_sql.record(call.session, agency_id=call.auth.agency_id, client_id=client.id, field=field,
                          bank_account_id=bank_account_id, actor_id=call.auth.user_id,
                          actor_roles=list(call.auth.roles), reason=reason, ip=call.ip, user_agent=call.user_agent,
                          at=call.now)
    events.sensitive_revealed(call, client.id, field, reason, bank_account_id)
    SENSITIVE_REVEALS.labels(field).inc()


def reveal_legal_representative(call, client_id, payload):
    client = load_client(call, client_id)
    if not client.legal_rep_id_number:
        raise NotFound(code="NOTHING_TO_REVEAL", message="该客户未登记法定代表人身份证号码",
                       message_en="No ID number is on record for this client")
    number = call.cipher.decrypt(client.legal_rep_id_number, id_number_context(client.id))
    _record(call, client, FIELD_ID_NUMBER, payload.get("reason"))
    return {"client_id": client.id, "name": client.legal_rep_name, "id_number": number}


def reveal_bank_account(call, client_id, account_id, payload):
    client = load_client(call, client_id)
    account = load_account(call, client, account_id)
    number = call.cipher.decrypt(account.account_number, account_number_context(account.id))
    _record(call, client, FIELD_ACCOUNT_NUMBER, payload.get("reason"), bank_account_id=account.id)
    return {"client_id": client.id, "bank_account_id": account.id, "bank": account.bank, "account_number": number}


def list_reveals(call, query):
    return reveal_log_sql.page_of_agency(call.session, call.auth.agency_id, query.get("client_id"), query["page"],
                                         query["page_size"], reveal_view)
