"""Rule 10: sessions to choose, each with its own places, on both databases."""
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from builders import attendee, make_event

from eventapp.extensions import db
from eventapp.models import EventSession, Registration, SessionChoice
from eventapp.services import sessions
from eventapp.services.cancellation import cancel_registration, transfer_registration
from eventapp.services.errors import ValidationFailed
from eventapp.services.registration import register_attendee


def add_session(event, title, start_hours, length_hours=1, *, capacity=None, choosable=True) -> int:
    starts = event.starts_at + timedelta(hours=start_hours)
    session = EventSession(event_id=event.id, title=title, starts_at=starts,
                           ends_at=starts + timedelta(hours=length_hours), choosable=choosable, capacity=capacity)
    db.session.add(session)
    db.session.commit()
    return session.id


def chosen(registration_id):
    return sorted(db.session.scalars(db.select(SessionChoice.session_id).where(
        SessionChoice.registration_id == registration_id)))


def stored_registrations():
    return db.session.scalar(db.select(db.func.count()).select_from(Registration))


def test_thirty_people_racing_for_a_ten_place_workshop(app, now):
    """Do 30 people picking a 10-place workshop at once give exactly 10 places, and the other 20 their
    registration without it and a message saying so?"""
    with app.app_context():
        event = make_event(now, capacity=100)
        event_id = event.id
        workshop = add_session(event, "Workshop: Klarspråk", 5, capacity=10)

    def one(n):
        with app.test_request_context():
            try:
                result = register_attendee(event_id, attendee(n, sessions=(workshop,)), now)
                return result.registration.status, tuple(result.full_sessions)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(one, range(30)))
    assert Counter(status for status, _ in outcomes) == {"confirmed": 30}
    assert Counter(full for _, full in outcomes) == {(): 10, ("Workshop: Klarspråk",): 20}
    with app.app_context():
        assert sessions.places_taken(event_id) == {workshop: 10}
        assert stored_registrations() == 30


def test_a_full_workshop_leaves_the_registration_without_it(ctx, now):
    event = make_event(now)
    workshop = add_session(event, "Workshop", 5, capacity=1)
    first = register_attendee(event.id, attendee(1, sessions=(workshop,)), now)
    second = register_attendee(event.id, attendee(2, sessions=(workshop,)), now)
    assert first.full_sessions == [] and chosen(first.registration_id) == [workshop]
    assert second.full_sessions == ["Workshop"] and chosen(second.registration_id) == []
    with pytest.raises(ValidationFailed) as refused:
        sessions.check_picks(event, [workshop])
    assert "fullbokat" in str(refused.value)


@pytest.mark.parametrize("case", ["overlapping", "other event", "unknown", "a meeting for all"])
def test_bad_picks_are_refused_and_nothing_is_stored(ctx, now, case):
    event = make_event(now)
    morning = add_session(event, "Förmiddag", 1, 2)
    same_time = add_session(event, "Samtidigt", 2, 2)
    elsewhere = add_session(make_event(now), "Annat evenemang", 1)
    plenary = add_session(event, "Plenum", 5, choosable=False)
    picks = {"overlapping": (morning, same_time), "other event": (elsewhere,), "unknown": (999_999,),
             "a meeting for all": (plenary,)}[case]
    with pytest.raises(ValidationFailed) as refused:
        register_attendee(event.id, attendee(1, sessions=picks), now)
    assert refused.value.errors["sessions"]
    assert stored_registrations() == 0


def test_sessions_back_to_back_can_both_be_picked(ctx, now):
    event = make_event(now)
    first, second = add_session(event, "Ett", 1), add_session(event, "Två", 2)
    result = register_attendee(event.id, attendee(1, sessions=(first, second)), now)
    assert chosen(result.registration_id) == sorted([first, second])


def test_cancelling_frees_the_place_and_a_colleague_takes_it_over(ctx, now):
    event = make_event(now)
    workshop = add_session(event, "Workshop", 5, capacity=1)
    first = register_attendee(event.id, attendee(1, sessions=(workshop,)), now)
    substitute = transfer_registration(first.registration_id, attendee(9), now)
    assert chosen(substitute.registration_id) == [workshop]
    assert sessions.places_taken(event.id) == {workshop: 1}
    cancel_registration(substitute.registration_id, now)
    assert sessions.places_taken(event.id) == {}
    assert register_attendee(event.id, attendee(2, sessions=(workshop,)), now).full_sessions == []


def test_changing_picks_until_the_deadline_within_capacity(ctx, now):
    event = make_event(now)
    a, b = add_session(event, "A", 1, capacity=1), add_session(event, "B", 3, capacity=1)
    mine = register_attendee(event.id, attendee(1, sessions=(a,)), now).registration_id
    other = register_attendee(event.id, attendee(2), now).registration_id
    sessions.change_choices(mine, [b], now)
    assert chosen(mine) == [b]
    with pytest.raises(ValidationFailed, match="fullbokat"):
        sessions.change_choices(other, [b], now)
    assert chosen(other) == []
    sessions.change_choices(mine, [a, b], now)  # keeping a place held is not refused
    assert chosen(mine) == sorted([a, b])
    with pytest.raises(ValidationFailed):
        sessions.change_choices(mine, [], event.registration_deadline)
    assert chosen(mine) == sorted([a, b])
    sessions.change_choices(mine, [], event.registration_deadline - timedelta(seconds=1))
    assert chosen(mine) == []


def test_the_confirmation_lists_the_sessions_picked(ctx, now):
    import email
    import email.policy

    from builders import written

    from eventapp.models import OutboxMessage

    event = make_event(now)
    workshop = add_session(event, "Workshop: Klarspråk", 5)
    add_session(event, "Workshop: Sociala medier", 7)
    register_attendee(event.id, attendee(1, sessions=(workshop,)), now)
    message = email.message_from_string(written(db.session.scalar(db.select(OutboxMessage))),
                                        policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert "Dina pass" in text and "Workshop: Klarspråk" in text and "Sociala medier" not in text


def test_a_booker_keeps_the_sessions_picked_and_a_colleague_picks_their_own(ctx, now):
    """Does a booking (a group, or one person on a paid event) keep the booker's picks, and say which
    were full, without giving the colleagues the booker's sessions?"""
    from eventapp.services.group_booking import BookingRequest, Colleague, book

    event = make_event(now)
    workshop = add_session(event, "Workshop", 5, capacity=5)
    full = add_session(event, "Fullt pass", 7, capacity=1)
    register_attendee(event.id, attendee(1, sessions=(full,)), now)
    result = book(event.id, BookingRequest(attendee(2, sessions=(workshop, full)),
                                           [Colleague("Kollega", "Ett", "kollega1@example.org")]), now)
    booker, colleague = (p.registration_id for p in result.people)
    assert result.full_sessions == ["Fullt pass"]
    assert chosen(booker) == [workshop] and chosen(colleague) == []


def test_the_badge_may_carry_the_sessions_picked(ctx, now):
    from io import BytesIO

    from pypdf import PdfReader

    from eventapp.services.badges import BadgeOptions, print_badges

    event = make_event(now)
    workshop = add_session(event, "Workshop: Klarspråk", 5)
    register_attendee(event.id, attendee(1, sessions=(workshop,)), now)

    def text(options):
        pdf, _ = print_badges(event.id, options, actor=None, now=now)
        return " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)

    assert "Klarspråk" not in text(BadgeOptions())
    assert "Workshop: Klarspråk" in text(BadgeOptions(sessions_on_badge=True))
