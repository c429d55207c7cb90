"""What the agency did for a client (service records), what the client said
(feedback and complaints), and the month's board."""
from datetime import datetime, time

from sqlalchemy import func, select, update

from servicekit.errors import NotFound, ValidationFailed

from ..domain import feedback as feedback_rules
from ..domain.board import build_board, month_bounds
from ..tables import assignments, feedback, service_records
from .common import paged
from .context import SHANGHAI, new_id, valid_uuid
from .ledger_progress import progress_of
from .views import feedback_view, service_record_view
from .visibility import load_client


# -- service records ------------------------------------------------------------------
def add_service_record(call, client_id, payload):
    client = load_client(call, client_id)
    staff = str(payload.get("staff_user_id") or call.auth.user_id)
    if staff != call.auth.user_id:
        # on someone else's behalf: only for a person who serves this client
        serving = call.session.execute(select(assignments.c.user_id).where(
            assignments.c.client_id == client.id, assignments.c.user_id == staff)).first()
        if serving is None:
            raise ValidationFailed(code="STAFF_NOT_ASSIGNED", message="该员工不负责此客户",
                                   message_en="That user does not serve this client",
                                   fields={"staff_user_id": ["只能记录负责此客户的员工 / the user must serve this client"]})
    if payload["date"] > call.today:
        raise ValidationFailed(fields={"date": ["服务日期不能晚于今天 / the date is in the future"]})
    record_id = new_id()
    call.session.execute(service_records.insert().values(
        id=record_id, agency_id=call.auth.agency_id, client_id=client.id, date=payload["date"], kind=payload["kind"],
        description=payload["description"].strip(), result=(payload.get("result") or "").strip() or None,
        staff_user_id=staff, created_by=call.auth.user_id, created_at=call.now))
    return service_record_view(call.session.execute(select(service_records)
                                                    .where(service_records.c.id == record_id)).one())


def _record_where(client, query):
    where = [service_records.c.client_id == client.id]
    if query.get("period"):
        start, end = month_bounds(query["period"])
        where += [service_records.c.date >= start, service_records.c.date < end]
    if query.get("kind"):
        where.append(service_records.c.kind == query["kind"])
    return where


def list_service_records(call, client_id, query):
    client = load_client(call, client_id)
    where = _record_where(client, query)
    rows = select(service_records).where(*where).order_by(service_records.c.date.desc(),
                                                          service_records.c.created_at.desc())
    return paged(call, rows, select(func.count()).select_from(service_records).where(*where), query["page"],
                 query["page_size"], service_record_view)


# -- feedback ---------------------------------------------------------------------------
def load_feedback(call, feedback_id, *, for_update=False):
    feedback_id = valid_uuid(feedback_id)
    row = None
    if feedback_id:
        query = select(feedback).where(feedback.c.id == feedback_id, feedback.c.agency_id == call.auth.agency_id)
        row = call.session.execute(query.with_for_update() if for_update else query).first()
    if row is not None:
        try:
            load_client(call, row.client_id)
        except NotFound:
            row = None
    if row is None:
        raise NotFound(code="FEEDBACK_NOT_FOUND", message="反馈不存在", message_en="No such feedback")
    return row


def create_feedback(call, client_id, payload):
    """Staff record what a client told them; a client user raises it for their own company."""
    client = load_client(call, client_id)
    feedback_id = new_id()
    call.session.execute(feedback.insert().values(
        id=feedback_id, agency_id=call.auth.agency_id, client_id=client.id, kind=payload["kind"],
        content=payload["content"].strip(), status="open", created_by=call.auth.user_id, created_at=call.now))
    return feedback_view(load_feedback(call, feedback_id))


def handle_feedback(call, feedback_id, payload):
    row = load_feedback(call, feedback_id, for_update=True)
    status = feedback_rules.next_status(row.status, "handle")
    call.session.execute(update(feedback).where(feedback.c.id == row.id).values(
        status=status, handled_by=call.auth.user_id, handled_at=call.now, handling_note=payload["note"].strip()))
    return feedback_view(load_feedback(call, row.id))


def close_feedback(call, feedback_id, payload):
    row = load_feedback(call, feedback_id, for_update=True)
    status = feedback_rules.next_status(row.status, "close")
    score = feedback_rules.check_satisfaction(payload["satisfaction"])
    call.session.execute(update(feedback).where(feedback.c.id == row.id).values(
        status=status, closed_by=call.auth.user_id, closed_at=call.now, satisfaction=score,
        closing_note=(payload.get("note") or "").strip() or None))
    return feedback_view(load_feedback(call, row.id))


def list_feedback(call, client_id, query):
    client = load_client(call, client_id)
    where = [feedback.c.client_id == client.id]
    for key in ("status", "kind"):
        if query.get(key):
            where.append(feedback.c[key] == query[key])
    rows = select(feedback).where(*where).order_by(feedback.c.created_at.desc(), feedback.c.id)
    return paged(call, rows, select(func.count()).select_from(feedback).where(*where), query["page"],
                 query["page_size"], feedback_view)


# -- the month's board ------------------------------------------------------------------
def board(call, client_id, query):
    client = load_client(call, client_id)
    period = query["period"]
    start, end = month_bounds(period)
    opened_from, opened_to = (datetime.combine(day, time(0), SHANGHAI) for day in (start, end))
    records = [service_record_view(r) for r in call.session.execute(
        select(service_records).where(service_records.c.client_id == client.id, service_records.c.date >= start,
                                      service_records.c.date < end))]
    opened = [feedback_view(r) for r in call.session.execute(
        select(feedback).where(feedback.c.client_id == client.id, feedback.c.created_at >= opened_from,
                               feedback.c.created_at < opened_to))]
    view = build_board(client.id, period, records, opened, ledger=progress_of(call, client.id, period))
    view["client"] = {"id": client.id, "name": client.name, "status": client.status}
    return view
