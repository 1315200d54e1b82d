"""Which e-mails each change queues, in whose language, with which calendar METHOD and SEQUENCE."""
import email
import email.policy
from datetime import timedelta

import pytest
from builders import attendee, make_event, register, written
from icalendar import Calendar

from eventapp.extensions import db
from eventapp.models import EventSession, OutboxMessage
from eventapp.services.attendees import add_attendee, cancel_attendee, promote_attendee
from eventapp.services.cancellation import cancel_registration, transfer_registration
from eventapp.services.errors import RegistrationClosed
from eventapp.services.events import EventData, cancel_event, save_event
from eventapp.services.registration import find_by_token

SECOND = timedelta(seconds=1)


def queued(kind=None):
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def parsed(message: OutboxMessage):
    return email.message_from_string(written(message), policy=email.policy.default)


def calendar_of(message: OutboxMessage) -> Calendar | None:
    for part in parsed(message).walk():
        if part.get_content_type() == "text/calendar":
            calendar = Calendar.from_ical(part.get_content())
            assert calendar["METHOD"] == part.get_param("method")
            return calendar
    return None


def uids_and_sequence(calendar: Calendar):
    vevents = calendar.walk("VEVENT")
    return [str(v["UID"]) for v in vevents], {v["SEQUENCE"] for v in vevents}


def link_in(message: OutboxMessage) -> str:
    text = parsed(message).get_body(("plain",)).get_content()
    return next(word for word in text.split() if "/r/" in word).rsplit("/r/", 1)[1]


def test_registering_queues_a_confirmation_with_an_invitation(ctx, now):
    event = make_event(now)
    registration = register(event, now).registration
    [message] = queued()
    assert (message.kind, message.recipient, message.registration_id) == ("confirmation", "anna1@example.org",
                                                                          registration.id)
    assert message.subject == f"Anmälan bekräftad: {event.title}"
    assert calendar_of(message)["METHOD"] == "REQUEST"
    assert find_by_token(link_in(message), now).id == registration.id


def test_the_waiting_list_notice_has_no_invitation(ctx, now):
    event = make_event(now, capacity=1)
    register(event, now, 1)
    register(event, now, 2)
    message = queued("waitlisted")[0]
    assert message.recipient == "anna2@example.org" and calendar_of(message) is None
    assert parsed(message).get_content_type() == "multipart/alternative"


def test_nothing_is_queued_when_the_change_is_refused(ctx, now):
    event = make_event(now)
    with pytest.raises(RegistrationClosed):
        register(event, event.registration_deadline)
    assert queued() == []


def test_e_mail_follows_the_registrations_language(ctx, now):
    event = make_event(now)
    register(event, now, language="en")
    message = queued()[0]
    assert message.subject == f"Registration confirmed: {event.title}"
    assert parsed(message).get_body(("plain",)).get_content().startswith("Hello Anna,")
    assert parsed(message)["Content-Language"] == "en"


def test_cancelling_withdraws_the_entry_and_promotes_with_an_invitation(ctx, now):
    event = make_event(now, capacity=1)
    first = register(event, now, 1).registration
    register(event, now, 2)
    cancel_registration(first.id, now + SECOND)
    confirmation, cancellation, promotion = queued("confirmation")[0], queued("cancelled")[0], queued("promoted")[0]
    request_uids, request_sequence = uids_and_sequence(calendar_of(confirmation))
    cancel_uids, cancel_sequence = uids_and_sequence(calendar_of(cancellation))
    assert calendar_of(cancellation)["METHOD"] == "CANCEL"
    assert cancel_uids == request_uids and min(cancel_sequence) > max(request_sequence)
    assert promotion.recipient == "anna2@example.org" and calendar_of(promotion)["METHOD"] == "REQUEST"
    assert find_by_token(link_in(promotion), now).email == "anna2@example.org"


def test_leaving_the_waiting_list_sends_no_calendar(ctx, now):
    event = make_event(now, capacity=1)
    register(event, now, 1)
    waiting = register(event, now, 2).registration
    cancel_registration(waiting.id, now)
    assert calendar_of(queued("cancelled")[0]) is None


def test_substitution_tells_both_people(ctx, now):
    event = make_event(now)
    old = register(event, now, 1).registration
    result = transfer_registration(old.id, attendee(2, first_name="Bodil"), now)
    leaving, arriving = queued("transferred_from")[0], queued("transferred_to")[0]
    assert leaving.recipient == "anna1@example.org" and calendar_of(leaving)["METHOD"] == "CANCEL"
    assert "Bodil Andersson 2" in parsed(leaving).get_body(("plain",)).get_content()
    assert arriving.recipient == "anna2@example.org" and calendar_of(arriving)["METHOD"] == "REQUEST"
    assert find_by_token(link_in(arriving), now).id == result.registration.id


def test_moving_the_event_sends_updates_with_the_same_uid_and_a_higher_sequence(ctx, now):
    """Does the entry in each calendar move with the event?"""
    event = make_event(now, capacity=1)
    register(event, now, 1)
    register(event, now, 2)
    [confirmation] = queued("confirmation")
    before_uids, before_sequence = uids_and_sequence(calendar_of(confirmation))  # delivered before the move
    db.session.commit()
    data = EventData.from_event(event)
    data.starts_at += timedelta(hours=1)
    save_event(event.slug, data, actor=None, now=now + SECOND)
    changes = queued("event_changed")
    assert sorted(m.recipient for m in changes) == ["anna1@example.org", "anna2@example.org"]
    update = next(m for m in changes if m.recipient == "anna1@example.org")
    after_uids, after_sequence = uids_and_sequence(calendar_of(update))
    assert calendar_of(update)["METHOD"] == "REQUEST"
    assert after_uids == before_uids and min(after_sequence) > max(before_sequence)
    vevent = calendar_of(update).walk("VEVENT")[0]
    assert vevent["DTSTART"].dt == data.starts_at
    waiting = next(m for m in changes if m.recipient == "anna2@example.org")
    assert calendar_of(waiting) is None


def test_each_e_mail_carries_a_fresh_link_and_the_earlier_ones_keep_working(ctx, now):
    event = make_event(now)
    register(event, now)
    data = EventData.from_event(event)
    data.venue = "Annan lokal"
    save_event(event.slug, data, actor=None, now=now)
    first, second = link_in(queued("confirmation")[0]), link_in(queued("event_changed")[0])
    assert first != second
    assert find_by_token(first, now).id == find_by_token(second, now).id


def test_a_change_that_does_not_move_the_event_sends_nothing(ctx, now):
    event = make_event(now)
    register(event, now)
    data = EventData.from_event(event)
    data.description = "Ny beskrivning."
    save_event(event.slug, data, actor=None, now=now)
    assert queued("event_changed") == []


def test_more_places_promote_with_an_invitation(ctx, now):
    event = make_event(now, capacity=1)
    register(event, now, 1)
    register(event, now, 2)
    data = EventData.from_event(event)
    data.capacity = 2
    save_event(event.slug, data, actor=None, now=now)
    [promotion] = queued("promoted")
    assert promotion.recipient == "anna2@example.org" and calendar_of(promotion)["METHOD"] == "REQUEST"


def test_cancelling_the_event_withdraws_every_entry(ctx, now):
    event = make_event(now, capacity=1)
    register(event, now, 1)
    register(event, now, 2)
    cancel_event(event.id, actor=None, now=now)
    notices = queued("event_cancelled")
    assert sorted(m.recipient for m in notices) == ["anna1@example.org", "anna2@example.org"]
    confirmed = next(m for m in notices if m.recipient == "anna1@example.org")
    uids, sequence = uids_and_sequence(calendar_of(confirmed))
    assert calendar_of(confirmed)["METHOD"] == "CANCEL"
    assert uids == uids_and_sequence(calendar_of(queued("confirmation")[0]))[0] and sequence == {1}


@pytest.mark.parametrize("hostile", ["Anna\r\nBcc: evil@example.org", "Anna\nSubject: x",
                                     "Anna\u2028Bcc: evil@example.org"])
def test_line_breaks_cannot_add_headers(ctx, now, hostile):
    event = make_event(now, title=f"Konferens {hostile}")
    register(event, now, first_name=hostile)
    message = parsed(queued()[0])
    assert message["Bcc"] is None and len(message.get_all("Subject")) == 1
    assert [a.addr_spec for a in message["To"].addresses] == ["anna1@example.org"]
    assert message["To"].addresses[0].display_name.startswith("Anna")


def test_a_course_invitation_holds_every_meeting_and_a_file_per_meeting(ctx, now):
    """Outlook reads only the first VEVENT of an invitation, so each meeting also comes as a file."""
    start = now + timedelta(days=30)
    sessions = [EventSession(title=f"Träff {n}", starts_at=start + timedelta(weeks=n),
                             ends_at=start + timedelta(weeks=n, hours=1)) for n in range(5)]
    register(make_event(now, kind="course", starts_at=start, sessions=sessions), now)
    message = queued()[0]
    calendar = calendar_of(message)
    uids = [str(v["UID"]) for v in calendar.walk("VEVENT")]
    assert len(set(uids)) == 5
    files = {part.get_filename(): Calendar.from_ical(part.get_content()) for part in parsed(message).iter_attachments()}
    assert sorted(files) == ["invite.ics"] + [f"meeting-{n}.ics" for n in range(1, 6)]
    assert [[str(v["UID"]) for v in files[f"meeting-{n + 1}.ics"].walk("VEVENT")] for n in range(5)] == [
        [uid] for uid in uids]


def test_a_dropped_meeting_is_withdrawn_from_the_attendees_calendars(ctx, now):
    start = now + timedelta(days=30)
    sessions = [EventSession(title=f"Träff {n}", starts_at=start + timedelta(weeks=n),
                             ends_at=start + timedelta(weeks=n, hours=1)) for n in range(1, 4)]
    event = make_event(now, kind="course", starts_at=start + timedelta(weeks=1), capacity=1, sessions=sessions)
    register(event, now, 1)
    register(event, now, 2)  # on the waiting list: no calendar entry to withdraw
    [first_uids, _] = uids_and_sequence(calendar_of(queued("confirmation")[0]))
    data = EventData.from_event(event)
    data.sessions = data.sessions[:2]  # the third meeting is dropped
    save_event(event.slug, data, actor=None, now=now + SECOND)
    [update] = [m for m in queued("event_changed") if m.recipient == "anna1@example.org"]
    [withdrawal] = queued("meetings_cancelled")
    assert withdrawal.recipient == "anna1@example.org"
    update_uids, [update_sequence] = uids_and_sequence(calendar_of(update))
    cancel = calendar_of(withdrawal)
    cancelled_uids, [cancel_sequence] = uids_and_sequence(cancel)
    assert cancel["METHOD"] == "CANCEL" and cancelled_uids == first_uids[2:]
    assert update_uids == first_uids[:2] and cancel_sequence > update_sequence
    assert {str(v["STATUS"]) for v in cancel.walk("VEVENT")} == {"CANCELLED"}
    body = parsed(withdrawal).get_body(("plain",)).get_content()
    assert "Träff 3" in body and "tar bort dem ur din kalender" in body


def test_a_course_that_loses_its_meetings_replaces_them_with_one_entry(ctx, now):
    start = now + timedelta(days=30)
    sessions = [EventSession(title=f"Träff {n}", starts_at=start + timedelta(weeks=n),
                             ends_at=start + timedelta(weeks=n, hours=1)) for n in range(1, 3)]
    event = make_event(now, kind="course", starts_at=start + timedelta(weeks=1), sessions=sessions)
    register(event, now)
    [first_uids, _] = uids_and_sequence(calendar_of(queued("confirmation")[0]))
    data = EventData.from_event(event)
    data.sessions = []
    save_event(event.slug, data, actor=None, now=now + SECOND)
    assert uids_and_sequence(calendar_of(queued("meetings_cancelled")[0]))[0] == first_uids
    [whole_event] = uids_and_sequence(calendar_of(queued("event_changed")[0]))[0]
    assert whole_event not in first_uids


def test_the_organisers_actions_tell_the_attendee(ctx, now):
    """Added by the organiser, cancelled on someone's behalf, moved up from the waiting list."""
    event = make_event(now, capacity=1)
    added = add_attendee(event.id, attendee(1), actor=None, now=now)
    waiting = register(event, now, 2).registration
    third = register(event, now, 3).registration
    cancel_attendee(added.id, actor=None, now=now)
    promote_attendee(third.id, actor=None, now=now)
    assert [(m.kind, m.recipient) for m in queued()] == [
        ("confirmation", "anna1@example.org"), ("waitlisted", "anna2@example.org"),
        ("waitlisted", "anna3@example.org"), ("cancelled", "anna1@example.org"),
        ("promoted", "anna2@example.org"), ("promoted", "anna3@example.org")]
    assert waiting.id != third.id


@pytest.mark.parametrize("organiser_email", ["0", "konferens", "a b@example.org"])
def test_an_organiser_address_that_is_no_address_falls_back_to_the_sender(ctx, now, organiser_email):
    event = make_event(now, organiser_email=organiser_email)
    register(event, now)
    message = queued()[0]
    assert parsed(message)["Reply-To"] is None
    assert str(calendar_of(message).walk("VEVENT")[0]["ORGANIZER"]) == "mailto:anmalan@example.org"
