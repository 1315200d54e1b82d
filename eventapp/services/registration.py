"""Registration rules 1-5: the window, capacity and the waiting list, one registration per
address, cancellation and substitution. Every function takes ``now`` explicitly."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..database import begin_write
from ..extensions import db
from ..formatting import format_date, format_datetime, format_deadline
from ..models import Event, PersonalLink, Registration, RegistrationStatus, User
from ..models.registration import ACTIVE_STATUSES
from . import audit, notifications, personal_links, questions
from .buyers import validate_peppol_id
from .errors import (
    AlreadyRegistered,
    CancellationNotAllowed,
    EventFull,
    NotFound,
    RegistrationClosed,
    TransferNotAllowed,
    ValidationFailed,
)
from .organisations import find_or_create_organisation, validate_org_number


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
    invoice_address: str = ""
    #: The buyer's Peppol participant ID, e.g. "0007:2120000142".
    peppol_id: str = ""
    #: Answers to the event's own questions: {question id: answer}.
    answers: dict[int, str] = field(default_factory=dict)


@dataclass
class RegistrationResult:
    registration: Registration
    #: The personal-link token; only known when the registration was just created.
    token: str | None
    #: False when an active registration for the address existed and is answered again (rule 3).
    created: bool = True


@dataclass
class CancellationResult:
    registration: Registration
    late: bool
    #: Waiting-list registrations that got the freed place.
    promoted: list[Registration] = field(default_factory=list)


# Rule 1: the registration window -------------------------------------------------------------


def registration_closed_reason(event: Event, now: datetime):
    """Why registration is closed at ``now``, or None while it is open."""
    if not event.published:
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


def confirmed_count(event: Event) -> int:
    return status_counts([event.id])[event.id][RegistrationStatus.CONFIRMED]


def places_left(event: Event, confirmed: int | None = None) -> int | None:
    """Free places, or None for an event without a limit."""
    if event.capacity is None:
        return None
    if confirmed is None:
        confirmed = confirmed_count(event)
    return max(event.capacity - confirmed, 0)


def lock_event(event_id: int) -> Event:
    """Begin a writing transaction holding the event: capacity decisions are serialised on it.

    Callers call it before their ``try``, so an unknown event ends the transaction here.
    """
    begin_write()
    try:
        event = db.session.scalar(
            select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True)
        )
        if event is None:
            raise NotFound(_l("The event does not exist."))
    except Exception:
        db.session.rollback()
        raise
    return event


def register_attendee(event_id: int, attendee: Attendee, now: datetime) -> RegistrationResult:
    """Register a person: confirmed while places last, then on the waiting list (rules 1-3)."""
    org_number = validate_org_number(attendee.org_number) if attendee.org_number.strip() else ""
    if attendee.peppol_id.strip():
        validate_peppol_id(attendee.peppol_id)
    event = lock_event(event_id)
    try:
        reason = registration_closed_reason(event, now)
        if reason is not None:
            raise RegistrationClosed(reason)
        existing = _active_registration(event, attendee.email)
        if existing is not None:
            db.session.rollback()
            return RegistrationResult(existing, token=None, created=False)
        wrong_answers = questions.check_answers(event, attendee.answers)
        if wrong_answers:
            raise ValidationFailed(wrong_answers)
        left = places_left(event)
        if left is None or left > 0:
            status = RegistrationStatus.CONFIRMED
        elif event.waitlist_enabled:
            status = RegistrationStatus.WAITLISTED
        else:
            raise EventFull(_l("The event is fully booked."))
        registration, token = _new_registration(event, attendee, status, now, org_number=org_number)
        notifications.registered(registration, token, now)
        db.session.commit()
        return RegistrationResult(registration, token=token)
    except Exception:
        db.session.rollback()
        raise


def _active_registration(event: Event, email: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.email_key == email.strip().casefold(),
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )


def _new_registration(event: Event, attendee: Attendee, status: str, now: datetime, *,
                      org_number: str, queued_at: datetime | None = None) -> tuple[Registration, str]:
    registration = Registration(
        event=event,
        first_name=attendee.first_name.strip(),
        last_name=attendee.last_name.strip(),
        email=attendee.email.strip(),
        email_key=attendee.email.strip().casefold(),
        organisation_name=" ".join(attendee.organisation.split()),
        organisation=find_or_create_organisation(attendee.organisation, attendee.organisation_kind),
        job_title=attendee.job_title.strip(),
        phone=attendee.phone.strip(),
        dietary=attendee.dietary.strip(),
        org_number=org_number,
        invoice_reference=attendee.invoice_reference.strip(),
        invoice_address=attendee.invoice_address.strip(),
        peppol_id="".join(attendee.peppol_id.split()),
        language=attendee.language,
        status=status,
        created_at=now,
        queued_at=queued_at or now,
        confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
        consent_at=now,
        check_in_code=_unused_check_in_code(),
        answers=questions.answers_for(event, attendee.answers),
    )
    db.session.add(registration)
    token = personal_links.issue_link(registration, now)
    db.session.flush()
    return registration, token


def _unused_check_in_code() -> str:
    while True:
        code = personal_links.new_check_in_code()
        if db.session.scalar(select(Registration.id).where(Registration.check_in_code == code)) is None:
            return code


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


# Rule 4: cancellation ------------------------------------------------------------------------


def cancellation_is_free(event: Event, now: datetime) -> bool:
    return now < event.effective_cancellation_deadline


def cancel_registration(registration_id: int, now: datetime, *, actor: User | None = None) -> CancellationResult:
    """Cancel; late after the cancellation deadline. A freed place goes to the waiting list.

    ``actor`` is the organiser cancelling on the attendee's behalf; None is the attendee themself.
    """
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("The registration does not exist."))
    event = lock_event(registration.event_id)
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if not registration.is_active:
            raise CancellationNotAllowed(_l("The registration is already cancelled."))
        if now >= event.starts_at:
            raise CancellationNotAllowed(_l("The event has started; the registration can no longer be cancelled."))
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        late = was_confirmed and not cancellation_is_free(event, now)
        registration.status = RegistrationStatus.LATE_CANCELLED if late else RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        db.session.flush()
        promoted = promote_from_waitlist(event, now) if was_confirmed else []
        audit.record("registration.cancelled", registration, actor=actor, now=now, late=late,
                     promoted=[r.id for r in promoted])
        for other in promoted:
            audit.record("registration.promoted", other, actor=None, now=now)
        notifications.cancelled(registration, was_confirmed, now)
        notifications.promoted(promoted, now)
        db.session.commit()
        return CancellationResult(registration, late=late, promoted=promoted)
    except Exception:
        db.session.rollback()
        raise


# Rule 5: substitution ------------------------------------------------------------------------


def transfer_registration(registration_id: int, colleague: Attendee, now: datetime) -> RegistrationResult:
    """Send a colleague instead: free until the event starts; the colleague keeps the place."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("The registration does not exist."))
    event = lock_event(registration.event_id)
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if not registration.is_active:
            raise TransferNotAllowed(_l("Only an active registration can be handed over."))
        if now >= event.starts_at:
            raise TransferNotAllowed(
                _l("The event started %(date)s; the place can no longer be handed over.",
                   date=format_date(event.starts_at))
            )
        if colleague.email.strip().casefold() == registration.email_key:
            raise TransferNotAllowed(_l("Enter your colleague's e-mail address, not your own."), field="email")
        if _active_registration(event, colleague.email) is not None:
            raise AlreadyRegistered(_l("%(email)s is already registered for this event.", email=colleague.email))
        substitute = Attendee(
            first_name=colleague.first_name,
            last_name=colleague.last_name,
            email=colleague.email,
            organisation=registration.organisation_name,
            job_title=colleague.job_title,
            phone=colleague.phone,
            dietary=colleague.dietary,
            invoice_reference=registration.invoice_reference,
            language=colleague.language,
            # The colleague takes the place as it was booked: the table or session chosen, too.
            answers={answer.question_id: answer.value for answer in registration.answers},
        )
        registration.status, status = RegistrationStatus.TRANSFERRED, registration.status
        registration.cancelled_at = now
        db.session.flush()
        new, token = _new_registration(event, substitute, status, now, org_number=registration.org_number,
                                       queued_at=registration.queued_at)
        new.organisation = registration.organisation
        registration.transferred_to = new
        notifications.transferred(registration, new, token, now)
        db.session.commit()
        return RegistrationResult(new, token=token)
    except Exception:
        db.session.rollback()
        raise


# Personal links ------------------------------------------------------------------------------


def find_by_token(token: str, now: datetime) -> Registration | None:
    """The registration a personal link belongs to, while the event has not ended."""
    parts = personal_links.split_token(token)
    if parts is None:
        return None
    selector, verifier = parts
    link = db.session.scalar(select(PersonalLink).where(PersonalLink.selector == selector))
    if link is None or not personal_links.verifier_matches(verifier, link.verifier_hash):
        return None
    registration = link.registration
    if now >= registration.event.ends_at:
        return None
    return registration
