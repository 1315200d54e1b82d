"""Rule 8: a booker books several colleagues in one form."""
import email
import email.policy
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from builders import attendee, make_event, register

from eventapp.extensions import db
from eventapp.models import Booking, OutboxMessage, Registration
from eventapp.services import group_booking
from eventapp.services.errors import DomainError, EventFull, ValidationFailed
from eventapp.services.group_booking import BookingRequest, Colleague, book


def colleagues(count: int, start: int = 1) -> list[Colleague]:
    return [Colleague("Kollega", f"Nummer {n}", f"kollega{n}@example.org") for n in range(start, start + count)]


def stored(event_id: int) -> list[tuple[str, str]]:
    return [(r.email, r.status) for r in db.session.scalars(
        db.select(Registration).where(Registration.event_id == event_id).order_by(Registration.id))]


def test_a_group_of_five_with_three_places_left_gets_three_places_and_two_on_the_waiting_list(ctx, now):
    """Do places go in form order: the first three confirmed, the last two on the waiting list?"""
    event = make_event(now, capacity=10)
    for n in range(7):
        register(event, now, n)
    result = book(event.id, BookingRequest(attendee(100), colleagues(4)), now)
    assert [p.status for p in result.people] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert [p.email for p in result.people] == ["anna100@example.org"] + [
        f"kollega{n}@example.org" for n in range(1, 5)]
    booked = db.session.scalars(db.select(Registration).where(Registration.booking_id == result.booking_id)
                                .order_by(Registration.id)).all()
    assert [r.status for r in booked] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert all(r.organisation_name == "Nacka kommun" for r in booked)


def test_without_a_waiting_list_a_group_that_does_not_fit_is_not_stored_and_told_why(ctx, now):
    event = make_event(now, capacity=10, waitlist_enabled=False)
    for n in range(7):
        register(event, now, n)
    with pytest.raises(EventFull) as refused:
        book(event.id, BookingRequest(attendee(100), colleagues(4)), now)
    assert "3" in str(refused.value) and "5" in str(refused.value)
    assert len(stored(event.id)) == 7
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 0


def test_each_person_gets_their_own_confirmation_and_the_booker_a_summary(ctx, now):
    event = make_event(now)
    result = book(event.id, BookingRequest(attendee(1), colleagues(2)), now)
    kinds = Counter(db.session.scalars(db.select(OutboxMessage.kind)))
    assert kinds == {"confirmation": 3, "booking_summary": 1}
    summary = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "booking_summary"))
    assert summary.recipient == "anna1@example.org"
    assert result.booking.booker_attending


def test_the_booker_may_book_only_for_others(ctx, now):
    event = make_event(now)
    result = book(event.id, BookingRequest(attendee(1), colleagues(2), booker_attending=False), now)
    assert [p.email for p in result.people] == ["kollega1@example.org", "kollega2@example.org"]
    summary = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "booking_summary"))
    assert summary.recipient == "anna1@example.org"


def test_booking_only_for_others_needs_a_colleague(ctx, now):
    event = make_event(now)
    with pytest.raises(ValidationFailed):
        book(event.id, BookingRequest(attendee(1), [], booker_attending=False), now)


def test_a_colleague_already_registered_is_named_and_nothing_is_stored(ctx, now):
    event = make_event(now)
    register(event, now, 1, first_name="Bertil", last_name="Berg", email="kollega2@example.org")
    with pytest.raises(ValidationFailed) as refused:
        book(event.id, BookingRequest(attendee(9), colleagues(3)), now)
    assert "colleagues-1-email" in refused.value.errors
    assert "Bertil Berg" in str(refused.value.errors["colleagues-1-email"][0])
    assert len(stored(event.id)) == 1


def test_twenty_colleagues_with_one_invalid_address_store_nothing(ctx, now):
    event = make_event(now, capacity=None)
    people = colleagues(20)
    people[13] = Colleague("Fel", "Adress", "inte-en-adress")
    with pytest.raises(ValidationFailed) as refused:
        book(event.id, BookingRequest(attendee(1), people), now)
    assert list(refused.value.errors) == ["colleagues-13-email"]
    assert stored(event.id) == []


def test_more_than_twenty_colleagues_are_refused(ctx, now):
    event = make_event(now, capacity=None)
    with pytest.raises(ValidationFailed):
        book(event.id, BookingRequest(attendee(1), colleagues(21)), now)


def test_the_same_address_twice_in_one_booking_is_refused(ctx, now):
    event = make_event(now)
    with pytest.raises(ValidationFailed) as refused:
        book(event.id, BookingRequest(attendee(1), [Colleague("A", "B", "ANNA1@example.org")]), now)
    assert "colleagues-0-email" in refused.value.errors


def test_the_group_link_adds_cancels_and_replaces(ctx, now):
    event = make_event(now, capacity=3)
    result = book(event.id, BookingRequest(attendee(1), colleagues(1)), now)
    booking = result.booking
    added = group_booking.add_member(booking, Colleague("Ny", "Person", "ny@example.org"), now)
    assert added.people[0].status == "confirmed"
    late = group_booking.add_member(booking, Colleague("Sen", "Person", "sen@example.org"), now)
    assert late.people[0].status == "waitlisted"
    group_booking.cancel_member(booking, added.people[0].registration_id, now)
    group_booking.replace_member(booking, result.people[1].registration_id,
                                 attendee(5, first_name="Ersättare", email="ersattare@example.org"), now)
    statuses = {r.email: r.status for r in group_booking.members(booking)}
    assert statuses == {"anna1@example.org": "confirmed", "kollega1@example.org": "transferred",
                        "ny@example.org": "cancelled", "sen@example.org": "confirmed",
                        "ersattare@example.org": "confirmed"}


def test_a_person_of_another_booking_cannot_be_cancelled_through_this_one(ctx, now):
    event = make_event(now)
    first = book(event.id, BookingRequest(attendee(1), colleagues(1)), now)
    other = book(event.id, BookingRequest(attendee(2), colleagues(1, start=5)), now)
    with pytest.raises(DomainError):
        group_booking.cancel_member(first.booking, other.people[0].registration_id, now)


# Under concurrency ------------------------------------------------------------------------------


def run_concurrently(app, event_id, requests, now, workers=10):
    def one(request):
        with app.test_request_context():
            try:
                return [p.status for p in book(event_id, request, now).people]
            except DomainError as error:
                return error.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, requests))


def test_twenty_bookings_racing_for_ten_places_never_exceed_ten(app, now):
    with app.app_context():
        event_id = make_event(now, capacity=10, waitlist_enabled=False).id
    requests = [BookingRequest(attendee(100 + n), colleagues(1, start=n * 10)) for n in range(20)]
    outcomes = run_concurrently(app, event_id, requests, now)
    assert Counter(map(str, outcomes)) == {"['confirmed', 'confirmed']": 5, "event_full": 15}
    with app.app_context():
        assert Counter(status for _, status in stored(event_id)) == {"confirmed": 10}


# Personal data ----------------------------------------------------------------------------------


def test_erasing_the_booker_erases_the_booking_and_its_summary_and_the_purge_the_rest(ctx, now):
    from eventapp.models import User
    from eventapp.services import privacy

    organiser = User(email="arr@example.org", name="Arr", role="organiser", password_hash="!")
    db.session.add(organiser)
    db.session.commit()
    event = make_event(now)
    booked = book(event.id, BookingRequest(attendee(1, first_name="Markörbokare"), colleagues(1)), now)
    other = book(event.id, BookingRequest(attendee(2, first_name="Andrebokare"), colleagues(1, start=5),
                                          booker_attending=False), now)
    privacy.erase_person("anna1@example.org", actor=organiser, now=now)
    db.session.expire_all()
    first, second = db.session.get(Booking, booked.booking_id), db.session.get(Booking, other.booking_id)
    assert "Markörbokare" not in first.booker_name and "anna1" not in first.booker_email
    assert second.booker_email == "anna2@example.org"  # only the erased person's booking
    summaries = db.session.scalars(db.select(OutboxMessage.details).where(OutboxMessage.kind == "booking_summary"))
    assert [details["booking"] for details in summaries] == [other.booking_id]
    privacy.purge_ended_events(event.ends_at + timedelta(days=91), 90)
    db.session.expire_all()
    assert "anna2" not in db.session.get(Booking, other.booking_id).booker_email


def test_the_same_booking_sent_twice_is_answered_as_the_first_time(ctx, now):
    """Rule 3 for a booking: a second click gets the same booking, not a complaint or a second row."""
    event = make_event(now)
    request = BookingRequest(attendee(1), colleagues(2))
    first = book(event.id, request, now)
    again = book(event.id, request, now)
    assert (again.booking_id, again.created) == (first.booking_id, False)
    assert [p.registration_id for p in again.people] == [p.registration_id for p in first.people]
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 1
    with pytest.raises(ValidationFailed):  # someone else booking the same people is told they are registered
        book(event.id, BookingRequest(attendee(7), colleagues(2)), now)


def test_the_same_booking_sent_many_times_at_once_is_stored_once(app, now):
    with app.app_context():
        event_id = make_event(now).id
    request = BookingRequest(attendee(1), colleagues(2))
    outcomes = run_concurrently(app, event_id, [request] * 8, now, workers=8)
    assert all(outcome == ["confirmed"] * 3 for outcome in outcomes), outcomes
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 1
        assert len(stored(event_id)) == 3


def test_a_colleagues_confirmation_says_who_booked_the_place(ctx, now):
    from builders import written

    event = make_event(now)
    book(event.id, BookingRequest(attendee(1, first_name="Karin", last_name="Lind"), colleagues(1)), now)
    messages = {m.recipient: m for m in db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.kind == "confirmation"))}
    def text(message) -> str:
        return email.message_from_string(written(message), policy=email.policy.default).get_body(
            ("plain",)).get_content()

    colleague = text(messages["kollega1@example.org"])
    booker = text(messages["anna1@example.org"])
    assert "Karin Lind har bokat den här platsen åt dig" in colleague
    assert "har bokat den" not in booker


def test_a_booker_who_only_booked_is_exported_and_erased_too(ctx, now):
    from eventapp.models import User
    from eventapp.services import privacy

    organiser = User(email="arr@example.org", name="Arr", role="organiser", password_hash="!")
    db.session.add(organiser)
    db.session.commit()
    event = make_event(now)
    result = book(event.id, BookingRequest(attendee(1, first_name="Markörbokare"), colleagues(2),
                                           booker_attending=False), now)
    exported = privacy.export_person("ANNA1@example.org", actor=organiser, now=now)
    assert exported["registrations"] == []
    assert exported["bookings_made_by"][0]["booker"].startswith("Markörbokare")
    privacy.erase_person("anna1@example.org", actor=organiser, now=now)
    db.session.expire_all()
    booking = db.session.get(Booking, result.booking_id)
    assert "Markörbokare" not in booking.booker_name and "anna1" not in booking.booker_email
    assert [r.status for r in group_booking.members(booking)] == ["confirmed", "confirmed"]  # the colleagues stay
    with pytest.raises(DomainError):
        privacy.erase_person("anna1@example.org", actor=organiser, now=now)
