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
from eventapp.services.cancellation import cancel_registration
from eventapp.services.registration import find_by_token

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


# Erasure everywhere: a marker in every field, searched for in the whole database ------------------


def where_found(app, markers: list[str]) -> set[str]:
    """Every table (and folder of the instance folder) where a marker is found. A PDF is searched in
    its text, which its compressed streams do not show."""
    from io import BytesIO
    from pathlib import Path

    from pypdf import PdfReader

    def contains(value) -> bool:
        if isinstance(value, bytes):
            value = ("\n".join(p.extract_text() for p in PdfReader(BytesIO(value)).pages)
                     if value.startswith(b"%PDF") else value.decode("latin-1"))
        elif not isinstance(value, str):
            value = json.dumps(value, default=str)
        return any(marker.casefold() in value.casefold() for marker in markers)

    found = set()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            if any(contains(value) for value in row if value is not None):
                found.add(table.name)
    instance = Path(app.instance_path)
    for path in instance.rglob("*"):
        if path.is_file() and contains(path.read_bytes()):
            found.add(f"instance/{path.relative_to(instance)}")
    return found


def test_an_erased_person_is_found_only_on_invoices(app, ctx, now):
    """A person with a marker in every field, who used every feature that stores data, is erased:
    does the marker remain anywhere but on the invoice bookkeeping law keeps?

    The buyer organisation's fields (its name, number and postal address) hold the organisation's own
    values: they are not the person's, and stay for statistics and its next booker.
    """
    import uuid

    from invoice_builders import approved_and_issued, staff
    from stdnum import ean

    from eventapp.services import badges, feedback, grouping, outbox, questions
    from eventapp.services.attendees import AttendeeChanges, update_attendee
    from eventapp.services.registration import Attendee, register_attendee

    marker = "mk" + uuid.uuid4().hex[:12]
    phone = f"070-{uuid.uuid4().int % 10_000_000:07d}"
    gln = f"{uuid.uuid4().int % 10**12:012d}"
    gln += ean.calc_check_digit(gln)  # a Peppol ID of its own: 0088 and a GLN nobody else has
    markers = [marker, phone, phone.replace("-", ""), gln]
    organiser, finance = staff("organiser"), staff("finance")
    opened = now - timedelta(days=32)  # the event took place two days ago
    event = make_event(opened, no_show_fee=25000, capacity=None)
    questions.replace_questions(event, [questions.QuestionData("Vad vill du lära dig?"),
                                        questions.QuestionData("Roll", ["Chef", "Strateg"])])
    db.session.commit()
    free_text, choice = event.questions
    person = Attendee(
        first_name=f"Förnamn{marker}", last_name=f"Efternamn{marker}", email=f"{marker}@example.org",
        organisation="Nacka kommun", job_title=f"Titel {marker}", phone=phone, dietary=f"Kost {marker}",
        org_number="212000-0142", invoice_street="Granitvägen 15", invoice_postcode="131 81",
        invoice_city="Nacka", invoice_reference=f"Ref {marker}", invoice_address=f"c/o {marker}, Box 1",
        peppol_id=f"0088:{gln}", answers={free_text.id: f"Svar {marker}", choice.id: "Chef"})
    registration_id = register_attendee(event.id, person, opened + timedelta(hours=1)).registration_id
    register(event, opened + timedelta(hours=2), 2)  # someone else on the same badges and list
    before = event.starts_at - timedelta(days=1)
    update_attendee(registration_id, AttendeeChanges(
        first_name=person.first_name, last_name=person.last_name, email=person.email,
        organisation=person.organisation, job_title=person.job_title, phone=phone, dietary=person.dietary,
        org_number=person.org_number, invoice_reference=person.invoice_reference,
        organiser_note=f"Anteckning {marker}"), actor=organiser, now=before)
    outbox.deliver_due(before)  # the e-mails sent (and, without a mail server, kept as files)
    run = badges.start_run(event.id, badges.BadgeOptions(layout="card"), actor=organiser, now=before)
    badges.process_run(run.id, lambda: before)
    grouping.propose_groups(event.id, 2, actor=organiser, now=before)
    privacy.export_person(person.email, actor=organiser, now=before)
    feedback.give_feedback(registration_id, feedback.FeedbackAnswer(5, good=f"Bra {marker}", better=f"Bättre {marker}"),
                           now=now)
    approved_and_issued(event, now - timedelta(days=1), organiser, finance)  # the no-show's fee
    assert where_found(app, markers) >= {"registration", "answer", "badge_run", "invoice", "invoice_line",
                                         "feedback"}

    privacy.erase_person(person.email, actor=organiser, now=now)
    db.session.expire_all()

    assert where_found(app, markers) <= {"invoice", "invoice_line"}
    assert where_found(app, markers) >= {"invoice"}


def test_erasure_deletes_the_badge_pdfs_that_print_the_person(ctx, now, organiser):
    from eventapp.models import BadgeRun, BadgeRunStatus
    from eventapp.services import badges

    event = make_event(now)
    erased = register(event, now, 1, **PERSONAL).registration
    register(event, now, 2)
    other_event = make_event(now)
    register(other_event, now, 3)
    runs = [badges.start_run(e.id, badges.BadgeOptions(), actor=organiser, now=now) for e in (event, other_event)]
    for run in runs:
        badges.process_run(run.id, lambda: now)
    privacy.erase_person(erased.email, actor=organiser, now=now)
    mine, others = (db.session.get(BadgeRun, run.id, populate_existing=True) for run in runs)
    assert (mine.status, mine.pdf) == (BadgeRunStatus.ERASED, None)
    assert others.status == BadgeRunStatus.DONE and others.pdf
    with pytest.raises(badges.NotFound):
        badges.run_pdf(event.id, mine.id)


def test_a_badge_run_rendering_during_an_erasure_stores_no_pdf(ctx, now, organiser, monkeypatch):
    """The run read the person's name before the erasure and finishes after it: is the PDF kept?"""
    from eventapp.models import BadgeRun, BadgeRunStatus
    from eventapp.services import badges

    event = make_event(now)
    erased = register(event, now, 1, **PERSONAL).registration
    run = badges.start_run(event.id, badges.BadgeOptions(), actor=organiser, now=now)
    rendering = badges.render_badges

    def erased_while_rendering(*args, **kwargs):
        pdf = rendering(*args, **kwargs)
        privacy.erase_person(erased.email, actor=organiser, now=now)
        return pdf

    monkeypatch.setattr(badges, "render_badges", erased_while_rendering)
    badges.process_run(run.id, lambda: now)
    stored = db.session.get(BadgeRun, run.id, populate_existing=True)
    assert (stored.status, stored.pdf) == (BadgeRunStatus.ERASED, None)


def test_purge_deletes_the_badge_pdfs_and_says_how_many(ctx, now, organiser):
    from eventapp.models import BadgeRun
    from eventapp.services import badges

    old = ended_event(now, days_ago=100)
    register(old, old.registration_opens_at + timedelta(hours=1), **PERSONAL)
    run = badges.start_run(old.id, badges.BadgeOptions(), actor=organiser, now=old.starts_at)
    badges.process_run(run.id, lambda: old.starts_at)
    report = privacy.purge_ended_events(now, days=90)
    assert report.other.get("badge_runs") == 1
    assert db.session.get(BadgeRun, run.id, populate_existing=True).pdf is None


def test_erasure_clears_the_peppol_id_and_keeps_the_organisations_number_and_address(ctx, now, organiser):
    event = make_event(now)
    registration = register(event, now, peppol_id="0007:2120000142", org_number="212000-0142",
                            invoice_street="Granitvägen 15", invoice_postcode="131 81", invoice_city="Nacka",
                            **PERSONAL).registration
    [exported] = privacy.export_person(PERSONAL["email"], actor=organiser, now=now)["registrations"]
    assert (exported["invoice_address"], exported["peppol_id"]) == (PERSONAL["invoice_address"], "0007:2120000142")
    privacy.erase_person(PERSONAL["email"], actor=organiser, now=now)
    erased = db.session.get(Registration, registration.id, populate_existing=True)
    assert (erased.invoice_address, erased.peppol_id) == ("", "")
    assert (erased.org_number, erased.invoice_street, erased.invoice_city) == ("212000-0142", "Granitvägen 15", "Nacka")
