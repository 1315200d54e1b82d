"""Registration rules 1-3: the window, capacity and the waiting list, one registration per address
(cancelling and sending a colleague instead, rules 4-5, are in ``cancellation``). Every function
takes ``now`` explicitly.

Every change that decides on places takes the event's lock first (``lock_event``): it begins a
writing transaction holding the event, checks and counts what is stored, writes and commits. On
SQLite the writing transaction is the database's write lock; on PostgreSQL the event's row lock.
"""
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..database import begin_write
from ..extensions import db
from ..formatting import format_datetime, format_deadline
from ..models import Event, Organisation, PersonalLink, Registration, RegistrationStatus
from ..models.registration import ACTIVE_STATUSES, Answer, new_calendar_key
from . import notifications, personal_links, questions, sessions
from .buyers import validate_peppol_id
from .email_addresses import checked_email, email_key
from .errors import (
    EventFull,
    NotFound,
    RegistrationClosed,
    ValidationFailed,
)
from .organisations import find_or_create_organisation, find_organisation_id, validate_org_number


@dataclass(frozen=True)
class Attendee:
    """What a person gives when registering (the form's fields, already shaped)."""

    first_name: str
    last_name: str
    email: str
    organisation: str = ""
    organisation_kind: str | None = None
    job_title: str = ""
    phone: str = ""
    dietary: str = ""
    org_number: str = ""
    invoice_reference: str = ""
    language: str = "sv"
    #: The buyer's invoice address: street, postcode (NNN NN) and city, and an extra line (a c/o or an
    #: e-mail address for PDF invoices).
    invoice_street: str = ""
    invoice_postcode: str = ""
    invoice_city: str = ""
    invoice_address: str = ""
    #: The buyer's Peppol participant ID, e.g. "0007:2120000142".
    peppol_id: str = ""
    #: Answers to the event's own questions: {question id: answer}.
    answers: dict[int, str] = field(default_factory=dict)
    #: Ids of the choosable sessions picked (rule 10).
    sessions: tuple[int, ...] = ()


@dataclass
class RegistrationResult:
    registration_id: int
    #: The personal-link token; only known when the registration was just created.
    token: str | None
    #: False when an active registration for the address existed and is answered again (rule 3).
    created: bool = True
    #: Titles of sessions picked that were full by the time the registration was stored (rule 10).
    full_sessions: list[str] = field(default_factory=list)

    @property
    def registration(self) -> Registration:
        """The registration as it is stored."""
        return db.session.get(Registration, self.registration_id)


# Rule 1: the registration window -------------------------------------------------------------


def registration_closed_reason(event: Event, now: datetime, *, as_published: bool = False):
    """Why registration is closed at ``now``, or None while it is open; ``as_published``: as if the
    event were published (its preview)."""
    if not event.published and not as_published:
        return _l("Registration for this event is not open.")
    if event.is_cancelled:
        return _l("The event has been cancelled.")
    if now < event.registration_opens_at:
        return _l("Registration opens %(date)s.", date=format_datetime(event.registration_opens_at))
    if now >= event.registration_deadline:
        return _l("The last day to register was %(date)s.", date=format_deadline(event.registration_deadline))
    return None


def is_registration_open(event: Event, now: datetime) -> bool:
    return registration_closed_reason(event, now) is None


# Rule 2: capacity --------------------------------------------------------------------------


def status_counts(event_ids: list[int]) -> dict[int, Counter]:
    """Registrations per status for several events, in one query."""
    counts: dict[int, Counter] = {event_id: Counter() for event_id in event_ids}
    if not event_ids:
        return counts
    rows = db.session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, number in rows:
        counts[event_id][status] = number
    return counts


# The statements every registration runs are built once, with bound parameters: building a
# statement costs SQLAlchemy more than running it.
_CONFIRMED_OF_EVENT = select(func.count()).select_from(Registration).where(
    Registration.event_id == bindparam("event_id"), Registration.status == RegistrationStatus.CONFIRMED)
_PUBLISHED_WITH_CONFIRMED = select(Event, select(func.count()).select_from(Registration).where(
    Registration.event_id == Event.id, Registration.status == RegistrationStatus.CONFIRMED).scalar_subquery()
).where(Event.slug == bindparam("slug"), Event.published.is_(True)).options(joinedload(Event.sessions))
_PUBLISHED_WITH_CONFIRMED_AND_QUESTIONS = _PUBLISHED_WITH_CONFIRMED.options(joinedload(Event.all_questions))
#: The event locked, with its questions (the lock is on the event's row only).
_EVENT_FOR_UPDATE = select(Event).where(Event.id == bindparam("event_id")).options(joinedload(Event.all_questions)) \
    .with_for_update(key_share=True, of=Event).execution_options(populate_existing=True)
_ACTIVE_REGISTRATION = select(Registration).where(
    Registration.event_id == bindparam("event_id"), Registration.email_key == bindparam("email_key"),
    Registration.status.in_(ACTIVE_STATUSES))


def confirmed_count(event: Event) -> int:
    return db.session.scalar(_CONFIRMED_OF_EVENT, {"event_id": event.id})


def published_event_and_confirmed(slug: str, *, with_questions: bool = False) -> tuple[Event, int] | None:
    """A published event by its slug with its sessions and its number of confirmed registrations, in one
    query. ``with_questions``: its questions too, in the same query (the registration form needs them).
    """
    query = _PUBLISHED_WITH_CONFIRMED_AND_QUESTIONS if with_questions else _PUBLISHED_WITH_CONFIRMED
    row = db.session.execute(query, {"slug": slug}).unique().first()
    return None if row is None else (row[0], row[1])


def places_left(event: Event, confirmed: int | None = None) -> int | None:
    """Free places, or None for an event without a limit."""
    if event.capacity is None:
        return None
    if confirmed is None:
        confirmed = confirmed_count(event)
    return max(event.capacity - confirmed, 0)


def lock_event(event_id: int, *, before=None) -> Event:
    """Begin a writing transaction holding the event: capacity decisions are serialised on it.

    Callers call it before their ``try``, so an unknown event ends the transaction here. ``before``:
    a lock to take first, given the event's id (the invoice series', see services.paid_events).
    """
    begin_write()
    try:
        if before is not None:
            before(event_id)
        event = event_for_update(event_id)
        if event is None:
            raise NotFound(_l("The event does not exist."))
    except Exception:
        db.session.rollback()
        raise
    return event


def event_for_update(event_id: int) -> Event | None:
    """The event read afresh and locked for the rest of the writing transaction already begun.

    On PostgreSQL FOR NO KEY UPDATE: it excludes every other holder of the event, but not rows
    being inserted elsewhere that refer to it (an outbox message, say).
    """
    return db.session.execute(_EVENT_FOR_UPDATE, {"event_id": event_id}).unique().scalar_one_or_none()


def status_for_new_registration(event: Event, *, full_message=None) -> str:
    """Confirmed while places last, then the waiting list; when it has none, ``EventFull`` (rule 2).

    Call inside the event's writing transaction (``lock_event``), so the answer holds until commit.
    """
    left = places_left(event)
    if left is None or left > 0:
        return RegistrationStatus.CONFIRMED
    if event.waitlist_enabled:
        return RegistrationStatus.WAITLISTED
    raise EventFull(full_message or _l("The event is fully booked."))


# Registering ---------------------------------------------------------------------------------


def register_attendee(event_id: int, attendee: Attendee, now: datetime) -> RegistrationResult:
    """Register a person: confirmed while places last, then on the waiting list (rules 1-3).

    The new rows are written out first (that only reads). Then, under the event's lock: the window
    and the answers are checked, the places are counted, and the registration, its personal link,
    its answers and its e-mail are stored together. An address already registered is told by the
    unique index (rule 3) and answered as before.
    """
    attendee = with_checked_email(attendee)
    org_number = validate_org_number(attendee.org_number) if attendee.org_number.strip() else ""
    if attendee.peppol_id.strip():
        validate_peppol_id(attendee.peppol_id)
    new = prepare_registration(event_id, attendee, now, org_number=org_number)
    picked = sessions.picked(event_id, attendee.sessions)
    event = lock_event(event_id)
    try:
        reason = registration_closed_reason(event, now)
        if reason is not None:
            raise RegistrationClosed(reason)
        wrong_answers = questions.check_answers(event, attendee.answers)
        if wrong_answers:
            raise ValidationFailed(wrong_answers)
        status = status_for_new_registration(event)
        registered = new.insert(status, now, questions.answers_to_store(event, attendee.answers))
        full = [str(s.localised.title) for s in sessions.take_places(registered.id, picked, now)]
        notifications.registered(registered, status, event, now)
        db.session.commit()
        return RegistrationResult(registered.id, token=new.token, full_sessions=full)
    except (IntegrityError, EventFull):
        # Already registered: the unique index on active addresses refused the row (or, when the
        # event is full, the address is looked up before saying so).
        db.session.rollback()
        existing = active_registration(event_id, attendee.email)
        if existing is None:
            raise
        return _answered_again(existing)
    except Exception:
        db.session.rollback()
        raise


def _answered_again(existing: Registration) -> RegistrationResult:
    result = RegistrationResult(existing.id, token=None, created=False)
    db.session.rollback()
    return result


def with_checked_email(attendee: Attendee) -> Attendee:
    """``attendee`` with the address as it is stored, or InvalidEmailAddress (nothing is stored)."""
    return replace(attendee, email=checked_email(attendee.email))


def active_registration(event: Event | int, email: str) -> Registration | None:
    """The event's active registration of ``email`` (case-insensitive), if there is one (rule 3)."""
    event_id = event if isinstance(event, int) else event.id
    return db.session.scalar(_ACTIVE_REGISTRATION, {"event_id": event_id, "email_key": email_key(email)})


class Registered(NamedTuple):
    """A registration just inserted (see ``NewRegistration.insert``), as e-mails address it."""

    id: int
    email: str
    language: str


@dataclass
class NewRegistration:
    """A registration written out but not stored yet: its columns, its personal link and the link's
    token."""

    #: The registration's columns but its status (and when it was confirmed).
    columns: dict
    #: The personal link's columns but the registration's id.
    link: dict
    token: str
    #: The organisation as typed and of which kind, when it is in no register and must be created.
    unknown_organisation: tuple[str, str | None] | None = None

    def insert(self, status: str, now: datetime, answers: dict[int, str]) -> Registered:
        """Insert the registration with ``status``, its personal link and its ``answers`` ({question id:
        answer}, see ``questions.answers_to_store``) inside the event's writing transaction. Core
        inserts, not the session's unit of work: in a rush of registrations flushing objects costs
        several times as much, and nothing here is read back.
        """
        columns = {**self.columns, "status": status,
                   "confirmed_at": now if status == RegistrationStatus.CONFIRMED else None}
        if self.unknown_organisation is not None:
            organisation = find_or_create_organisation(*self.unknown_organisation)
            columns["organisation_id"] = organisation.id if organisation else None
        registration_id = db.session.execute(insert(Registration.__table__), columns).inserted_primary_key[0]
        db.session.execute(insert(PersonalLink.__table__), {**self.link, "registration_id": registration_id})
        if answers:
            db.session.execute(insert(Answer.__table__), [
                {"registration_id": registration_id, "question_id": question_id, "value": value}
                for question_id, value in answers.items()])
        return Registered(registration_id, columns["email"], columns["language"])


def prepare_registration(event_id: int, attendee: Attendee, now: datetime, *, org_number: str,
                         queued_at: datetime | None = None, organisation: Organisation | None = None
                         ) -> NewRegistration:
    """Write out a new registration for the event without storing anything (only reads).

    ``organisation``: the one to link to; by default the one the attendee's typed name leads to.
    """
    known = organisation is not None
    organisation_id = organisation.id if known else find_organisation_id(attendee.organisation)
    email = checked_email(attendee.email)  # whoever calls: no address is stored that cannot be mailed
    columns = dict(
        event_id=event_id,
        first_name=attendee.first_name.strip(),
        last_name=attendee.last_name.strip(),
        email=email,
        email_key=email_key(email),
        organisation_name=" ".join(attendee.organisation.split()),
        organisation_id=organisation_id,
        job_title=attendee.job_title.strip(),
        phone=attendee.phone.strip(),
        dietary=attendee.dietary.strip(),
        org_number=org_number,
        invoice_reference=attendee.invoice_reference.strip(),
        invoice_street=" ".join(attendee.invoice_street.split()),
        invoice_postcode=attendee.invoice_postcode.strip(),
        invoice_city=" ".join(attendee.invoice_city.split()),
        invoice_address=attendee.invoice_address.strip(),
        peppol_id="".join(attendee.peppol_id.split()),
        language=attendee.language,
        created_at=now,
        queued_at=queued_at or now,
        consent_at=now,
        organiser_note="",
        # A code already taken (1 in 10^12 per stored registration) is caught by the unique index.
        check_in_code=personal_links.new_check_in_code(),
        calendar_key=new_calendar_key(),
    )
    token, selector, verifier_hash = personal_links.new_token()
    link = {"selector": selector, "verifier_hash": verifier_hash, "created_at": now}
    unknown = None
    if not known and organisation_id is None and attendee.organisation.strip():
        unknown = (attendee.organisation, attendee.organisation_kind)
    return NewRegistration(columns, link, token, unknown)


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when not on it."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count()).select_from(Registration).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            (Registration.queued_at < registration.queued_at)
            | ((Registration.queued_at == registration.queued_at) & (Registration.id < registration.id)),
        )
    )
    return ahead + 1


def promote_from_waitlist(event: Event, now: datetime) -> list[Registration]:
    """Give free places to the waiting list in order. Call inside the event's writing transaction."""
    if now >= event.starts_at:
        return []
    left = places_left(event)
    if left == 0:
        return []
    query = (
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.queued_at, Registration.id)
    )
    if left is not None:
        query = query.limit(left)
    promoted = list(db.session.scalars(query))
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
    db.session.flush()
    return promoted


# Personal links ------------------------------------------------------------------------------


def find_by_token(token: str, now: datetime, *, after_the_event: bool = False) -> Registration | None:
    """The registration a personal link belongs to, while the event has not ended (``after_the_event``:
    afterwards too, for what comes after it, such as the certificate)."""
    parts = personal_links.split_token(token)
    if parts is None:
        return None
    selector, verifier = parts
    link = db.session.scalar(select(PersonalLink).where(PersonalLink.selector == selector))
    if link is None or not personal_links.verifier_matches(verifier, link.verifier_hash):
        return None
    registration = link.registration
    if now >= registration.event.ends_at and not after_the_event:
        return None
    return registration
