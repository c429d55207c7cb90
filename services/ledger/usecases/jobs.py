"""Batch close (批量结账) as a background job.

`start_batch_close` writes a `jobs` row and one `job_items` row per book the caller
may see, and returns at once. A worker (a nameko timer, every second, in every
replica) claims a job with `FOR UPDATE SKIP LOCKED` — a queued job, or a running one
whose heartbeat went stale because its process died — and closes its pending books,
BATCH_CLOSE_CONCURRENCY at a time, each book in its own transaction together with
its job item's result. So a restart resumes where the dead worker stopped, and no
book is closed twice. The job runs with the creator's identity (recorded as who
closed each period)."""
import logging
import socket
import uuid
from datetime import datetime, timezone

import eventlet
from sqlalchemy import func, select, text

from servicekit.auth import AuthContext
from servicekit.db import session_scope
from servicekit.errors import AppError, NotFound
from servicekit.ids import new_id, valid_uuid
from servicekit.money import Period

from ..tables import books, job_items, jobs
from .access import visible_books_query
from .context import Call
from .periods import close_book_period

log = logging.getLogger(__name__)

STALE_SECONDS = 30  # a running job not heard from for this long is taken over
HEARTBEAT_SECONDS = 3
WORKER_ID = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


def job_view(session, job_id, agency_id):
    job = session.execute(select(jobs).where(jobs.c.id == job_id, jobs.c.agency_id == agency_id)).first()
    if job is None:
        raise NotFound(code="JOB_NOT_FOUND", message="任务不存在", message_en="No such job",
                       details={"job_id": str(job_id)})
    items = session.execute(select(job_items).where(job_items.c.job_id == job.id)
                            .order_by(job_items.c.status, job_items.c.client_id)).all()
    done = sum(1 for i in items if i.status == "done")
    failed = sum(1 for i in items if i.status == "failed")
    return {"id": str(job.id), "kind": job.kind, "status": job.status, "params": {
                k: v for k, v in job.params.items() if k != "auth"},
            "total": job.total, "done": done, "failed": failed, "pending": job.total - done - failed,
            "created_by": str(job.created_by) if job.created_by else None,
            "created_at": job.created_at.isoformat(),
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "items": [{"client_id": str(i.client_id), "book_id": str(i.book_id), "status": i.status,
                       "result": i.result,
                       "finished_at": i.finished_at.isoformat() if i.finished_at else None} for i in items]}


def start_batch_close(call, payload):
    period = str(payload["period"])
    query = visible_books_query(call)
    wanted = None
    if payload.get("client_ids"):
        wanted = {str(c) for c in payload["client_ids"]}
        query = query.where(books.c.client_id.in_(wanted))
    found = call.session.execute(query.with_only_columns(books.c.id, books.c.client_id)).all()
    missing = sorted(wanted - {str(r.client_id) for r in found}) if wanted else []
    job_id = new_id()
    auth = call.auth
    call.session.execute(jobs.insert().values(
        id=job_id, agency_id=auth.agency_id, kind="batch_close", status="queued" if found else "done",
        total=len(found), created_by=auth.user_id, created_at=call.now,
        finished_at=None if found else call.now,
        params={"period": period, "client_ids": sorted(wanted) if wanted else None, "not_found": missing,
                "auth": {"user_id": auth.user_id, "roles": list(auth.roles), "session_id": auth.session_id}}))
    if found:
        call.session.execute(job_items.insert(), [{"job_id": job_id, "book_id": r.id, "client_id": r.client_id,
                                                   "status": "pending"} for r in found])
    return job_view(call.session, job_id, auth.agency_id)


def get_job(call, job_id):
    job_id = valid_uuid(job_id)
    if job_id is None:
        raise NotFound(code="JOB_NOT_FOUND", message="任务不存在", message_en="No such job")
    return job_view(call.session, job_id, call.auth.agency_id)


# -- the worker --------------------------------------------------------------------------------
def claim(engine, stale_seconds=STALE_SECONDS):
    """Take one job to run (a queued one, or a running one whose worker went quiet)."""
    with session_scope(engine) as session:
        row = session.execute(text("""
            UPDATE jobs SET status = 'running', claimed_by = :me, heartbeat_at = now(),
                   started_at = coalesce(started_at, now())
            WHERE id = (SELECT id FROM jobs
                        WHERE status = 'queued'
                           OR (status = 'running' AND (heartbeat_at IS NULL
                               OR heartbeat_at < now() - make_interval(secs => :stale)))
                        ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id, agency_id, params"""), {"me": WORKER_ID, "stale": stale_seconds}).first()
        return row


def _heartbeat(engine, job_id, stop):
    while not stop.ready():
        try:
            with session_scope(engine) as session:
                session.execute(jobs.update().where(jobs.c.id == job_id, jobs.c.claimed_by == WORKER_ID)
                                .values(heartbeat_at=func.now()))
        except Exception:  # noqa: BLE001 - a missed beat is retried; the job goes on
            log.exception("batch close heartbeat failed")
        eventlet.sleep(HEARTBEAT_SECONDS)
        if stop.ready():
            break


def close_one(engine, deps, job, book_id):
    """Close one book's period in its own transaction, with its job item's result."""
    params = job.params
    who = params["auth"]
    auth = AuthContext(agency_id=str(job.agency_id), user_id=who["user_id"], roles=tuple(who["roles"]),
                       session_id=who.get("session_id"))
    try:
        with session_scope(engine) as session:
            item = session.execute(select(job_items).where(job_items.c.job_id == job.id,
                                                           job_items.c.book_id == book_id,
                                                           job_items.c.status == "pending")
                                   .with_for_update(skip_locked=True)).first()
            if item is None:
                return  # done meanwhile (another worker took over)
            book = session.execute(select(books).where(books.c.id == book_id,
                                                       books.c.agency_id == str(job.agency_id))
                                   .with_for_update()).first()
            call = Call(session=session, now=datetime.now(timezone.utc), deps=deps, auth=auth)
            result = close_book_period(call, book, Period.parse(params["period"]))
            session.execute(job_items.update().where(job_items.c.job_id == job.id, job_items.c.book_id == book_id)
                            .values(status="done", result=result, finished_at=call.now))
    except AppError as exc:
        # the book stays as it was; record why (the failing checks are in the details)
        with session_scope(engine) as session:
            session.execute(job_items.update().where(job_items.c.job_id == job.id, job_items.c.book_id == book_id,
                                                     job_items.c.status == "pending")
                            .values(status="failed", result=exc.to_dict(), finished_at=func.now()))
    except Exception as exc:  # noqa: BLE001 - one broken book must not stop the others
        log.exception("batch close of book %s failed", book_id)
        with session_scope(engine) as session:
            session.execute(job_items.update().where(job_items.c.job_id == job.id, job_items.c.book_id == book_id,
                                                     job_items.c.status == "pending")
                            .values(status="failed", finished_at=func.now(),
                                    result={"code": "INTERNAL_ERROR", "message": "服务器内部错误",
                                            "message_en": f"Internal error: {type(exc).__name__}", "details": {}}))


def run_job(engine, deps, job, concurrency):
    stop = eventlet.event.Event()
    beat = eventlet.spawn(_heartbeat, engine, job.id, stop)
    try:
        with session_scope(engine) as session:
            pending = session.execute(select(job_items.c.book_id).where(job_items.c.job_id == job.id,
                                                                        job_items.c.status == "pending")
                                      .order_by(job_items.c.client_id)).scalars().all()
        pool = eventlet.GreenPool(max(1, concurrency))
        for book_id in pending:
            pool.spawn_n(close_one, engine, deps, job, book_id)
        pool.waitall()
        with session_scope(engine) as session:
            counts = dict(session.execute(select(job_items.c.status, func.count()).where(job_items.c.job_id == job.id)
                                          .group_by(job_items.c.status)).all())
            session.execute(jobs.update().where(jobs.c.id == job.id).values(
                status="done", done=counts.get("done", 0), failed=counts.get("failed", 0), finished_at=func.now(),
                heartbeat_at=func.now()))
    finally:
        stop.send(True)
        beat.kill()


def work(engine, deps, concurrency, stale_seconds=STALE_SECONDS):
    """One tick: run every job there is to run, one after another."""
    while True:
        job = claim(engine, stale_seconds)
        if job is None:
            return
        run_job(engine, deps, job, concurrency)
