"""Personal data kept only as long as needed (GDPR): purge after events, export and erasure on request.

What is personal on a registration: the name, e-mail, phone, job title, dietary and accessibility
needs, the invoice reference (often a person's name), the invoice's extra line (a c/o or an e-mail),
the Peppol ID (a sole trader's own e-invoice address), the organisers' note, answers and feedback in the
person's own words (``feedback.purge_feedback``) and the personal link. Pseudonymising replaces them,
deletes the stored badge PDFs that print the person, and keeps what statistics need: the event, the
organisation (a municipality or agency is not a person) with its number and postal address, the
status, the times of registration, cancellation and check-in, answers picked from the organiser's
choices and feedback ratings.

Other kinds of data (e-mails in the outbox, for instance) join in by registering a function with
``register_purger``: it is called with the ids of the registrations being pseudonymised, in the
same transaction, and returns how many of its rows it removed or pseudonymised. Invoices are not
touched: bookkeeping law (bokföringslagen, 7 years) requires them as issued, and they carry their
own copy of the buyer's details.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..database import begin_write
from ..extensions import db
from ..models import Answer, Event, Feedback, Question, QuestionKind, Registration, RegistrationStatus, User
from ..models.audit import AuditEntry
from ..models.outbox import OutboxMessage
from ..models.personal_link import PersonalLink
from . import audit, badges, outbox
from .email_addresses import email_key
from .errors import DomainError
from .registration import lock_event, promote_from_waitlist

#: The domain of pseudonymised e-mail addresses; .invalid can never be delivered to (RFC 2606).
ANONYMISED_DOMAIN = "anonymised.invalid"
#: Shown instead of an erased name.
ERASED_NAME = "–"
#: Registrations pseudonymised per transaction, so a purge of a large backlog does not hold locks long.
BATCH_SIZE = 500

Purger = Callable[[list[int], datetime], int]
_purgers: list[Purger] = []


class NoPersonalData(DomainError):
    code = "no_personal_data"
    field = "email"


@dataclass
class PurgeReport:
    events: int = 0
    registrations: int = 0
    #: Rows removed or pseudonymised by the registered purgers, by their name.
    other: dict[str, int] = field(default_factory=dict)


@dataclass
class ErasureReport:
    registrations: int
    #: Active registrations for coming events that were cancelled first (their places went on).
    cancelled: int


#: The kinds of question answered by picking, not in the person's own words.
PICKED = (QuestionKind.CHOICE, QuestionKind.CHOICES, QuestionKind.YES_NO)


#: ``holder(email, now, erase)`` of personal data kept outside registrations (a booking's booker): what
#: it holds about ``email`` as JSON-ready data, after erasing it when ``erase``.
Holder = Callable[[str, datetime, bool], list]
_holders: list[Holder] = []


def register_holder(holder: Holder) -> Holder:
    """Have ``holder`` asked whenever a person's data is exported or erased."""
    if holder not in _holders:
        _holders.append(holder)
    return holder


def _held_elsewhere(email: str, now: datetime, *, erase: bool) -> dict[str, list]:
    return {holder.__name__: found for holder in _holders if (found := holder(email, now, erase))}


def register_purger(purger: Purger) -> Purger:
    """Have ``purger(registration_ids, now)`` called whenever registrations are pseudonymised."""
    if purger not in _purgers:
        _purgers.append(purger)
    return purger


def is_anonymised(registration: Registration) -> bool:
    """Whether the registration's personal data has been purged or erased."""
    return registration.email_key.endswith("@" + ANONYMISED_DOMAIN)


def _not_anonymised():
    return ~Registration.email_key.like("%@" + ANONYMISED_DOMAIN)


# Purge after the retention period ----------------------------------------------------------


def purge_ended_events(now: datetime, days: int) -> PurgeReport:
    """Pseudonymise the attendees of events that ended more than ``days`` days before ``now``."""
    if days < 0:
        raise ValueError("days must not be negative")
    cutoff = now - timedelta(days=days)
    report = PurgeReport()
    event_ids = list(db.session.scalars(select(Event.id).where(Event.ends_at < cutoff).order_by(Event.id)))
    for event_id in event_ids:
        purged = 0
        while True:
            ids = list(db.session.scalars(
                select(Registration.id).where(Registration.event_id == event_id, _not_anonymised())
                .order_by(Registration.id).limit(BATCH_SIZE)
            ))
            if not ids:
                break
            _pseudonymise(ids, now, report.other)
            db.session.commit()
            purged += len(ids)
        if purged:
            report.events += 1
            report.registrations += purged
    return report


def _pseudonymise(registration_ids: list[int], now: datetime, other: dict[str, int] | None = None) -> None:
    registrations = db.session.scalars(select(Registration).where(Registration.id.in_(registration_ids)))
    for registration in registrations:
        registration.first_name = ERASED_NAME
        registration.last_name = ""
        registration.email = registration.email_key = f"erased-{registration.id}@{ANONYMISED_DOMAIN}"
        registration.job_title = ""
        registration.phone = ""
        registration.dietary = ""
        registration.invoice_reference = ""
        # The extra invoice line may be the person's e-mail address, and a Peppol ID a sole trader's own;
        # the organisation's number and postal address stay (they are proposed to its next booker).
        registration.invoice_address = ""
        registration.peppol_id = ""
        # The organisers' note is about the person ("speaker", "wheelchair").
        registration.organiser_note = ""
    # Personal links stop working, and the e-mails sent to the person (their name, address and
    # link) go with them.
    db.session.execute(delete(PersonalLink).where(PersonalLink.registration_id.in_(registration_ids)))
    # Answers in the person's own words go; answers picked from the organiser's choices stay.
    asked = db.session.execute(select(Question.id, Question.kind).where(Question.id.in_(
        select(Answer.question_id).where(Answer.registration_id.in_(registration_ids)))))
    free_text = [question_id for question_id, kind in asked if kind not in PICKED]
    if free_text:
        db.session.execute(delete(Answer).where(Answer.registration_id.in_(registration_ids),
                                                Answer.question_id.in_(free_text)))
    sent = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.registration_id.in_(registration_ids))))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(sent)))
    outbox.forget_kept(sent)
    # Audit details can hold old and new values of personal fields; the fact of the change stays.
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.target_type == Registration.__tablename__, AuditEntry.target_id.in_(registration_ids)))
    for entry in entries:
        entry.details = {"personal_data": "removed"}
    # Badges printed for the person name them: the stored PDFs go (a new run prints the others).
    forgotten = badges.forget_runs_of(registration_ids)
    if other is not None and forgotten:
        other["badge_runs"] = other.get("badge_runs", 0) + forgotten
    for purger in _purgers:
        removed = purger(registration_ids, now)
        if other is not None:
            other[purger.__name__] = other.get(purger.__name__, 0) + removed
    db.session.flush()


# A person's request: export and erasure ---------------------------------------------------


def registrations_of(email: str) -> list[Registration]:
    """Every registration made with ``email`` (any case, either spelling of the domain), oldest first."""
    key = email_key(email)
    return list(db.session.scalars(
        select(Registration).where(Registration.email_key == key).order_by(Registration.created_at, Registration.id)
    ))


def export_person(email: str, *, actor: User, now: datetime) -> dict:
    """Everything stored about the person with ``email``, as JSON-ready data (GDPR art. 15 and 20)."""
    registrations = registrations_of(email)
    elsewhere = _held_elsewhere(email, now, erase=False)
    if not registrations and not elsewhere:
        raise NoPersonalData(_l("Nothing is stored about %(email)s.", email=email))
    exported = {
        "email": email.strip(),
        "exported_at": now.isoformat(),
        "registrations": [_registration_data(r) for r in registrations],
        **elsewhere,
    }
    for registration in registrations:
        audit.record("privacy.exported", registration, actor=actor, now=now)
    db.session.commit()
    return exported


def _registration_data(registration: Registration) -> dict:
    event = registration.event
    organisation = registration.organisation
    history = db.session.scalars(select(AuditEntry).where(
        AuditEntry.target_type == Registration.__tablename__, AuditEntry.target_id == registration.id,
    ).order_by(AuditEntry.at, AuditEntry.id))
    return {
        "event": {"slug": event.slug, "title": event.title, "starts_at": event.starts_at.isoformat(),
                  "ends_at": event.ends_at.isoformat(), "venue": event.venue, "city": event.city},
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "job_title": registration.job_title,
        "phone": registration.phone,
        "dietary": registration.dietary,
        "organisation": registration.organisation_name,
        "organisation_register": organisation.name if organisation else None,
        "org_number": registration.org_number,
        "invoice_reference": registration.invoice_reference,
        **{name: getattr(registration, name) for name in (
            "invoice_street", "invoice_postcode", "invoice_city", "invoice_address", "peppol_id")},
        "organiser_note": registration.organiser_note,
        "answers": [{"question": answer.question.text, "answer": answer.value} for answer in registration.answers],
        "language": registration.language,
        "status": registration.status,
        "check_in_code": registration.check_in_code,
        **{name: _iso(getattr(registration, name)) for name in (
            "created_at", "confirmed_at", "cancelled_at", "checked_in_at", "consent_at")},
        "history": [{"at": entry.at.isoformat(), "action": entry.action, "details": entry.details}
                    for entry in history],
        "feedback": _feedback_data(registration.id),
    }


def _feedback_data(registration_id: int) -> dict | None:
    given = db.session.scalar(select(Feedback).where(Feedback.registration_id == registration_id))
    if given is None:
        return None
    return {"rating": given.rating, "good": given.good, "better": given.better, "ratings": given.ratings,
            "named": given.named, "given_at": given.created_at.isoformat(), "changed_at": given.updated_at.isoformat()}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def erase_person(email: str, *, actor: User, now: datetime) -> ErasureReport:
    """Erase the personal data of the person with ``email`` (GDPR art. 17).

    A place they hold for an event that has not started is cancelled first, free of charge (the
    organiser acts on a request), and goes to the waiting list as any freed place does.
    """
    registrations = registrations_of(email)
    if not registrations and not _held_elsewhere(email, now, erase=False):
        raise NoPersonalData(_l("Nothing is stored about %(email)s.", email=email))
    cancelled = 0
    for registration in registrations:
        if registration.is_active and now < registration.event.starts_at:
            cancelled += _cancel_for_erasure(registration.id, actor, now)
    ids = [r.id for r in registrations]
    begin_write()
    try:
        if ids:
            _pseudonymise(ids, now)
        for registration in db.session.scalars(select(Registration).where(Registration.id.in_(ids))):
            audit.record("privacy.erased", registration, actor=actor, now=now)
        _held_elsewhere(email, now, erase=True)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ErasureReport(registrations=len(ids), cancelled=cancelled)


def _cancel_for_erasure(registration_id: int, actor: User, now: datetime) -> int:
    registration = db.session.get(Registration, registration_id)
    event = lock_event(registration.event_id)
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if not registration.is_active or now >= event.starts_at:
            db.session.rollback()
            return 0
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        db.session.flush()
        if was_confirmed:
            promote_from_waitlist(event, now)
        audit.record("registration.cancelled", registration, actor=actor, now=now, reason="erasure request")
        db.session.commit()
        return 1
    except Exception:
        db.session.rollback()
        raise
