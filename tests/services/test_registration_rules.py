"""Rules 1-3: the registration window, capacity and the waiting list, one registration per address."""
from datetime import UTC, date, datetime, timedelta

import pytest
from builders import attendee, make_event, register
from flask_babel import force_locale

from eventapp.extensions import db
from eventapp.localtime import at, end_of_day
from eventapp.models import OutboxMessage, PersonalLink, RegistrationStatus
from eventapp.services.attendees import add_attendee
from eventapp.services.errors import EventFull, InvalidOrganisationNumber, RegistrationClosed
from eventapp.services.registration import (
    places_left,
    register_attendee,
    registration_closed_reason,
    waitlist_position,
)

SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("opens - 1s", False),
        ("opens", True),
        ("deadline - 1s", True),
        ("deadline", False),
        ("deadline + 1s", False),
    ],
)
def test_registration_window_edges(ctx, now, moment, is_open):
    """Is registration open exactly from the opening instant until (not including) the deadline?"""
    event = make_event(now, registration_opens_at=now + timedelta(days=1),
                       registration_deadline=now + timedelta(days=5))
    base, _, offset = moment.partition(" ")
    when = {"opens": event.registration_opens_at, "deadline": event.registration_deadline}[base]
    when += {"": timedelta(0), "- 1s": -SECOND, "+ 1s": SECOND}[offset]
    assert (registration_closed_reason(event, when) is None) is is_open
    if is_open:
        assert register(event, when).registration.status == RegistrationStatus.CONFIRMED
    else:
        with pytest.raises(RegistrationClosed):
            register(event, when)
        assert event.id and places_left(event) == 10  # nothing stored


def test_deadline_message_names_the_last_day_in_swedish(ctx):
    """The seed's breakfast seminar: last registration day Wednesday 1 February."""
    event = make_event(datetime(2017, 1, 2, tzinfo=UTC), starts_at=at(date(2017, 2, 3), "08:00"),
                       registration_deadline=end_of_day(date(2017, 2, 1)))
    with pytest.raises(RegistrationClosed) as error:
        register(event, event.registration_deadline)
    assert str(error.value) == "Sista anmälningsdag var onsdag 1 februari 2017."
    with force_locale("en"):
        assert str(registration_closed_reason(event, event.registration_deadline)) == (
            "The last day to register was Wednesday 1 February 2017."
        )


def test_unpublished_and_cancelled_events_take_no_registrations(ctx, now):
    unpublished = make_event(now, published=False)
    cancelled = make_event(now, cancelled_at=now - SECOND)
    for event in (unpublished, cancelled):
        with pytest.raises(RegistrationClosed):
            register(event, now)


def test_not_yet_open_says_when_it_opens(ctx, now):
    event = make_event(now, registration_opens_at=at(date(2017, 1, 20), "09:00"))
    assert str(registration_closed_reason(event, now)) == "Anmälan öppnar fredag 20 januari 2017 kl. 09.00."


def test_last_seat_is_confirmed_and_the_next_joins_the_waiting_list(ctx, now):
    event = make_event(now, capacity=2)
    assert register(event, now, 1).registration.status == RegistrationStatus.CONFIRMED
    assert places_left(event) == 1
    last = register(event, now, 2).registration
    assert last.status == RegistrationStatus.CONFIRMED
    assert places_left(event) == 0
    first_waiting = register(event, now, 3).registration
    second_waiting = register(event, now + SECOND, 4).registration
    assert first_waiting.status == RegistrationStatus.WAITLISTED
    assert waitlist_position(first_waiting) == 1
    assert waitlist_position(second_waiting) == 2
    assert waitlist_position(last) is None


def test_full_event_without_waiting_list_says_fully_booked(ctx, now):
    event = make_event(now, capacity=1, waitlist_enabled=False)
    register(event, now, 1)
    with pytest.raises(EventFull) as error:
        register(event, now, 2)
    assert str(error.value) == "Evenemanget är fullbokat."
    assert places_left(event) == 0


def test_event_without_limit_confirms_everyone(ctx, now):
    event = make_event(now, capacity=None)
    results = [register(event, now, n) for n in range(15)]
    assert {r.registration.status for r in results} == {RegistrationStatus.CONFIRMED}
    assert places_left(event) is None


def test_repeated_submit_is_answered_like_the_first(ctx, now):
    """Rule 3: the same address (in any case) gets the same registration back, not a second row."""
    event = make_event(now, capacity=1)
    first = register(event, now, 1, email="Anna@Example.org")
    again = register(event, now + SECOND, 1, email="  anna@EXAMPLE.org ")
    assert first.created and first.token
    assert not again.created and again.token is None
    assert again.registration.id == first.registration.id
    assert again.registration.status == RegistrationStatus.CONFIRMED


def test_a_cancelled_address_can_register_again(ctx, now):
    from eventapp.services.cancellation import cancel_registration

    event = make_event(now)
    first = register(event, now, 1).registration
    cancel_registration(first.id, now)
    second = register(event, now, 1)
    assert second.created and second.registration.id != first.id


def test_invalid_organisation_number_stores_nothing(ctx, now):
    event = make_event(now)
    with pytest.raises(InvalidOrganisationNumber):
        register_attendee(event.id, attendee(org_number="202100-5449"), now)
    assert places_left(event) == 10


def test_valid_organisation_number_is_stored_formatted(ctx, now):
    event = make_event(now)
    registration = register_attendee(event.id, attendee(org_number="2021005448"), now).registration
    assert registration.org_number == "202100-5448"


@pytest.mark.parametrize(("typed", "linked"), [
    ("Göteborgs kommun", "Göteborgs Stad"),  # a register entry, by another spelling
    ("  migrationsverket ", "Migrationsverket"),
    ("Föreningen Lokalt Förankrad", "Föreningen Lokalt Förankrad"),  # in no register: created, once
])
def test_a_registration_is_linked_to_the_organisation_its_typed_name_leads_to(ctx, now, typed, linked):
    event = make_event(now)
    first = register(event, now, 1, organisation=typed).registration
    second = register(event, now, 2, organisation=typed.upper()).registration
    assert first.organisation.name == linked and first.organisation_name == " ".join(typed.split())
    assert second.organisation_id == first.organisation_id


def test_names_in_any_script_are_kept_exactly(ctx, now):
    event = make_event(now)
    registration = register(event, now, first_name="محمود", last_name="آغا",
                            organisation="Åsa Öberg-Ärlig AB").registration
    assert registration.full_name == "محمود آغا"
    assert registration.organisation_name == "Åsa Öberg-Ärlig AB"


def test_a_check_in_code_already_taken_stores_nothing(ctx, now, monkeypatch):
    """The unique index, not a query first, keeps check-in codes apart (a clash is 1 in 10^12)."""
    from sqlalchemy.exc import IntegrityError

    from eventapp.services import personal_links

    event = make_event(now)
    taken = register(event, now, 1).registration.check_in_code
    monkeypatch.setattr(personal_links, "new_check_in_code", lambda: taken)
    with pytest.raises(IntegrityError):
        register(event, now, 2)
    assert places_left(event) == 9


def test_a_registration_stores_the_rows_an_organiser_adding_the_person_stores(ctx, now):
    """The form's registration inserts its rows directly, an organiser's adds objects to the session:
    the registration, its answers, its personal link and its queued e-mail come out the same."""
    person = attendee(1, phone="070-123 45 67", dietary="Vegetarisk", org_number="212000-0142",
                      invoice_reference="Ref 1", invoice_street="Box 1", invoice_postcode="111 11",
                      invoice_city="Stockholm", invoice_address="c/o Ekonomi", language="en")
    from_the_form = register_attendee(make_event(now, title="Samma").id, person, now).registration
    by_the_organiser = add_attendee(make_event(now, title="Samma").id, person, actor=None, now=now)
    # The organiser vouches instead of the person's consent; codes and keys are drawn for each.
    own = {"id", "event_id", "consent_at", "check_in_code", "calendar_key", "registration_id", "selector",
           "verifier_hash"}

    def rows(registration):
        return [{column.key: getattr(row, column.key) for column in type(row).__table__.columns
                 if column.key not in own}
                for row in [registration,
                            db.session.scalars(db.select(PersonalLink).filter_by(registration_id=registration.id)).one(),
                            db.session.scalars(db.select(OutboxMessage).filter_by(registration_id=registration.id)).one()]]

    assert rows(from_the_form) == rows(by_the_organiser)
    assert from_the_form.consent_at == now and by_the_organiser.consent_at is None


