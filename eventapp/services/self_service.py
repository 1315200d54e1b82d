"""What attendees do for themselves: correct their details behind their personal link until the
registration deadline, and get their link again by typing their address.

Neither tells anyone whether an address is registered: asking for the link answers the same for any
address, and only the registered address itself gets an e-mail.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..database import begin_write
from ..extensions import db
from ..formatting import format_deadline
from ..models import Answer, Booking, Event, OutboxMessage, Registration
from . import audit, booking_mail, notifications, questions
from .email_addresses import checked_email
from .errors import DomainError, InvalidEmailAddress, NotFound, ValidationFailed
from .registration import active_registration, lock_event

#: One e-mail with the link per registration in this long, however often it is asked for.
RESEND_INTERVAL = timedelta(minutes=10)
LINK = "personal_link"


class EditNotAllowed(DomainError):
    code = "edit_not_allowed"


@dataclass(frozen=True)
class OwnDetails:
    job_title: str = ""
    phone: str = ""
    dietary: str = ""
    invoice_reference: str = ""
    #: {question id: answer}, several choices one per line.
    answers: dict[int, str] = field(default_factory=dict)


def edit_refused_reason(registration: Registration, now: datetime):
    """Why the attendee may not change their details now, or None."""
    if not registration.is_active:
        return _l("The registration is cancelled.")
    if now >= registration.event.registration_deadline:
        return _l("Details could be changed until %(date)s. Write to the organiser to change anything now.",
                  date=format_deadline(registration.event.registration_deadline))
    return None


def update_own_details(registration_id: int, new: OwnDetails, now: datetime) -> dict[str, list]:
    """Save the attendee's changes; {field: [old, new]} of what changed, logged for the organisers."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("The registration does not exist."))
    event = lock_event(registration.event_id)
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        reason = edit_refused_reason(registration, now)
        if reason is not None:
            raise EditNotAllowed(reason)
        wrong = questions.check_answers(event, new.answers)
        if wrong:
            raise ValidationFailed(wrong)
        changes = audit.changes(registration, {
            "job_title": new.job_title.strip(), "phone": new.phone.strip(), "dietary": new.dietary.strip(),
            "invoice_reference": new.invoice_reference.strip()})
        answers = _replace_answers(event, registration, questions.answers_to_store(event, new.answers))
        changes.update(answers)
        if changes:
            audit.record("registration.self_updated", registration, actor=None, now=now, changes=changes)
        db.session.commit()
        return changes
    except Exception:
        db.session.rollback()
        raise


def _replace_answers(event: Event, registration: Registration, wanted: dict[int, str]) -> dict[str, list]:
    """Set the answers to the event's current questions; {question text: [old, new]} of those changed."""
    stored = {answer.question_id: answer for answer in registration.answers}
    changed = {}
    for question in event.questions:
        old = stored[question.id].value if question.id in stored else ""
        new = wanted.get(question.id, "")
        if old == new:
            continue
        changed[f"answer:{question.text}"] = [old, new]
        if question.id in stored and new:
            stored[question.id].value = new
        elif question.id in stored:
            db.session.delete(stored[question.id])
        else:
            db.session.add(Answer(registration_id=registration.id, question_id=question.id, value=new))
    return changed


def send_link(event_id: int, email: str, now: datetime) -> None:
    """E-mail the personal link of the event's active registration of ``email``, if there is one, and
    the booker's summary with the group link of each booking ``email`` made (a coordinator who only
    booked colleagues has no registration of their own).

    The caller is told nothing either way; a registration or a booking gets at most one such e-mail
    per ``RESEND_INTERVAL``, so the form cannot be used to flood an inbox.
    """
    try:
        email = checked_email(email)
    except InvalidEmailAddress:
        return
    begin_write()
    try:
        registration = active_registration(event_id, email)
        if registration is not None and not _recently_sent(registration.id, now):
            notifications.queue(LINK, registration, registration.event, now)
        for booking in _booked_by(event_id, email):
            if not _summary_recently_sent(booking, now):
                booking_mail.queue_summary(booking, booking.event, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _booked_by(event_id: int, email: str) -> list[Booking]:
    return list(db.session.scalars(select(Booking).where(
        Booking.event_id == event_id, func.lower(Booking.booker_email) == email.lower()).order_by(Booking.id)))


def _summary_recently_sent(booking: Booking, now: datetime) -> bool:
    return db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.event_id == booking.event_id, OutboxMessage.kind == booking_mail.SUMMARY,
        OutboxMessage.recipient == booking.booker_email,
        OutboxMessage.created_at > now - RESEND_INTERVAL).limit(1)) is not None


def _recently_sent(registration_id: int, now: datetime) -> bool:
    return db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.registration_id == registration_id, OutboxMessage.kind == LINK,
        OutboxMessage.created_at > now - RESEND_INTERVAL).limit(1)) is not None
