"""Rule 11: check-in per meeting, and the certificate of attendance that states it."""
from datetime import timedelta
from io import BytesIO

import pytest
from builders import make_event, register
from pypdf import PdfReader

from eventapp.exports.certificates import certificates_pdf
from eventapp.extensions import db
from eventapp.models import EventSession
from eventapp.services import certificates, checkin
from eventapp.services.errors import NotFound


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def make_course(now, meetings=5):
    """A course of weekly one-hour meetings, the first a month after ``now``."""
    first = now + timedelta(days=30)
    event = make_event(now, kind="course", title="Vilka är vi?", starts_at=first,
                       ends_at=first + timedelta(weeks=meetings - 1, hours=1), organiser_name="Avesta kommun")
    for n in range(meetings):
        starts = first + timedelta(weeks=n)
        db.session.add(EventSession(event_id=event.id, title=f"Träff {n + 1}", starts_at=starts,
                                    ends_at=starts + timedelta(hours=1)))
    db.session.commit()
    return event


def check_in_at(event, registration_id, meeting):
    return checkin.check_in(event.id, registration_id, actor=None, now=meeting.starts_at + timedelta(minutes=5),
                            session_id=meeting.id)


def test_four_of_five_meetings_gives_a_certificate_saying_so_whose_code_verifies(ctx, now):
    event = make_course(now)
    person = register(event, now, 1, first_name="Åsa", last_name="Öberg").registration_id
    for meeting in event.sessions[:2] + event.sessions[3:]:
        assert not check_in_at(event, person, meeting).already
    after = event.ends_at + timedelta(minutes=1)

    issued = certificates.certificate_for(person, after)
    assert [m.session.title for m in issued.attendance.attended] == ["Träff 1", "Träff 2", "Träff 4", "Träff 5"]
    text = pdf_text(certificates_pdf([issued]))
    assert "deltog i 4 av 5 träffar" in " ".join(text.split())
    assert "Åsa Öberg" in text and "Vilka är vi?" in text and "Avesta kommun" in text
    assert certificates.formatted_code(issued.code) in text

    verified = certificates.verify(certificates.formatted_code(issued.code).lower())
    assert verified is not None and verified.registration.id == person
    assert (len(verified.attendance.attended), len(verified.attendance.meetings)) == (4, 5)
    assert certificates.certificate_for(person, after).code == issued.code  # the same code every time
    assert certificates.verify("XXXX-XXXX-XXXX") is None


def test_no_certificate_before_the_end_or_for_someone_who_attended_nothing(ctx, now):
    event = make_course(now)
    came = register(event, now, 1).registration_id
    stayed_away = register(event, now, 2).registration_id
    check_in_at(event, came, event.sessions[0])
    with pytest.raises(NotFound):
        certificates.certificate_for(came, event.ends_at - timedelta(seconds=1))
    with pytest.raises(NotFound):
        certificates.certificate_for(stayed_away, event.ends_at)
    assert [c.registration.id for c in certificates.certificates_of(event, event.ends_at)] == [came]


def test_checking_in_to_a_meeting_outside_its_window_is_refused(ctx, now):
    event = make_course(now)
    person = register(event, now, 1).registration_id
    second = event.sessions[1]
    too_early = second.starts_at - checkin.MEETING_OPENS_BEFORE - timedelta(seconds=1)
    with pytest.raises(checkin.CheckinClosed, match="Träff 2"):
        checkin.check_in(event.id, person, actor=None, now=too_early, session_id=second.id)
    opens = second.starts_at - checkin.MEETING_OPENS_BEFORE
    result = checkin.check_in(event.id, person, actor=None, now=opens, session_id=second.id)
    assert result.session.id == second.id and result.registration.checked_in_at == opens
    again = checkin.check_in(event.id, person, actor=None, now=opens + timedelta(minutes=3), session_id=second.id)
    assert again.already and "Träff 2" in again.message
    with pytest.raises(checkin.CheckinClosed):
        checkin.check_in(event.id, person, actor=None, now=second.starts_at + timedelta(weeks=1),
                         session_id=event.sessions[0].id)


def test_the_current_meeting_is_picked_by_time(ctx, now):
    event = make_course(now)
    second = event.sessions[1]
    assert checkin.current_meeting(event, second.starts_at - timedelta(minutes=10)).id == second.id
    assert checkin.current_meeting(event, second.starts_at + timedelta(days=2)) is None


def test_a_session_not_picked_cannot_be_checked_in_to(ctx, now):
    event = make_event(now)
    starts = event.starts_at + timedelta(hours=5)
    workshop = EventSession(event_id=event.id, title="Workshop", starts_at=starts, ends_at=starts + timedelta(hours=1),
                            choosable=True)
    db.session.add(workshop)
    db.session.commit()
    person = register(event, now, 1).registration_id
    with pytest.raises(checkin.NotExpected, match="Workshop"):
        checkin.check_in(event.id, person, actor=None, now=starts, session_id=workshop.id)


def test_certificates_are_emailed_once_after_an_event_that_sends_them(ctx, now):
    from builders import written

    from eventapp.models import OutboxMessage

    event = make_course(now)
    came, _ = register(event, now, 1).registration_id, register(event, now, 2)
    check_in_at(event, came, event.sessions[2])
    assert certificates.send_after_events(event.ends_at + timedelta(hours=1)) == 0  # the event does not send them
    event.send_certificates = True
    db.session.commit()
    assert certificates.send_after_events(event.ends_at - timedelta(seconds=1)) == 0  # not over yet
    assert certificates.send_after_events(event.ends_at + timedelta(hours=1)) == 1
    assert certificates.send_after_events(event.ends_at + timedelta(hours=2)) == 0
    [message] = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "certificate"))
    assert message.registration_id == came
    assert "/certificate.pdf" in written(message)


def test_a_walk_in_at_a_meeting_is_checked_in_to_it_and_refused_outside_its_window(ctx, now):
    from builders import attendee

    from eventapp.models import Registration

    event = make_course(now)
    second = event.sessions[1]
    with pytest.raises(checkin.CheckinClosed):
        checkin.register_walk_in(event.id, attendee(7), actor=None, now=second.starts_at - timedelta(hours=2),
                                 session_id=second.id)
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0
    result = checkin.register_walk_in(event.id, attendee(7), actor=None, now=second.starts_at, session_id=second.id)
    assert result.session.id == second.id
    assert [m.checked_in_at is not None for m in certificates.attendance_of(result.registration).meetings] == [
        False, True, False, False, False]


def test_the_thank_you_to_someone_who_came_links_the_certificate(ctx, now):
    import email
    import email.policy

    from builders import written

    from eventapp.models import OutboxMessage
    from eventapp.services.thank_you import send_thank_yous

    event = make_course(now)
    event.thank_you_hours = 0
    db.session.commit()
    came = register(event, now, 1).registration_id
    check_in_at(event, came, event.sessions[0])
    assert send_thank_yous(event.ends_at + timedelta(minutes=1)) == 1
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "thank_you"))
    text = email.message_from_string(written(message), policy=email.policy.default).get_body(("plain",)).get_content()
    assert "Ditt deltagarintyg (pdf): http" in text and "/certificate.pdf" in text
