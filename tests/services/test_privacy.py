"""Purge after the retention period, export and erasure on request: nothing personal remains."""
import json
from datetime import timedelta

import pytest
from builders import make_event, register
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import AuditEntry, Registration, RegistrationStatus
from eventapp.services import audit, privacy
from eventapp.services.accounts import create_user
from eventapp.services.registration import cancel_registration, find_by_token

PERSONAL = {"first_name": "Zainab", "last_name": "Ahmadi-Lindqvist", "email": "Zainab.Ahmadi@Example.org",
            "phone": "070-987 65 43", "dietary": "Glutenfri, rullstol", "job_title": "Integrationssamordnare",
            "invoice_reference": "Zainab Ahmadi", "invoice_address": "zainab.faktura@example.org"}
#: What an organiser noted about the person.
NOTE = "Talare, behöver ramp"



def personal_values():
    return {value.casefold() for value in PERSONAL.values()} | {"zainab", "ahmadi", NOTE.casefold()}


def nothing_personal_in(registration: Registration) -> bool:
    stored = " ".join(str(getattr(registration, column.name) or "") for column in Registration.__table__.columns)
    return not any(value in stored.casefold() for value in personal_values())


@pytest.fixture
def organiser(ctx):
    return create_user("organisator@example.org", "organiser", "ett långt lösenord")


def ended_event(now, days_ago: float, **fields):
    starts = now - timedelta(days=days_ago, hours=8)
    return make_event(starts - timedelta(days=30), starts_at=starts, **fields)


def test_purge_pseudonymises_events_ended_more_than_n_days_ago(ctx, now):
    old = ended_event(now, days_ago=90.01)
    recent = ended_event(now, days_ago=89.99)
    old_ids = []
    for n in range(3):
        fields = {**PERSONAL, "email": f"z{n}@example.org"}
        registration = register(old, old.registration_opens_at + timedelta(hours=1), n, **fields).registration
        registration.organiser_note = NOTE
        audit.record("registration.changed", registration, actor=None, now=now, dietary=["", PERSONAL["dietary"]])
        old_ids.append(registration.id)
    kept = register(recent, recent.registration_opens_at + timedelta(hours=1), **PERSONAL).registration
    db.session.commit()

    report = privacy.purge_ended_events(now, days=90)

    assert (report.events, report.registrations) == (1, 3)
    for registration in db.session.scalars(select(Registration).where(Registration.id.in_(old_ids))):
        assert nothing_personal_in(registration)
        assert privacy.is_anonymised(registration)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_id.in_(old_ids)))
    assert all("Glutenfri" not in json.dumps(entry.details) for entry in entries)
    assert db.session.get(Registration, kept.id).first_name == "Zainab"


def test_purge_keeps_what_statistics_need(ctx, now):
    old = ended_event(now, days_ago=100, capacity=2)
    at = old.registration_opens_at + timedelta(hours=1)
    register(old, at, 1, organisation="Nacka kommun")
    register(old, at, 2, organisation="Migrationsverket")
    register(old, at, 3, organisation="Nacka kommun")
    before = sorted((r.status, r.organisation_id, r.created_at) for r in db.session.scalars(select(Registration)))

    privacy.purge_ended_events(now, days=90)

    after = sorted((r.status, r.organisation_id, r.created_at) for r in db.session.scalars(select(Registration)))
    assert after == before
    assert [s for s, _, _ in after].count(RegistrationStatus.WAITLISTED) == 1


def test_purge_is_idempotent_and_counts_only_new_work(ctx, now):
    old = ended_event(now, days_ago=100)
    register(old, old.registration_opens_at + timedelta(hours=1))
    assert privacy.purge_ended_events(now, days=90).registrations == 1
    assert privacy.purge_ended_events(now, days=90).registrations == 0


def test_purge_calls_the_registered_purgers(ctx, now, monkeypatch):
    monkeypatch.setattr(privacy, "_purgers", [])
    seen = []

    def outbox_messages(ids, when):
        seen.append((sorted(ids), when))
        return len(ids)

    privacy.register_purger(outbox_messages)
    old = ended_event(now, days_ago=100)
    registration = register(old, old.registration_opens_at + timedelta(hours=1)).registration
    report = privacy.purge_ended_events(now, days=90)
    assert seen == [([registration.id], now)]
    assert report.other == {"outbox_messages": 1}


def test_export_contains_everything_stored_about_the_person(ctx, now, organiser):
    event = make_event(now)
    result = register(event, now, **PERSONAL)
    make_event(now, slug="annat")
    data = privacy.export_person("zainab.ahmadi@example.org", actor=organiser, now=now)
    assert json.loads(json.dumps(data)) == data  # JSON as it is
    [exported] = data["registrations"]
    for name, value in PERSONAL.items():
        assert exported[name] == value
    assert exported["event"]["slug"] == event.slug
    assert exported["status"] == "confirmed"
    assert exported["check_in_code"] == result.registration.check_in_code
    logged = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == result.registration.id))
    assert "privacy.exported" in list(logged)


def test_export_of_an_unknown_address_says_so(ctx, now, organiser):
    with pytest.raises(privacy.NoPersonalData, match="nobody@example.org"):
        privacy.export_person("nobody@example.org", actor=organiser, now=now)


def test_erasure_removes_everything_and_gives_a_held_place_to_the_waiting_list(ctx, now, organiser):
    coming = make_event(now, capacity=1)
    past = ended_event(now, days_ago=10)
    held = register(coming, now, **PERSONAL)
    held.registration.organiser_note = NOTE
    db.session.commit()
    waiting = register(coming, now + timedelta(minutes=1), 2).registration
    register(past, past.registration_opens_at + timedelta(hours=1), **PERSONAL)

    report = privacy.erase_person("ZAINAB.AHMADI@example.org", actor=organiser, now=now + timedelta(hours=1))

    assert (report.registrations, report.cancelled) == (2, 1)
    for registration in db.session.scalars(select(Registration).where(Registration.id != waiting.id)):
        assert nothing_personal_in(registration)
    assert db.session.get(Registration, held.registration.id).status == RegistrationStatus.CANCELLED
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.CONFIRMED
    assert find_by_token(held.token, now) is None  # the personal link is dead
    assert privacy.registrations_of(PERSONAL["email"]) == []


def test_erasure_after_a_cancellation_keeps_the_cancellation(ctx, now, organiser):
    event = make_event(now)
    registration = register(event, now, **PERSONAL).registration
    cancel_registration(registration.id, now)
    report = privacy.erase_person(PERSONAL["email"], actor=organiser, now=now)
    assert (report.registrations, report.cancelled) == (1, 0)
    assert db.session.get(Registration, registration.id).status == RegistrationStatus.CANCELLED


def test_negative_days_are_refused(ctx, now):
    with pytest.raises(ValueError):
        privacy.purge_ended_events(now, days=-1)
