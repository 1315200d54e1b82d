"""Reminders: due at start minus the event's reminder days, sent once however often the job runs."""
import email
import email.policy
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from builders import make_event, register, written

from eventapp.extensions import db
from eventapp.models import OutboxMessage
from eventapp.services.cancellation import cancel_registration
from eventapp.services.events import EventData, validate
from eventapp.services.reminders import send_reminders

SECOND = timedelta(seconds=1)


def reminders():
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "reminder")))


@pytest.mark.parametrize(("offset", "sent"), [(-SECOND, 0), (timedelta(0), 1), (SECOND, 1)])
def test_the_reminder_is_due_the_events_reminder_days_before_it_starts(ctx, now, offset, sent):
    event = make_event(now)
    register(event, now)
    due = event.starts_at - timedelta(days=2)
    assert send_reminders(due + offset).queued == sent
    assert len(reminders()) == sent


def test_reminder_days_are_set_per_event(ctx, now):
    event = make_event(now, reminder_days=7)
    register(event, now)
    assert send_reminders(event.starts_at - timedelta(days=7) - SECOND).queued == 0
    assert send_reminders(event.starts_at - timedelta(days=7)).queued == 1


def test_zero_days_sends_no_reminder(ctx, now):
    event = make_event(now, reminder_days=0)
    register(event, now)
    assert send_reminders(event.starts_at - SECOND).queued == 0


def test_running_again_sends_nothing_more(ctx, now):
    event = make_event(now)
    for n in range(3):
        register(event, now, n)
    at = event.starts_at - timedelta(days=1)
    assert send_reminders(at).queued == 3
    assert send_reminders(at).queued == 0
    assert send_reminders(at + timedelta(hours=12)).queued == 0
    assert sorted(m.recipient for m in reminders()) == [f"anna{n}@example.org" for n in range(3)]


def test_only_confirmed_places_before_the_start_are_reminded(ctx, now):
    event = make_event(now, capacity=1)
    register(event, now, 1)
    register(event, now, 2)  # waiting list
    cancelled = register(make_event(now), now, 3).registration
    cancel_registration(cancelled.id, now)
    assert send_reminders(event.starts_at - timedelta(days=1)).queued == 1
    assert send_reminders(event.starts_at + SECOND).queued == 0
    assert [m.recipient for m in reminders()] == ["anna1@example.org"]


def test_who_registered_inside_the_window_is_not_reminded(ctx, now):
    event = make_event(now, registration_deadline=now + timedelta(days=30))
    late = event.starts_at - timedelta(days=1)
    register(event, late)
    report = send_reminders(late + SECOND)
    assert (report.queued, report.skipped) == (0, 1)


def test_the_reminder_says_when_where_and_how_to_cancel(ctx, now):
    event = make_event(now, no_show_fee=25000, cancellation_deadline=now + timedelta(days=29))
    register(event, now)
    send_reminders(event.starts_at - timedelta(days=2))
    [message] = reminders()
    assert message.subject == f"Påminnelse: {event.title}"
    text = email.message_from_string(written(message), policy=email.policy.default).get_body(("plain",)).get_content()
    assert "Citykonferensen" in text and "250\u00a0kr" in text and "/r/" in text


def test_two_runs_at_once_queue_each_reminder_once(app, now):
    with app.test_request_context():
        event = make_event(now)
        for n in range(10):
            register(event, now, n)
        at = event.starts_at - timedelta(days=1)

    def run(_):
        with app.app_context():
            try:
                return send_reminders(at).queued
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sum(pool.map(run, range(4))) == 10
    with app.app_context():
        assert len(reminders()) == 10


@pytest.mark.parametrize(("days", "valid"), [(-1, False), (0, True), (2, True), (30, True), (31, False)])
def test_reminder_days_are_checked_when_the_event_is_saved(ctx, now, days, valid):
    data = EventData.from_event(make_event(now))
    data.reminder_days = days
    assert ("reminder_days" not in validate(data)) is valid
