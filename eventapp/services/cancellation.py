"""Rules 4 and 5: cancelling a registration (free until the cancellation deadline, late after it,
the freed place to the waiting list) and sending a colleague instead (free until the event starts).

Both take the event's lock first, as every change that decides on places does (see
``registration.lock_event``).
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..formatting import format_date
from ..models import Event, Registration, RegistrationStatus, User
from . import audit, notifications, paid_events, questions, sessions
from .email_addresses import email_key
from .errors import AlreadyRegistered, CancellationNotAllowed, NotFound, TransferNotAllowed
from .registration import (
    Attendee,
    RegistrationResult,
    active_registration,
    lock_event,
    prepare_registration,
    promote_from_waitlist,
    with_checked_email,
)


@dataclass
class CancellationResult:
    registration: Registration
    late: bool
    #: Waiting-list registrations that got the freed place.
    promoted: list[Registration] = field(default_factory=list)


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
    event = lock_event(registration.event_id, before=paid_events.lock_before_cancelling)
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
        paid_events.cancelled(registration, event, late, promoted, now)
        db.session.commit()
        return CancellationResult(registration, late=late, promoted=promoted)
    except Exception:
        db.session.rollback()
        raise


# Rule 5: substitution ------------------------------------------------------------------------


def transfer_registration(registration_id: int, colleague: Attendee, now: datetime) -> RegistrationResult:
    """Send a colleague instead: free until the event starts; the colleague keeps the place."""
    colleague = with_checked_email(colleague)
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
        if email_key(colleague.email) == registration.email_key:
            raise TransferNotAllowed(_l("Enter your colleague's e-mail address, not your own."), field="email")
        if active_registration(event, colleague.email) is not None:
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
            # The colleague keeps the invoice: the buyer's details go with the place.
            invoice_street=registration.invoice_street,
            invoice_postcode=registration.invoice_postcode,
            invoice_city=registration.invoice_city,
            invoice_address=registration.invoice_address,
            peppol_id=registration.peppol_id,
            language=colleague.language,
            # The colleague takes the place as it was booked: the table or session chosen, too.
            answers={answer.question_id: answer.value for answer in registration.answers},
        )
        prepared = prepare_registration(event.id, substitute, now, org_number=registration.org_number,
                                        queued_at=registration.queued_at, organisation=registration.organisation)
        prepared.columns["booking_id"] = registration.booking_id  # the colleague keeps the booking's invoice
        registration.status, status = RegistrationStatus.TRANSFERRED, registration.status
        registration.cancelled_at = now
        db.session.flush()
        answers = questions.answers_to_store(event, substitute.answers)
        new = db.session.get(Registration, prepared.insert(status, now, answers).id)
        registration.transferred_to = new
        sessions.hand_over(registration.id, new.id)
        notifications.transferred(registration, new, now)
        db.session.commit()
        return RegistrationResult(new.id, token=prepared.token)
    except Exception:
        db.session.rollback()
        raise
