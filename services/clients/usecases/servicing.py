"""What the agency did for a client (service records), what the client said
(feedback and complaints), and the month's board."""
from datetime import datetime, time

from servicekit.errors import NotFound, ValidationFailed
from servicekit.ids import SHANGHAI, new_id, valid_uuid

from ..domain import feedback as feedback_rules
from ..domain.board import build_board, month_bounds
from ..repository import assignments as assignments_sql
from ..repository import feedback as feedback_sql
from ..repository import service_records as records_sql
from .ledger_progress import progress_of
from .views import feedback_view, service_record_view
from .visibility import load_client, may_see_client


# -- service records ------------------------------------------------------------------
def add_service_record(call, client_id, payload):
    client = load_client(call, client_id)
    staff = str(payload.get("staff_user_id") or call.auth.user_id)
    # on someone else's behalf: only for a person who serves this client
    if staff != call.auth.user_id and not assignments_sql.serves(call.session, client.id, staff):
        raise ValidationFailed(code="STAFF_NOT_ASSIGNED", message="该员工不负责此客户",
                               message_en="That user does not serve this client",
                               fields={"staff_user_id": ["只能记录负责此客户的员工 / the user must serve this client"]})
    if payload["date"] > call.today:
        raise ValidationFailed(fields={"date": ["服务日期不能晚于今天 / the date is in the future"]})
    record_id = new_id()
    records_sql.insert(call.session, id=record_id, agency_id=call.auth.agency_id, client_id=client.id,
                       date=payload["date"], kind=payload["kind"], description=payload["description"].strip(),
                       result=(payload.get("result") or "").strip() or None, staff_user_id=staff,
                       created_by=call.auth.user_id, created_at=call.now)
    return service_record_view(records_sql.get(call.session, record_id))


def list_service_records(call, client_id, query):
    client = load_client(call, client_id)
    start, end = month_bounds(query["period"]) if query.get("period") else (None, None)
    return records_sql.page_of_client(call.session, client.id, start, end, query.get("kind"), query["page"],
                                      query["page_size"], service_record_view)


# -- feedback ---------------------------------------------------------------------------
def load_feedback(call, feedback_id, *, for_update=False):
    """Feedback about a client the caller may see, or 404 FEEDBACK_NOT_FOUND."""
    feedback_id = valid_uuid(feedback_id)
    row = feedback_sql.get(call.session, call.auth.agency_id, feedback_id, for_update=for_update) \
        if feedback_id else None
    if row is None or not may_see_client(call, row.client_id):
        raise NotFound(code="FEEDBACK_NOT_FOUND", message="反馈不存在", message_en="No such feedback")
    return row


def create_feedback(call, client_id, payload):
    """Staff record what a client told them; a client user raises it for their own company."""
    client = load_client(call, client_id)
    feedback_id = new_id()
    feedback_sql.insert(call.session, id=feedback_id, agency_id=call.auth.agency_id, client_id=client.id,
                        kind=payload["kind"], content=payload["content"].strip(), status="open",
                        created_by=call.auth.user_id, created_at=call.now)
    return feedback_view(load_feedback(call, feedback_id))


def handle_feedback(call, feedback_id, payload):
    row = load_feedback(call, feedback_id, for_update=True)
    status = feedback_rules.next_status(row.status, "handle")
    feedback_sql.change(call.session, row.id, status=status, handled_by=call.auth.user_id, handled_at=call.now,
                        handling_note=payload["note"].strip())
    return feedback_view(load_feedback(call, row.id))


def close_feedback(call, feedback_id, payload):
    row = load_feedback(call, feedback_id, for_update=True)
    status = feedback_rules.next_status(row.status, "close")
    score = feedback_rules.check_satisfaction(payload["satisfaction"])
    feedback_sql.change(call.session, row.id, status=status, closed_by=call.auth.user_id, closed_at=call.now,
                        satisfaction=score, closing_note=(payload.get("note") or "").strip() or None)
    return feedback_view(load_feedback(call, row.id))


def list_feedback(call, client_id, query):
    client = load_client(call, client_id)
    return feedback_sql.page_of_client(call.session, client.id, {key: query.get(key) for key in ("status", "kind")},
                                       query["page"], query["page_size"], feedback_view)


# -- the month's board ------------------------------------------------------------------
def board(call, client_id, query):
    client = load_client(call, client_id)
    period = query["period"]
    start, end = month_bounds(period)
    opened_from, opened_to = (datetime.combine(day, time(0), SHANGHAI) for day in (start, end))
    records = [service_record_view(r) for r in records_sql.between(call.session, client.id, start, end)]
    opened = [feedback_view(r) for r in feedback_sql.opened_between(call.session, client.id, opened_from, opened_to)]
    view = build_board(client.id, period, records, opened, ledger=progress_of(call, client.id, period))
    view["client"] = {"id": client.id, "name": client.name, "status": client.status}
    return view
