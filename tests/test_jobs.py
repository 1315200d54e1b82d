"""The job queue: what a commit enqueues, and what the jobs do when the worker runs them.

The suite's queue is in memory and runs nothing by itself; ``jobs.run_queued()`` is the worker's
part. tests/deploy/test_worker.py runs a real worker process on a SQLite file and on Redis.
"""
from datetime import timedelta

from builders import make_event, register

from eventapp import jobs
from eventapp.extensions import db
from eventapp.models import OutboxMessage, OutboxStatus, Registration
from eventapp.services.outbox import BACKOFF


def statuses() -> list[str]:
    return list(db.session.scalars(db.select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_a_commit_that_queued_e_mail_wakes_its_delivery(ctx, now):
    register(make_event(now), now)
    assert jobs.huey.pending_count() == 1
    assert statuses() == [OutboxStatus.PENDING]
    assert jobs.run_queued() == 1
    db.session.rollback()  # a new transaction: what the job committed
    assert statuses() == [OutboxStatus.KEPT]  # no mail server in tests: written to instance/mail


def test_a_commit_without_e_mail_enqueues_nothing(ctx, now):
    make_event(now)
    assert jobs.huey.pending_count() == 0


def test_e_mail_rolled_back_wakes_nothing(ctx, now):
    event = make_event(now)
    register(event, now, 1)
    jobs.huey.flush()
    registration = db.session.scalar(db.select(Registration))
    from eventapp.services import notifications

    notifications.reminder(registration, now)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert jobs.huey.pending_count() == 0


def test_the_sweep_sends_what_waited_for_a_retry(ctx, now, smtp_server):
    """A message deferred by a failed attempt is due again later; does the minute's sweep send it?"""
    register(make_event(now), now)
    smtp_server.stop()
    try:
        jobs.run_queued()
    finally:
        smtp_server.start()
    db.session.rollback()  # a new transaction: what the job committed
    assert statuses() == [OutboxStatus.PENDING]
    db.session.execute(db.update(OutboxMessage).values(next_attempt_at=now - BACKOFF[0] - timedelta(minutes=1)))
    db.session.commit()
    jobs.sweep_outbox.call_local()
    db.session.rollback()  # a new transaction: what the job committed
    assert statuses() == [OutboxStatus.SENT] and len(smtp_server.recorder.messages) == 1


def test_a_rush_wakes_the_worker_once_until_it_runs(ctx, now):
    """Five registrations before the worker comes: one wake-up, which delivers all five."""
    event = make_event(now)
    for n in range(5):
        register(event, now, n)
    assert jobs.huey.pending_count() == 1
    assert jobs.run_queued() == 1
    db.session.rollback()
    assert statuses() == [OutboxStatus.KEPT] * 5
    register(event, now, 9)  # after the run: woken again
    assert jobs.huey.pending_count() == 1
