"""Rules 4 and 5: free and late cancellation, promotion from the waiting list, substitution."""
from datetime import timedelta

import pytest
from builders import attendee, make_event, register

from eventapp.models import RegistrationStatus
from eventapp.services.cancellation import cancel_registration, transfer_registration
from eventapp.services.errors import AlreadyRegistered, CancellationNotAllowed, TransferNotAllowed
from eventapp.services.registration import find_by_token, places_left, waitlist_position

SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("offset", "late"),
    [(-SECOND, False), (timedelta(0), True), (SECOND, True)],
)
def test_cancellation_is_free_until_the_cancellation_deadline(ctx, now, offset, late):
    deadline = now + timedelta(days=10)
    event = make_event(now, cancellation_deadline=deadline)
    registration = register(event, now).registration
    result = cancel_registration(registration.id, deadline + offset)
    assert result.late is late
    expected = RegistrationStatus.LATE_CANCELLED if late else RegistrationStatus.CANCELLED
    assert result.registration.status == expected


def test_cancellation_deadline_defaults_to_the_registration_deadline(ctx, now):
    event = make_event(now, cancellation_deadline=None)
    one = register(event, now, 1).registration
    two = register(event, now, 2).registration
    assert not cancel_registration(one.id, event.registration_deadline - SECOND).late
    assert cancel_registration(two.id, event.registration_deadline).late


def test_leaving_the_waiting_list_late_is_never_a_late_cancellation(ctx, now):
    event = make_event(now, capacity=1)
    register(event, now, 1)
    waiting = register(event, now, 2).registration
    result = cancel_registration(waiting.id, event.starts_at - SECOND)
    assert not result.late and result.registration.status == RegistrationStatus.CANCELLED
    assert result.promoted == []


def test_a_freed_seat_goes_to_the_first_on_the_waiting_list(ctx, now):
    event = make_event(now, capacity=2)
    confirmed = [register(event, now, n).registration for n in (1, 2)]
    first = register(event, now + SECOND, 3).registration
    second = register(event, now + 2 * SECOND, 4).registration
    result = cancel_registration(confirmed[0].id, now + timedelta(days=1))
    assert [r.id for r in result.promoted] == [first.id]
    assert result.promoted[0].status == RegistrationStatus.CONFIRMED
    assert places_left(event) == 0
    assert waitlist_position(second) == 1


def test_no_promotion_once_the_event_has_started(ctx, now):
    event = make_event(now, capacity=1)
    one = register(event, now, 1).registration
    register(event, now, 2)
    with pytest.raises(CancellationNotAllowed):
        cancel_registration(one.id, event.starts_at)
    result = cancel_registration(one.id, event.starts_at - SECOND)
    assert result.late and len(result.promoted) == 1


def test_cancelling_twice_is_refused(ctx, now):
    event = make_event(now)
    registration = register(event, now).registration
    cancel_registration(registration.id, now)
    with pytest.raises(CancellationNotAllowed):
        cancel_registration(registration.id, now)


def colleague(**fields):
    return attendee(99, first_name="Bertil", last_name="Berg", email="bertil@example.org", **fields)


@pytest.mark.parametrize(("offset", "allowed"), [(-SECOND, True), (timedelta(0), False)])
def test_substitution_is_free_until_the_event_starts(ctx, now, offset, allowed):
    event = make_event(now, cancellation_deadline=now)
    original = register(event, now).registration
    when = event.starts_at + offset
    if not allowed:
        with pytest.raises(TransferNotAllowed):
            transfer_registration(original.id, colleague(), when)
        return
    result = transfer_registration(original.id, colleague(), when)
    assert result.token and result.registration.status == RegistrationStatus.CONFIRMED
    assert result.registration.full_name == "Bertil Berg"
    assert result.registration.organisation_name == "Nacka kommun"
    assert result.registration.check_in_code != original.check_in_code
    assert original.status == RegistrationStatus.TRANSFERRED
    assert original.transferred_to_id == result.registration.id
    assert places_left(event) == 9


def test_a_substitute_keeps_the_buyers_invoice_details(ctx, now):
    """A colleague sent instead keeps the invoice: is the buyer the substitute carries the one who booked?"""
    event = make_event(now)
    buyer = dict(org_number="212000-0142", invoice_reference="KS-4711", invoice_street="Granitvägen 15",
                 invoice_postcode="131 81", invoice_city="Nacka", invoice_address="c/o Kommunikation",
                 peppol_id="0007:2120000142")
    original = register(event, now, **buyer).registration
    substitute = transfer_registration(original.id, colleague(), now + timedelta(days=1)).registration
    assert {name: getattr(substitute, name) for name in buyer} == buyer


def test_a_substitute_keeps_the_place_in_the_waiting_list(ctx, now):
    event = make_event(now, capacity=1)
    register(event, now, 1)
    first = register(event, now + SECOND, 2).registration
    register(event, now + 2 * SECOND, 3)
    substitute = transfer_registration(first.id, colleague(), now + timedelta(days=1)).registration
    assert substitute.status == RegistrationStatus.WAITLISTED
    assert waitlist_position(substitute) == 1


def test_substitution_to_someone_already_registered_is_refused(ctx, now):
    event = make_event(now)
    original = register(event, now, 1).registration
    register(event, now, 2, email="bertil@example.org")
    with pytest.raises(AlreadyRegistered):
        transfer_registration(original.id, colleague(), now)
    assert original.status == RegistrationStatus.CONFIRMED


def test_personal_link_works_until_the_event_ends(ctx, now):
    event = make_event(now)
    result = register(event, now)
    assert find_by_token(result.token, now).id == result.registration.id
    assert find_by_token(result.token, event.ends_at - SECOND) is not None
    assert find_by_token(result.token, event.ends_at) is None


@pytest.mark.parametrize("mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:12], lambda t: "",
                                    lambda t: t + "x", lambda t: "x" * 500])
def test_a_wrong_personal_link_finds_nothing(ctx, now, mangle):
    event = make_event(now)
    token = register(event, now).token
    assert find_by_token(mangle(token), now) is None
