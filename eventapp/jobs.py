"""Background work: jobs on a Huey queue, run by the worker (`flask --app eventapp worker`).

The web app only enqueues. The worker delivers the outbox (woken whenever a transaction that queued
e-mail commits, and every minute for retries), renders badge runs, and runs the periodic jobs:
organisers' scheduled messages every minute, reminders and thank-yous every few minutes and the
privacy purge every night. The queue lives in a SQLite file of
the instance folder on one machine (no extra server), in Redis when ``REDIS_URL`` is set (several
machines, each with its web server and its worker).

What a job works on is in the database, committed before the job is enqueued: the outbox table,
a badge run's row. A lost wake-up therefore loses nothing; the next minute's sweep finds the rows.
"""
import functools
import logging
import os

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

from .database import utcnow

logger = logging.getLogger(__name__)

#: The queue. Its storage is set by ``init_app`` from the configuration (``JOB_QUEUE``).
huey = Huey("eventapp", results=False, storage_class=MemoryStorage)
_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Give the queue its storage and the jobs their application."""
    global _app
    _app = app
    huey.storage = _storage(app)


def _storage(app: Flask):
    url, name = app.config["JOB_QUEUE"] or app.config.get("REDIS_URL"), app.config["JOB_QUEUE_NAME"]
    if url == "memory://":
        return MemoryStorage(name)
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        # Blocking reads: the worker is woken by Redis the moment a job arrives.
        return RedisStorage(name, url=url, blocking=True, read_timeout=1)
    path = url.removeprefix("sqlite:///") if url else os.path.join(app.instance_path, "jobs.db")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return SqliteStorage(name, filename=path, fsync=False)


def run_worker(app: Flask, threads: int = 2) -> None:
    """Run jobs until stopped: SIGTERM (systemd, honcho) lets the jobs in hand finish, for at most 30 s;
    SIGINT stops at once (what was being sent is sent by another worker after the claim lapses)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line for every job
    # Below the web server's priority: in a rush of registrations the answers come first and the
    # e-mails right after, on the same cores.
    os.nice(app.config["WORKER_NICE"])
    init_app(app)
    # Two threads: a long badge run does not hold up the e-mails. A short sleep between looks at
    # the SQLite queue: a confirmation is on its way within a second of the registration.
    huey.create_consumer(workers=threads, worker_type="thread", periodic=True, initial_delay=0.05,
                         backoff=1.5, max_delay=1.0, graceful_signal="TERM", shutdown_timeout=30).run()


def run_queued() -> int:
    """Run the jobs waiting in the queue, here and now, until none is left; how many ran (tests, CLI)."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def _in_app(job):
    """Run ``job`` inside the application's context (the worker's; or the caller's, for ``run_queued``),
    and log what goes wrong: a job that fails leaves its rows for the next one."""
    @functools.wraps(job)
    def run(*args, **kwargs):
        app = current_app._get_current_object() if has_app_context() else _app
        with app.app_context():
            try:
                return job(*args, **kwargs)
            except Exception:
                logger.exception("Job %s failed", job.__name__)
                raise
    return run


@huey.task()
@_in_app
def deliver_outbox() -> None:
    """Send what is due in the outbox."""
    from .services import outbox

    huey.delete(_WAKE_PENDING)  # before reading the outbox: a commit after this wakes another run
    report = outbox.deliver_while_due(utcnow, limit=current_app.config["OUTBOX_BATCH_SIZE"])
    if report.sent or report.deferred or report.failed:
        logger.info("E-mail: %d sent, %d to be retried, %d failed",
                    len(report.sent), len(report.deferred), len(report.failed))


@huey.periodic_task(crontab(minute="*"))
def sweep_outbox() -> None:
    """Every minute: messages waiting for a retry, and any whose wake-up was lost."""
    deliver_outbox.call_local()


@huey.task()
@_in_app
def render_badge_run(run_id: int) -> None:
    """Render a queued badge run (``badges.start_run``)."""
    from .services import badges

    badges.process_run(run_id, utcnow)


@huey.periodic_task(crontab(minute="*/5"))
@_in_app
def send_reminders() -> None:
    """Queue the reminders that have come due (each once); their e-mails follow at once."""
    from .services import reminders

    reminders.send_reminders(utcnow())


@huey.periodic_task(crontab(minute="*/15"))
@_in_app
def send_certificates() -> None:
    """Certificates of attendance for events that have ended and send them (each person once)."""
    from .services import certificates

    certificates.send_after_events(utcnow())


@huey.periodic_task(crontab(minute="*"))
@_in_app
def send_scheduled_messages() -> None:
    """Every minute: organisers' messages whose time has come; their e-mails follow at once."""
    from .services import messages

    messages.send_scheduled(utcnow())


@huey.periodic_task(crontab(minute="*/5"))
@_in_app
def send_thank_yous() -> None:
    """The thank-yous due after events that have ended (each once)."""
    from .services import thank_you

    thank_you.send_thank_yous(utcnow())
@huey.periodic_task(crontab(minute="*/5"))
@_in_app
def invoice_paid_bookings() -> None:
    """Invoice what has come due of paid events' bookings: people promoted from a waiting list, bookings
    held back and completed since, and bookings of events invoiced after they ended."""
    from .services import paid_events

    paid_events.issue_all_due(utcnow())


@huey.periodic_task(crontab(hour="7", minute="15"))
@_in_app
def remind_overdue_invoices() -> None:
    """Every morning: remind buyers of invoices past their due date, once each."""
    from .services.overdue_invoices import remind_overdue

    remind_overdue(utcnow())


@huey.periodic_task(crontab(hour="3", minute="30"))
@_in_app
def purge_personal_data() -> None:
    """Every night: pseudonymise the attendees of events that ended ``PRIVACY_RETENTION_DAYS`` ago."""
    from .services.privacy import purge_ended_events

    purge_ended_events(utcnow(), current_app.config["PRIVACY_RETENTION_DAYS"])


# Waking the outbox's delivery when e-mail is queued --------------------------------------------

_QUEUED_MAIL = "eventapp_queued_mail"
#: Set in the queue while a wake-up is waiting for the worker: a rush of registrations enqueues a few
#: wake-ups, not one each, and the worker runs a few deliveries, each taking all that is due.
_WAKE_PENDING = "outbox-wake-pending"


def deliver_after_commit() -> None:
    """Wake the outbox's delivery once the transaction in hand commits (it queued e-mail)."""
    from .extensions import db

    db.session.info[_QUEUED_MAIL] = True


@event.listens_for(Session, "after_commit")
def _wake_delivery(session) -> None:
    if session.info.pop(_QUEUED_MAIL, False):
        try:
            if huey.get(_WAKE_PENDING, peek=True) is None:
                huey.put(_WAKE_PENDING, True)
                deliver_outbox()
        except Exception:  # the queue is unreachable: the minute's sweep delivers instead
            logger.exception("Could not enqueue the outbox's delivery")


@event.listens_for(Session, "after_rollback")
def _forget_queued_mail(session) -> None:
    session.info.pop(_QUEUED_MAIL, None)
