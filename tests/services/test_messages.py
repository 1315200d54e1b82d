"""Organisers writing to attendees (rule 12): who gets it, once each, through an SMTP outage, at its time."""
import email
import email.policy
import re
from collections import Counter
from datetime import timedelta

import pytest
from builders import make_event, make_user, register, written

from eventapp.extensions import db
from eventapp.models import EventMessage, OutboxMessage
from eventapp.services import messages
from eventapp.services.cancellation import cancel_registration
from eventapp.services.errors import ValidationFailed
from eventapp.services.outbox import deliver_due
from eventapp.services.registration import find_by_token

SECOND = timedelta(seconds=1)


def outbox(kind="message"):
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == kind)
                                   .order_by(OutboxMessage.id)))


def draft(**fields):
    values = dict(subject="Ny lokal för {event}", body="Hej {first_name}!\n\nVi har flyttat till sal B.\n{link}",
                  audience="confirmed")
    values.update(fields)
    return messages.Draft(**values)


@pytest.fixture
def organiser(ctx):
    return make_user("organisator@example.org", "organiser")


def test_a_message_to_120_confirmed_arrives_once_each_after_an_smtp_outage(ctx, now, organiser, smtp_server):
    """120 confirmed: 120 e-mails queued together; with SMTP down none is lost, and each arrives once."""
    event = make_event(now, capacity=120)
    for n in range(120):
        register(event, now, n)
    db.session.execute(db.update(OutboxMessage).values(status="sent"))  # the confirmations are out
    db.session.commit()
    outcome = messages.send_message(event.id, draft(), actor=organiser, now=now)
    assert outcome.queued == 120
    queued = outbox()
    assert len(queued) == 120 == len({m.registration_id for m in queued})
    assert {m.created_at for m in queued} == {now}  # written in the one transaction of the send
    smtp_server.stop()
    during = deliver_due(now + SECOND, limit=200)
    assert during.sent == [] and len(during.deferred) == 120
    smtp_server.start()
    sent = []
    for minutes in (1, 2, 3):
        while batch := deliver_due(now + SECOND + timedelta(minutes=minutes), limit=50).sent:
            sent += batch
    assert len(sent) == 120 == len(set(sent))
    arrived = Counter(m["To"].addresses[0].addr_spec for m in smtp_server.recorder.messages)
    assert arrived == {f"anna{n}@example.org": 1 for n in range(120)}
    mail = smtp_server.recorder.to("anna7@example.org")[0]
    assert mail["Subject"] == f"Ny lokal för {event.title}"
    text = mail.get_body(("plain",)).get_content()
    assert "Hej Anna!" in text and "sal B" in text
    link = next(word for word in text.split() if "/r/" in word)
    assert find_by_token(link.rsplit("/r/", 1)[1], now).email == "anna7@example.org"


def test_a_failure_part_way_queues_nothing(ctx, now, organiser):
    """A selection that names a registration of another event is refused as a whole."""
    event, other = make_event(now), make_event(now)
    mine = register(event, now, 1).registration
    register(other, now, 2)
    outcome = messages.send_message(event.id, draft(audience="selection", registration_ids=(mine.id, 999_999)),
                                    actor=organiser, now=now)
    assert outcome.queued == 1  # only the event's own registrations are reached
    with pytest.raises(ValidationFailed):
        messages.send_message(event.id, draft(subject=""), actor=organiser, now=now)
    assert len(outbox()) == 1


@pytest.mark.parametrize(("audience", "expected"), [
    ("all", {"anna1", "anna2", "anna3"}),
    ("confirmed", {"anna1", "anna2"}),
    ("waitlisted", {"anna3"}),
    ("checked_in", {"anna1"}),
    ("not_checked_in", {"anna2"}),
    ("cancelled", {"anna4"}),
])
def test_recipients_by_status(ctx, now, audience, expected):
    event = make_event(now, capacity=2)
    first = register(event, now, 1).registration
    register(event, now, 2)
    register(event, now, 3)
    fourth = register(event, now, 4).registration  # waiting list, then cancelled
    cancel_registration(fourth.id, now)
    first.checked_in_at = now
    db.session.commit()
    reached = messages.recipients(event.id, audience)
    assert {r.email.split("@")[0] for r in reached} == expected


def test_a_scheduled_message_goes_out_at_its_time_and_not_before(ctx, now, organiser):
    event = make_event(now)
    register(event, now, 1)
    register(event, now, 2)
    at = now + timedelta(days=2)
    outcome = messages.send_message(event.id, draft(send_at=at), actor=organiser, now=now)
    assert outcome.queued == 0 and outcome.message.status == "scheduled"
    assert messages.send_scheduled(at - SECOND) == 0
    assert outbox() == []
    assert messages.send_scheduled(at) == 1
    assert len(outbox()) == 2
    assert messages.send_scheduled(at + timedelta(minutes=1)) == 0  # once, however often the job runs
    assert len(outbox()) == 2
    assert db.session.get(EventMessage, outcome.message.id).recipients == 2


def test_a_scheduled_message_reaches_those_registered_when_it_goes_out(ctx, now, organiser):
    event = make_event(now)
    register(event, now, 1)
    at = now + timedelta(hours=1)
    messages.send_message(event.id, draft(send_at=at), actor=organiser, now=now)
    register(event, now + SECOND, 2)
    messages.send_scheduled(at)
    assert {m.recipient for m in outbox()} == {"anna1@example.org", "anna2@example.org"}


def test_a_scheduled_message_can_be_called_off(ctx, now, organiser):
    event = make_event(now)
    register(event, now, 1)
    at = now + timedelta(hours=1)
    message = messages.send_message(event.id, draft(send_at=at), actor=organiser, now=now).message
    messages.cancel_scheduled(event.id, message.id, actor=organiser, now=now)
    assert messages.send_scheduled(at) == 0 and outbox() == []


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"subject": ""}, "subject", "ämnesrad"),
    ({"body": "  "}, "body", "text"),
    ({"body": "x" * 20_001}, "body", "20000"),
    ({"body": "Hej {fornamn}"}, "body", "{fornamn}"),
    ({"subject": "Hej {link}"}, "subject", "{link}"),
    ({"subject": "Hej\r\nBcc: x@example.org"}, "subject", "Radbrytningar"),
    ({"audience": "waitlisted"}, "to", "inte nå någon"),
    ({"audience": "selection"}, "to", "deltagarlistan"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_queued(ctx, now, organiser, changes, field, words):
    event = make_event(now)
    register(event, now, 1)
    with pytest.raises(ValidationFailed) as refused:
        messages.send_message(event.id, draft(**changes), actor=organiser, now=now)
    assert any(words in str(message) for message in refused.value.errors[field])
    assert outbox() == [] and db.session.scalars(db.select(EventMessage)).all() == []


def test_a_time_that_has_passed_is_refused(ctx, now, organiser):
    event = make_event(now)
    register(event, now, 1)
    with pytest.raises(ValidationFailed) as refused:
        messages.send_message(event.id, draft(send_at=now), actor=organiser, now=now)
    assert "send_at" in refused.value.errors


def test_merge_values_are_escaped_in_html_and_add_no_header(ctx, now, organiser, smtp_server):
    event = make_event(now)
    register(event, now, 1, first_name="<b>Eva</b>", last_name="Bcc: x@example.org")
    db.session.execute(db.update(OutboxMessage).values(status="sent"))
    db.session.commit()
    messages.send_message(event.id, draft(subject="Till {first_name} {last_name}",
                                          body="Hej {first_name}\n\nDin anmälan: {link}"), actor=organiser, now=now)
    deliver_due(now)
    [mail] = smtp_server.recorder.messages
    assert mail["Bcc"] is None
    html = mail.get_body(("html",)).get_content()
    assert "&lt;b&gt;Eva&lt;/b&gt;" in html and "<b>Eva</b>" not in html
    assert re.search(r'<p>Din anmälan: <a href="http://[^"]+/r/[^"]+">', html)


def test_preview_shows_the_message_as_the_chosen_recipient_gets_it(ctx, now):
    event = make_event(now)
    register(event, now, 1, first_name="Karin")
    second = register(event, now, 2, first_name="Omid", language="en").registration
    shown = messages.preview(event, draft(), second.id, now)
    assert shown.recipient.id == second.id
    assert "Hej Omid!" in shown.text and "/r/" in shown.text


def test_a_test_goes_to_the_organiser_only(ctx, now, organiser):
    event = make_event(now)
    register(event, now, 1)
    db.session.execute(db.delete(OutboxMessage))
    db.session.commit()
    address = messages.send_test(event, draft(), None, actor=organiser, now=now)
    [test] = outbox("message_test")
    assert address == test.recipient == "organisator@example.org"
    mail = email.message_from_string(written(test), policy=email.policy.default)
    assert mail["To"].addresses[0].addr_spec == "organisator@example.org"
    assert "Hej Anna!" in mail.get_body(("plain",)).get_content()
    assert outbox() == []


def test_messages_are_in_the_event_log(ctx, now, organiser):
    from eventapp.services.history import event_history

    event = make_event(now)
    register(event, now, 1)
    messages.send_message(event.id, draft(subject="Ny lokal"), actor=organiser, now=now)
    assert any("Ny lokal" in line.what for line in event_history(event.id))


def test_the_workers_job_sends_what_has_come_due(ctx, organiser):
    from eventapp import jobs
    from eventapp.database import utcnow

    now = utcnow()
    event = make_event(now - timedelta(hours=1))
    register(event, now - timedelta(hours=1), 1)
    messages.send_message(event.id, draft(send_at=now - timedelta(minutes=1)), actor=organiser,
                          now=now - timedelta(hours=1))
    jobs.send_scheduled_messages.call_local()
    assert [m.recipient for m in outbox()] == ["anna1@example.org"]


def test_two_workers_at_once_queue_a_scheduled_message_once(app, now):
    """The job runs on every machine's worker: does each recipient still get the message once?"""
    from concurrent.futures import ThreadPoolExecutor

    with app.test_request_context():
        event = make_event(now, capacity=30)
        for n in range(30):
            register(event, now, n)
        at = now + timedelta(hours=1)
        messages.send_message(event.id, draft(send_at=at), actor=None, now=now)

    def worker(_):
        with app.app_context():
            try:
                return messages.send_scheduled(at)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=4) as pool:
        sent = list(pool.map(worker, range(4)))
    assert sum(sent) == 1
    with app.app_context():
        recipients = [m.recipient for m in outbox()]
        assert len(recipients) == 30 == len(set(recipients))
