"""Check-in at the door: codes, the window, twice is harmless, undo, walk-ins, counts, search."""
from datetime import timedelta

import pytest
from builders import attendee, make_event, register

from eventapp.extensions import db
from eventapp.models import AuditEntry, Registration, RegistrationStatus
from eventapp.services import checkin
from eventapp.services.cancellation import cancel_registration
from eventapp.services.errors import EventFull


@pytest.fixture
def door(ctx, now):
    """An event starting in an hour, with one confirmed registration; returns (event, registration, at_door)."""
    event = make_event(now - timedelta(days=30), starts_at=now + timedelta(hours=1), capacity=3,
                       registration_deadline=now)
    registration = register(event, now - timedelta(days=2)).registration
    return event, registration, now


@pytest.mark.parametrize("typed", ["{code}", "  {code}\n", "{lower}", "{code_spaced}",
                                   "https://anmalan.example.org/c/{code}", "code={lower}"])
def test_a_code_is_accepted_as_scanners_and_people_type_it(door, typed):
    event, registration, now = door
    code = registration.check_in_code
    raw = typed.format(code=code, lower=code.lower(), code_spaced=code[:4] + " " + code[4:])
    result = checkin.check_in_by_code(event.id, raw, actor=None, now=now)
    assert result.registration.id == registration.id
    assert not result.already
    assert db.session.get(Registration, registration.id).checked_in_at == now


@pytest.mark.parametrize("raw", ["", "   ", "ABC", "ABCDEFGHJ", "0000OOOO", "Åäö12345"])
def test_something_that_is_not_a_code_is_refused(door, raw):
    event, registration, now = door
    with pytest.raises(checkin.UnknownCode):
        checkin.check_in_by_code(event.id, raw, actor=None, now=now)
    assert db.session.get(Registration, registration.id).checked_in_at is None


def test_an_unknown_code_says_so(door):
    event, _, now = door
    with pytest.raises(checkin.UnknownCode, match="ABCDEFGH"):
        checkin.check_in_by_code(event.id, "abcdefgh", actor=None, now=now)


def test_checking_in_twice_is_harmless_and_says_when(door):
    """Does a second scan change the time of the first, or fail?"""
    event, registration, now = door
    checkin.check_in(event.id, registration.id, actor=None, now=now)
    again = checkin.check_in_by_code(event.id, registration.check_in_code, actor=None, now=now + timedelta(minutes=7))
    assert again.already
    assert again.registration.checked_in_at == now
    assert "redan incheckad kl. 10.00" in again.message
    assert db.session.query(AuditEntry).filter_by(action="registration.checked_in").count() == 1


def test_a_badge_of_another_event_is_refused(door):
    event, registration, now = door
    other = make_event(now - timedelta(days=30), starts_at=now + timedelta(hours=2), registration_deadline=now)
    with pytest.raises(checkin.NotExpected, match=event.title):
        checkin.check_in_by_code(other.id, registration.check_in_code, actor=None, now=now)


def test_cancelled_and_waitlisted_registrations_are_not_checked_in(door):
    event, registration, now = door
    for n in (2, 3):
        register(event, now - timedelta(days=2), n=n)
    waiting = register(event, now - timedelta(days=2), n=4).registration
    assert waiting.status == RegistrationStatus.WAITLISTED
    with pytest.raises(checkin.NotExpected, match="väntelistan"):
        checkin.check_in(event.id, waiting.id, actor=None, now=now)
    cancel_registration(registration.id, now - timedelta(minutes=1))
    with pytest.raises(checkin.NotExpected, match="avbokat"):
        checkin.check_in(event.id, registration.id, actor=None, now=now)
    assert db.session.query(Registration).filter(Registration.checked_in_at.is_not(None)).count() == 0


@pytest.mark.parametrize(("offset", "open_"), [
    (-checkin.CHECKIN_OPENS_BEFORE - timedelta(seconds=1), False),
    (-checkin.CHECKIN_OPENS_BEFORE, True),
    ("end", True),
    ("closes-1s", True),
    ("closes", False),
])
def test_the_door_opens_a_day_before_and_closes_a_day_after(door, offset, open_):
    event, registration, _ = door
    closes = event.ends_at + checkin.CHECKIN_CLOSES_AFTER
    at = {"end": event.ends_at, "closes-1s": closes - timedelta(seconds=1), "closes": closes}.get(offset)
    at = at or event.starts_at + offset
    if open_:
        assert checkin.check_in(event.id, registration.id, actor=None, now=at).registration.checked_in_at == at
    else:
        with pytest.raises(checkin.CheckinClosed):
            checkin.check_in(event.id, registration.id, actor=None, now=at)
        assert db.session.get(Registration, registration.id).checked_in_at is None


def test_a_cancelled_event_has_no_check_in(door):
    event, registration, now = door
    event.cancelled_at = now - timedelta(days=1)
    db.session.commit()
    with pytest.raises(checkin.CheckinClosed, match="inställt"):
        checkin.check_in(event.id, registration.id, actor=None, now=now)


def test_undo_takes_back_a_check_in_and_is_logged(door):
    event, registration, now = door
    checkin.check_in(event.id, registration.id, actor=None, now=now)
    checkin.undo_check_in(event.id, registration.id, actor=None, now=now + timedelta(minutes=1))
    assert db.session.get(Registration, registration.id).checked_in_at is None
    assert db.session.query(AuditEntry).filter_by(action="registration.check_in_undone").count() == 1
    checkin.undo_check_in(event.id, registration.id, actor=None, now=now + timedelta(minutes=2))
    assert db.session.query(AuditEntry).filter_by(action="registration.check_in_undone").count() == 1


def test_counts_are_checked_in_of_confirmed(door):
    event, registration, now = door
    register(event, now - timedelta(days=2), n=2)
    cancelled = register(event, now - timedelta(days=2), n=3).registration
    cancel_registration(cancelled.id, now - timedelta(minutes=5))
    checkin.check_in(event.id, registration.id, actor=None, now=now)
    assert checkin.door_counts(event.id) == checkin.DoorCounts(checked_in=1, expected=2)


def test_a_walk_in_is_registered_and_checked_in_after_the_deadline(door):
    event, _, now = door
    event.registration_deadline = now - timedelta(days=1)
    db.session.commit()
    result = checkin.register_walk_in(event.id, attendee(9, first_name="Šárka"), actor=None, now=now)
    walk_in = db.session.get(Registration, result.registration.id)
    assert (walk_in.status, walk_in.checked_in_at, walk_in.first_name) == (RegistrationStatus.CONFIRMED, now, "Šárka")
    assert checkin.door_counts(event.id) == checkin.DoorCounts(checked_in=1, expected=2)


def test_a_walk_in_never_goes_beyond_capacity(door):
    event, _, now = door
    register(event, now - timedelta(days=2), n=2)
    checkin.register_walk_in(event.id, attendee(3), actor=None, now=now)  # the last place
    with pytest.raises(EventFull, match="Alla 3 platser"):
        checkin.register_walk_in(event.id, attendee(4), actor=None, now=now)
    assert db.session.query(Registration).count() == 3


def test_a_walk_in_already_confirmed_is_simply_checked_in(door):
    event, registration, now = door
    result = checkin.register_walk_in(event.id, attendee(1, email="ANNA1@example.org"), actor=None, now=now)
    assert result.registration.id == registration.id
    assert db.session.query(Registration).count() == 1


def test_a_walk_in_from_the_waiting_list_takes_a_free_place(door):
    event, registration, now = door
    for n in (2, 3):
        register(event, now - timedelta(days=2), n=n)
    waiting = register(event, now - timedelta(days=2), n=4).registration
    # A place freed without the waiting list moving up (as when an organiser cancels after the start).
    db.session.get(Registration, registration.id).status = RegistrationStatus.CANCELLED
    db.session.commit()
    result = checkin.register_walk_in(event.id, attendee(4), actor=None, now=now)
    assert result.registration.id == waiting.id
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.CONFIRMED


def test_search_finds_by_any_part_of_the_name_ignoring_case(door):
    event, registration, now = door
    åsa = register(event, now - timedelta(days=2), n=2, first_name="Åsa", last_name="Öberg",
                   organisation="Migrationsverket").registration
    assert [r.id for r in checkin.search(event.id, "åsa")] == [åsa.id]
    assert [r.id for r in checkin.search(event.id, "ÖBERG migrations")] == [åsa.id]
    assert [r.id for r in checkin.search(event.id, registration.check_in_code.lower())] == [registration.id]
    assert {r.id for r in checkin.search(event.id, "example.org")} == {registration.id, åsa.id}
    assert checkin.search(event.id, "   ") == []
    assert checkin.search(event.id, "nobody") == []


def test_the_list_of_doors_leaves_out_closed_and_cancelled_events(ctx, now):
    from builders import make_user

    from eventapp.services import staff

    open_door = make_event(now - timedelta(days=30), starts_at=now - timedelta(hours=30), registration_deadline=now
                           - timedelta(days=2))  # ended 22 hours ago: still open for corrections
    closed = make_event(now - timedelta(days=30), starts_at=now - timedelta(hours=33),
                        registration_deadline=now - timedelta(days=2))  # ended 25 hours ago
    cancelled = make_event(now, cancelled_at=now)
    later = make_event(now)
    volunteer = make_user("dorr@example.org", "checkin", events=[open_door, closed, cancelled])
    organiser = make_user("org@example.org", "organiser")
    assert staff.events_at_the_door(volunteer, now) == [open_door]
    assert staff.events_at_the_door(organiser, now) == [open_door, later]


def test_search_ignores_accents_and_not_arrived_lists_who_is_still_to_come(door):
    event, registration, now = door
    åsa = register(event, now - timedelta(days=2), n=2, first_name="Åsa", last_name="Öberg",
                   organisation="Göteborgs stad").registration
    ärlig = register(event, now - timedelta(days=2), n=3, first_name="Ulla", last_name="Ärlig").registration
    assert [r.id for r in checkin.search(event.id, "oberg goteborg")] == [åsa.id]
    assert [r.last_name for r in checkin.not_arrived(event.id)] == [registration.last_name, "Ärlig", "Öberg"]
    checkin.check_in(event.id, ärlig.id, actor=None, now=now)
    assert [r.id for r in checkin.not_arrived(event.id)] == [registration.id, åsa.id]


@pytest.mark.parametrize(("moment", "volunteer_sees"), [
    (lambda e: e.starts_at - timedelta(hours=24, seconds=1), False),
    (lambda e: e.starts_at - timedelta(hours=24), True),
    (lambda e: e.ends_at + timedelta(hours=24, seconds=-1), True),
    (lambda e: e.ends_at + timedelta(hours=24), False),
])
def test_a_volunteer_sees_the_attendees_from_a_day_before_to_a_day_after(ctx, now, moment, volunteer_sees):
    from builders import make_user

    from eventapp.services import staff

    event = make_event(now)
    volunteer = make_user("dorr@example.org", "checkin", events=[event])
    organiser = make_user("org@example.org", "organiser")
    assert staff.may_check_in(volunteer, event, moment(event)) is volunteer_sees
    assert staff.may_check_in(organiser, event, moment(event)) is True
    if not volunteer_sees:
        with pytest.raises(staff.DoorForbidden, match="Incheckningen"):
            staff.check_door_access(volunteer, event, moment(event))
