"""A registration and its queued e-mail are written out before the event's lock is taken; under the
lock the decision is made again. These tests change the event from another connection in that gap."""
import email
import email.policy
import threading
from datetime import timedelta

import pytest
from builders import attendee, make_event, register, written

from eventapp.extensions import db
from eventapp.models import Event, OutboxMessage, Question, Registration, RegistrationStatus
from eventapp.services import registration as service
from eventapp.services.errors import EventFull, RegistrationClosed
from eventapp.services.registration import register_attendee


@pytest.fixture
def in_the_gap(app, monkeypatch):
    """``in_the_gap(change)``: run ``change()`` in another thread and connection, once the next
    registration has looked at the places left and before it takes the lock."""
    def arrange(change):
        expected = service._expected_status
        pending = [change]

        def then_change(*args):
            status = expected(*args)
            if not pending:  # the change itself, or a later registration
                return status
            pending.pop()
            problems = []

            def other_connection():
                with app.app_context():
                    try:
                        change()
                        db.session.commit()
                    except Exception as error:  # noqa: BLE001 (reported below, in the test's thread)
                        problems.append(error)
                    finally:
                        db.session.remove()

            thread = threading.Thread(target=other_connection)
            thread.start()
            thread.join(30)
            assert not thread.is_alive() and not problems, problems
            return status

        monkeypatch.setattr(service, "_expected_status", then_change, raising=True)
    return arrange


def the_message(registration_id: int) -> OutboxMessage:
    [message] = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.registration_id == registration_id))
    return message


def has_invitation(message: OutboxMessage) -> bool:
    parsed = email.message_from_string(written(message), policy=email.policy.default)
    return any(part.get_content_type() == "text/calendar" for part in parsed.walk())


def test_the_last_place_taken_meanwhile_puts_the_registration_on_the_waiting_list(ctx, now, in_the_gap):
    """The form saw one place left, someone else took it before the lock: is the person waitlisted
    and told so, without an invitation?"""
    event = make_event(now, capacity=1)
    event_id = event.id
    db.session.commit()
    in_the_gap(lambda: register(db.session.get(Event, event_id), now, 2))
    result = register_attendee(event_id, attendee(1), now)
    assert result.registration.status == RegistrationStatus.WAITLISTED
    assert result.registration.confirmed_at is None
    message = the_message(result.registration_id)
    assert message.kind == "waitlisted" and not has_invitation(message)
    assert message.subject.startswith("Du står på väntelistan")
    statuses = dict(db.session.execute(db.select(Registration.email, Registration.status)).all())
    assert statuses == {"anna2@example.org": RegistrationStatus.CONFIRMED, "anna1@example.org": "waitlisted"}


def test_a_place_freed_meanwhile_confirms_with_an_invitation(ctx, now, in_the_gap):
    """The form saw a full event, a place came free before the lock: is the person confirmed and sent
    the invitation rather than the waiting-list notice?"""
    event = make_event(now, capacity=1)
    taken = register(event, now, 2).registration.id
    db.session.commit()
    in_the_gap(lambda: setattr(db.session.get(Registration, taken), "status", RegistrationStatus.CANCELLED))
    result = register_attendee(event.id, attendee(1), now)
    assert result.registration.status == RegistrationStatus.CONFIRMED
    assert result.registration.confirmed_at == now
    message = the_message(result.registration_id)
    assert message.kind == "confirmation" and has_invitation(message)
    assert message.subject.startswith("Anmälan bekräftad")


def test_an_event_full_meanwhile_without_a_waiting_list_stores_nothing(ctx, now, in_the_gap):
    """The last place went before the lock and there is no waiting list: is the person told it is full,
    with nothing stored for them?"""
    event = make_event(now, capacity=1, waitlist_enabled=False)
    event_id = event.id
    db.session.commit()
    in_the_gap(lambda: register(db.session.get(Event, event_id), now, 2))
    with pytest.raises(EventFull):
        register_attendee(event_id, attendee(1), now)
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 1


def test_an_event_changed_meanwhile_is_described_as_it_is_now(ctx, now, in_the_gap):
    """The organiser moved the event while the registration was being written: does the confirmation
    give the new place and carry the new calendar SEQUENCE?"""
    event = make_event(now, venue="Citykonferensen")
    event_id = event.id
    db.session.commit()

    def move():
        moved = db.session.get(Event, event_id)
        moved.venue, moved.calendar_sequence, moved.updated_at = "Folkets hus", 1, now + timedelta(seconds=1)

    in_the_gap(move)
    message = the_message(register_attendee(event_id, attendee(1), now).registration_id)
    assert "Folkets hus" in written(message) and "Citykonferensen" not in written(message)
    assert _calendar_sequence(message) == 1


def _calendar_sequence(message: OutboxMessage) -> int:
    from icalendar import Calendar

    parsed = email.message_from_string(written(message), policy=email.policy.default)
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_content()).walk("VEVENT")[0]["SEQUENCE"]
    return -1


def test_registration_closed_meanwhile_stores_nothing(ctx, now, in_the_gap):
    """The organiser unpublished the event before the lock: is the registration refused, with nothing stored?"""
    event = make_event(now)
    event_id = event.id
    db.session.commit()
    in_the_gap(lambda: setattr(db.session.get(Event, event_id), "published", False))
    with pytest.raises(RegistrationClosed):
        register_attendee(event_id, attendee(1), now)
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_a_question_retired_meanwhile_keeps_no_answer_to_it(ctx, now, in_the_gap):
    """The organiser stopped asking a question while the registration was being written: is only the
    answer to the question still asked stored?"""
    event = make_event(now)
    kept, retired = Question(event=event, text="Vilket pass?", position=1), Question(event=event, text="Lunch?",
                                                                                   position=2)
    db.session.add_all([kept, retired])
    db.session.commit()
    event_id, kept_id, retired_id = event.id, kept.id, retired.id

    def retire():
        db.session.get(Question, retired_id).retired = True
        db.session.get(Event, event_id).updated_at = now + timedelta(seconds=1)

    in_the_gap(retire)
    result = register_attendee(event_id, attendee(1, answers={kept_id: "Förmiddag", retired_id: "Ja"}), now)
    assert {answer.question_id: answer.value for answer in result.registration.answers} == {kept_id: "Förmiddag"}


def test_the_decision_reads_the_places_afresh_even_when_the_version_stayed(ctx, now, in_the_gap):
    """Under the lock only the columns a decision needs are read, the rest taken from what the form
    saw while the version is the same: are those columns really read afresh (here the capacity,
    changed without moving the version)?"""
    event = make_event(now, capacity=5)
    event_id = event.id
    db.session.commit()
    in_the_gap(lambda: db.session.execute(db.update(Event).where(Event.id == event_id).values(
        capacity=0, updated_at=Event.updated_at)))
    result = register_attendee(event_id, attendee(1), now)
    assert result.registration.status == RegistrationStatus.WAITLISTED
    assert the_message(result.registration_id).kind == "waitlisted"
