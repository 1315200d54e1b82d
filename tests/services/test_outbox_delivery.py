"""Delivery without loss: a real SMTP server in-process, outages, refusals, several deliverers at once."""
import email
import email.policy
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from builders import make_event, register
from icalendar import Calendar

from eventapp.extensions import db
from eventapp.models import OutboxMessage, OutboxStatus
from eventapp.services.outbox import BACKOFF, CLAIM_TIMEOUT, MAX_ATTEMPTS, claim_due, deliver_due
from eventapp.services.registration import find_by_token

SECOND = timedelta(seconds=1)


def outbox(status=None):
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


def test_confirmation_arrives_with_the_structure_outlook_needs(ctx, now, smtp_server):
    event = make_event(now)
    register(event, now, first_name="Örjan")
    report = deliver_due(now)
    assert len(report.sent) == 1
    [message] = smtp_server.recorder.messages
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    calendar_part = list(alternative.iter_parts())[2]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_content_charset() == "utf-8"
    assert Calendar.from_ical(calendar_part.get_content())["METHOD"] == "REQUEST"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content() == calendar_part.get_content().encode()
    assert message["To"].addresses[0].display_name == "Örjan Andersson 1"
    assert "Hej Örjan" in alternative.get_body(("plain",)).get_content()


def test_the_personal_link_in_the_e_mail_works(ctx, now, smtp_server):
    event = make_event(now)
    registration = register(event, now).registration
    deliver_due(now)
    text = smtp_server.recorder.messages[0].get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/r/" in word)
    assert find_by_token(link.rsplit("/r/", 1)[1], now).id == registration.id


def test_one_message_per_registration_and_none_twice(ctx, now, smtp_server):
    event = make_event(now)
    for n in range(3):
        register(event, now, n)
    deliver_due(now)
    deliver_due(now + timedelta(days=1))
    assert Counter(m["To"].addresses[0].addr_spec for m in smtp_server.recorder.messages) == {
        f"anna{n}@example.org": 1 for n in range(3)}
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}


def test_fifty_registrations_during_an_outage_are_delivered_exactly_once_after_it(ctx, now, smtp_server):
    """With the mail server down, 50 people register; once it is back, are exactly 50 delivered?"""
    smtp_server.stop()
    event = make_event(now, capacity=60)
    for n in range(50):
        register(event, now, n)
    during = deliver_due(now + SECOND)
    assert during.sent == [] and len(during.deferred) == 50
    assert "ConnectionRefusedError" in outbox()[0].server_reply
    smtp_server.start()
    sent = []
    for minutes in (0, 1, 2):  # the first retry is due a minute after the failed attempt
        sent += deliver_due(now + SECOND + timedelta(minutes=minutes), limit=20).sent
        sent += deliver_due(now + SECOND + timedelta(minutes=minutes), limit=20).sent
        sent += deliver_due(now + SECOND + timedelta(minutes=minutes), limit=20).sent
    assert len(sent) == 50 == len(set(sent))
    recipients = [m["To"].addresses[0].addr_spec for m in smtp_server.recorder.messages]
    assert len(recipients) == 50 == len(set(recipients))


def test_a_refused_address_is_recorded_with_the_reply_and_the_others_go_out(ctx, now, smtp_server):
    event = make_event(now)
    register(event, now, 1)
    register(event, now, 2, email="finns.inte@example.org")
    register(event, now, 3)
    smtp_server.recorder.refuse.add("finns.inte@example.org")
    report = deliver_due(now)
    assert len(report.sent) == 2 and len(report.failed) == 1
    failed = outbox(OutboxStatus.FAILED)[0]
    assert failed.recipient == "finns.inte@example.org"
    assert failed.server_reply.startswith("550") and "User unknown" in failed.server_reply
    assert {m["To"].addresses[0].addr_spec for m in smtp_server.recorder.messages} == {
        "anna1@example.org", "anna3@example.org"}


def test_retries_back_off_and_then_give_up(ctx, now, smtp_server):
    smtp_server.stop()
    register(make_event(now), now)
    at = now
    for attempt in range(MAX_ATTEMPTS - 1):
        assert len(deliver_due(at).deferred) == 1
        wait = BACKOFF[attempt]
        assert deliver_due(at + wait - SECOND).deferred == []  # not due yet: not even tried
        at += wait
    assert len(deliver_due(at).failed) == 1
    [message] = outbox()
    assert message.status == OutboxStatus.FAILED and message.attempts == MAX_ATTEMPTS


def test_deliver_all_ignores_the_back_off(ctx, now, smtp_server):
    smtp_server.stop()
    register(make_event(now), now)
    deliver_due(now)
    smtp_server.start()
    assert deliver_due(now + SECOND).sent == []
    assert len(deliver_due(now + SECOND, ignore_backoff=True).sent) == 1


def test_several_deliverers_at_once_never_send_a_message_twice(app, now, smtp_server):
    with app.test_request_context():
        event = make_event(now, capacity=40)
        for n in range(40):
            register(event, now, n)

    def deliverer(_):
        with app.app_context():
            try:
                sent = []
                while batch := deliver_due(now, limit=3).sent:
                    sent += batch
                return sent
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(deliverer, range(6)))
    sent = [message_id for result in results for message_id in result]
    assert len(sent) == 40 == len(set(sent))
    assert len(smtp_server.recorder.messages) == 40


def test_a_claim_left_by_a_deliverer_that_died_is_taken_over(ctx, now, smtp_server):
    register(make_event(now), now)
    claim_due(now, limit=10)  # and then the process died
    assert deliver_due(now + CLAIM_TIMEOUT - SECOND).sent == []
    assert len(deliver_due(now + CLAIM_TIMEOUT + SECOND).sent) == 1


def test_without_a_mail_server_messages_are_kept_and_written_to_the_instance_folder(app, ctx, now):
    assert not app.config.get("MAIL_SERVER")
    register(make_event(now), now)
    report = deliver_due(now)
    [message] = outbox()
    assert report.sent == [message.id] and message.status == OutboxStatus.KEPT
    path = os.path.join(app.instance_path, "mail", f"{message.id:08d}.eml")
    with open(path, encoding="ascii", newline="") as file:
        kept = email.message_from_file(file, policy=email.policy.default)
    assert kept["To"].addresses[0].addr_spec == "anna1@example.org" and kept["Subject"] == message.subject
    assert "/r/" in kept.get_body(("plain",)).get_content()


@pytest.mark.parametrize("limit", [1, 2])
def test_limit_bounds_a_batch(ctx, now, limit):
    event = make_event(now)
    for n in range(3):
        register(event, now, n)
    assert len(deliver_due(now, limit=limit).sent) == limit


def test_a_confirmation_queued_while_the_mail_server_is_down_goes_out_once_it_is_back(ctx, now, smtp_server):
    """Is the confirmation kept through an outage and delivered once, with a link that works?"""
    register(make_event(now), now)
    smtp_server.stop()
    try:
        assert len(deliver_due(now).deferred) == 1
    finally:
        smtp_server.start()
    assert outbox()[0].status == OutboxStatus.PENDING
    assert deliver_due(now + BACKOFF[0] - timedelta(seconds=1)).sent == []
    assert len(deliver_due(now + BACKOFF[0]).sent) == 1
    [sent] = smtp_server.recorder.messages
    link = next(word for word in sent.get_body(("plain",)).get_content().split() if "/r/" in word)
    assert find_by_token(link.rsplit("/r/", 1)[1], now).email == "anna1@example.org"


def test_a_message_whose_registration_is_gone_fails_and_the_others_go_out(ctx, now, smtp_server):
    event = make_event(now)
    register(event, now, 1)
    register(event, now, 2)
    first = outbox()[0]
    first.registration_id = None  # erased before the deliverer came to it
    db.session.commit()
    report = deliver_due(now)
    assert report.failed == [first.id] and len(report.sent) == 1
    db.session.expire_all()
    assert outbox()[0].status == OutboxStatus.FAILED and "no longer exists" in outbox()[0].server_reply
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.recorder.messages] == ["anna2@example.org"]


def test_a_confirmation_written_after_a_cancellation_still_confirms_and_the_cancellation_follows(
        ctx, now, smtp_server):
    """Written late, does the e-mail tell what happened when it was queued, in order with what came after?"""
    from eventapp.services.cancellation import cancel_registration

    registration = register(make_event(now), now).registration
    cancel_registration(registration.id, now + SECOND)
    deliver_due(now + 2 * SECOND)
    subjects = [m["Subject"] for m in smtp_server.recorder.messages]
    assert subjects[0].startswith("Anmälan bekräftad") and subjects[1].startswith("Anmälan avbokad")
    calendar = next(p for p in smtp_server.recorder.messages[0].walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST"
