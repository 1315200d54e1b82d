"""The organisers' actions on registrations: each within the rules, each in the audit log."""
from datetime import timedelta

import pytest
from builders import attendee, make_event, register

from eventapp.extensions import db
from eventapp.models import AuditEntry, Registration, RegistrationStatus, User
from eventapp.services import attendees
from eventapp.services.attendees import AttendeeChanges, AttendeeQuery
from eventapp.services.errors import AlreadyRegistered, CancellationNotAllowed, DomainError, NotFound


@pytest.fixture
def organiser(ctx):
    user = User(email="org@example.org", role="organiser", password_hash="x")
    db.session.add(user)
    db.session.commit()
    return user


def actions(registration_id: int) -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.target_type == "registration", AuditEntry.target_id == registration_id).order_by(AuditEntry.id)))


def test_search_filter_sort_and_page(ctx, now):
    event = make_event(now, capacity=3)
    register(event, now, 1, first_name="Åsa", last_name="Öberg", organisation="Nacka kommun")
    register(event, now, 2, first_name="Bo", last_name="Berg", organisation="Migrationsverket")
    register(event, now, 3, first_name="Cia", last_name="Ahl", organisation="Scouterna", organisation_kind="nonprofit")
    register(event, now, 4, first_name="Dan", last_name="Dahl", organisation="Nacka kommun")
    assert [r.last_name for r in attendees.list_attendees(event.id, AttendeeQuery()).registrations] == \
        ["Ahl", "Berg", "Dahl", "Öberg"]
    by = attendees.list_attendees
    assert [r.last_name for r in by(event.id, AttendeeQuery(search="nacka öberg")).registrations] == ["Öberg"]
    assert [r.last_name for r in by(event.id, AttendeeQuery(status="waitlisted")).registrations] == ["Dahl"]
    assert [r.last_name for r in by(event.id, AttendeeQuery(organisation_kind="agency")).registrations] == ["Berg"]
    assert by(event.id, AttendeeQuery(checked_in="yes")).total == 0
    assert by(event.id, AttendeeQuery(checked_in="no")).total == 4
    assert by(event.id, AttendeeQuery(search="%")).total == 0  # a wildcard is searched for literally
    assert [r.last_name for r in by(event.id, AttendeeQuery(sort="name", descending=True)).registrations][0] == \
        "Öberg"
    page = by(event.id, AttendeeQuery(page=2), page_size=3)
    assert (page.page, page.pages, page.total, [r.last_name for r in page.registrations]) == (2, 2, 4, ["Öberg"])
    assert by(event.id, AttendeeQuery(page=99), page_size=3).page == 2


def test_add_someone_who_phoned_in_after_the_deadline(ctx, now, organiser):
    event = make_event(now, capacity=1, registration_deadline=now - timedelta(seconds=1),
                       registration_opens_at=now - timedelta(days=2))
    first = attendees.add_attendee(event.id, attendee(1), actor=organiser, now=now, note="Ringde in")
    second = attendees.add_attendee(event.id, attendee(2), actor=organiser, now=now)
    assert (first.status, second.status) == (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    assert first.organiser_note == "Ringde in" and first.consent_at is None
    assert actions(first.id) == ["registration.added"]
    with pytest.raises(AlreadyRegistered):
        attendees.add_attendee(event.id, attendee(1, email="ANNA1@example.org"), actor=organiser, now=now)


def test_add_to_a_full_event_without_waiting_list_is_refused(ctx, now, organiser):
    event = make_event(now, capacity=1, waitlist_enabled=False)
    register(event, now, 1)
    with pytest.raises(DomainError):
        attendees.add_attendee(event.id, attendee(2), actor=organiser, now=now)
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 1


def test_edit_records_old_and_new_values_and_keeps_addresses_unique(ctx, now, organiser):
    event = make_event(now)
    one = register(event, now, 1).registration
    register(event, now, 2)
    changes = AttendeeChanges(first_name="Anna", last_name="Berg", email="anna1@example.org",
                              organisation="Migrationsverket", phone="+46 8 123 45 67", organiser_note="Talare")
    changed = attendees.update_attendee(one.id, changes, actor=organiser, now=now)
    assert changed["last_name"] == ["Andersson 1", "Berg"] and "email_key" not in changed
    assert one.organisation.name == "Migrationsverket" and one.organiser_note == "Talare"
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "registration.updated"))
    assert entry.actor_id == organiser.id and entry.details["changes"]["organiser_note"] == ["", "Talare"]
    with pytest.raises(AlreadyRegistered):
        attendees.update_attendee(one.id, AttendeeChanges("Anna", "Berg", "ANNA2@example.org", "Nacka"),
                                  actor=organiser, now=now)
    assert attendees.update_attendee(one.id, changes, actor=organiser, now=now) == {}


@pytest.mark.parametrize(("before_deadline", "status"), [
    (timedelta(seconds=1), RegistrationStatus.CANCELLED),
    (timedelta(0), RegistrationStatus.LATE_CANCELLED),
])
def test_cancel_frees_the_place_for_the_waiting_list(ctx, now, organiser, before_deadline, status):
    event = make_event(now, capacity=1, registration_deadline=now + timedelta(days=2))
    placed = register(event, now, 1).registration
    waiting = register(event, now, 2).registration
    promoted = attendees.cancel_attendee(placed.id, actor=organiser,
                                         now=event.registration_deadline - before_deadline)
    assert placed.status == status
    assert [r.id for r in promoted] == [waiting.id] and waiting.status == RegistrationStatus.CONFIRMED
    assert actions(placed.id) == ["registration.cancelled"] and actions(waiting.id) == ["registration.promoted"]
    with pytest.raises(CancellationNotAllowed):
        attendees.cancel_attendee(placed.id, actor=organiser, now=now)


def test_cancel_after_the_start_is_refused(ctx, now, organiser):
    event = make_event(now)
    placed = register(event, now, 1).registration
    with pytest.raises(CancellationNotAllowed):
        attendees.cancel_attendee(placed.id, actor=organiser, now=event.starts_at)
    assert placed.status == RegistrationStatus.CONFIRMED


def test_promote_adds_a_place_rather_than_overbook(ctx, now, organiser):
    event = make_event(now, capacity=1)
    register(event, now, 1)
    first_waiting = register(event, now, 2).registration
    second_waiting = register(event, now, 3).registration
    assert attendees.promote_attendee(second_waiting.id, actor=organiser, now=now) == 2
    assert event.capacity == 2 and second_waiting.status == RegistrationStatus.CONFIRMED
    assert first_waiting.status == RegistrationStatus.WAITLISTED
    with pytest.raises(DomainError):
        attendees.promote_attendee(second_waiting.id, actor=organiser, now=now)
    log = attendees.audit_log(event.id)
    assert [e.action for e in log][:2] == ["registration.promoted", "event.updated"]
    assert log[1].details["changes"] == {"capacity": [1, 2]}


def test_promote_into_a_free_place_keeps_the_capacity(ctx, now, organiser):
    event = make_event(now, capacity=None)
    waiting = register(event, now, 1).registration
    waiting.status = RegistrationStatus.WAITLISTED
    db.session.commit()
    assert attendees.promote_attendee(waiting.id, actor=organiser, now=now) is None
    assert event.capacity is None and waiting.status == RegistrationStatus.CONFIRMED


def test_a_registration_of_another_event_is_not_found(ctx, now):
    one, other = make_event(now), make_event(now)
    registration = register(other, now, 1).registration
    with pytest.raises(NotFound):
        attendees.get_registration(one, registration.id)


def test_export_rows_carry_organisation_kind_and_county_by_name(ctx, now):
    event = make_event(now, capacity=None)
    register(event, now, 1, first_name="Åsa", last_name="Öberg", organisation="Nacka kommun")
    register(event, now, 2, first_name="Bo", last_name="Berg", organisation="Scouterna",
             organisation_kind="nonprofit")
    anonymous = register(event, now, 3, first_name="Cia", last_name="Ahl").registration
    anonymous.organisation = None  # as after an erasure that kept the registration
    db.session.commit()
    register(make_event(now), now, 4, last_name="Annat evenemang")
    rows = attendees.attendee_export_rows(event.id)
    assert [(r.last_name, r.organisation_kind, r.county) for r in rows] == [
        ("Ahl", None, None), ("Berg", "nonprofit", None), ("Öberg", "municipality", "Stockholms län")]


def test_search_ignores_case_and_accents_and_the_list_is_in_swedish_order(ctx, now):
    """ "oberg" finds every Öberg and "Goteborg" finds Göteborgs stad; Åkesson comes before Ärlig, after Zetterberg."""
    event = make_event(now, capacity=None)
    register(event, now, 1, first_name="Åsa", last_name="Öberg", organisation="Nacka kommun")
    register(event, now, 2, first_name="Örjan", last_name="Öberg", organisation="Göteborgs stad")
    register(event, now, 3, first_name="Ulla", last_name="Ärlig", organisation="Scouterna")
    register(event, now, 4, first_name="Per", last_name="Åkesson", organisation="Migrationsverket")
    register(event, now, 5, first_name="Zara", last_name="Zetterberg", organisation="Region Skåne")
    by = attendees.list_attendees
    assert [r.first_name for r in by(event.id, AttendeeQuery(search="oberg")).registrations] == ["Åsa", "Örjan"]
    assert [r.first_name for r in by(event.id, AttendeeQuery(search="Goteborg")).registrations] == ["Örjan"]
    assert [r.first_name for r in by(event.id, AttendeeQuery(search="ÖRJAN göteborgs")).registrations] == ["Örjan"]
    assert [r.last_name for r in by(event.id, AttendeeQuery()).registrations] == [
        "Zetterberg", "Åkesson", "Ärlig", "Öberg", "Öberg"]
    assert [r.last_name for r in by(event.id, AttendeeQuery(sort="organisation")).registrations] == [
        "Öberg", "Åkesson", "Öberg", "Zetterberg", "Ärlig"]  # Göteborgs, Migrationsverket, Nacka, Region, Scouterna
    assert [row.last_name for row in attendees.attendee_export_rows(event.id)] == [
        "Zetterberg", "Åkesson", "Ärlig", "Öberg", "Öberg"]
    assert [r.last_name for r in attendees.all_attendees(event.id)] == [
        "Zetterberg", "Åkesson", "Ärlig", "Öberg", "Öberg"]


def test_matching_ids_are_every_page_of_the_filtered_list(ctx, now):
    event = make_event(now, capacity=None)
    ids = [register(event, now, n, last_name=f"Öberg {n}").registration.id for n in range(1, 5)]
    register(event, now, 9, last_name="Berg")
    assert attendees.matching_ids(event.id, AttendeeQuery(search="oberg", page=2)) == ids


def test_cancelling_many_cancels_the_waiting_list_first_and_reports_refusals(ctx, now, organiser):
    """The freed place goes to someone who stays, not to a chosen person about to be cancelled."""
    event = make_event(now, capacity=1)
    placed, waiting, next_in_line = (register(event, now, n).registration for n in (1, 2, 3))
    gone = register(event, now, 4).registration
    attendees.cancel_attendee(gone.id, actor=organiser, now=now)
    other_event = register(make_event(now), now, 5).registration
    outcome = attendees.cancel_many(event.id, [placed.id, waiting.id, gone.id, other_event.id],
                                    actor=organiser, now=now)
    assert [r.id for r in outcome.done] == [waiting.id, placed.id]
    assert [r.id for r, _ in outcome.refused] == [gone.id]
    assert [r.id for r in outcome.promoted] == [next_in_line.id]
    assert db.session.get(Registration, other_event.id).status == RegistrationStatus.CONFIRMED


def test_giving_places_fills_free_places_in_queue_order_and_never_raises_the_capacity(ctx, now, organiser):
    event = make_event(now, capacity=1)
    placed = register(event, now, 1).registration
    early, late = register(event, now, 2).registration, register(event, now + timedelta(minutes=1), 3).registration
    outcome = attendees.give_places(event.id, [late.id, early.id, placed.id], actor=organiser, now=now)
    assert outcome.done == [] and {r.id for r, _ in outcome.refused} == {late.id, early.id, placed.id}
    event.capacity = 2
    db.session.commit()
    outcome = attendees.give_places(event.id, [late.id, early.id], actor=organiser, now=now)
    assert [r.id for r in outcome.done] == [early.id] and [r.id for r, _ in outcome.refused] == [late.id]
    assert (early.status, late.status, event.capacity) == (RegistrationStatus.CONFIRMED,
                                                          RegistrationStatus.WAITLISTED, 2)
    assert actions(early.id) == ["registration.promoted"]


def test_more_than_the_limit_at_once_is_refused(ctx, now):
    event = make_event(now)
    with pytest.raises(DomainError):
        attendees.chosen(event.id, list(range(1, attendees.BULK_MAX + 2)))
