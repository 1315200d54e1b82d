"""Organisers writing to an event's attendees (rule 12).

A message is stored with whom it goes to and when. Sent now, or when its time comes (the worker's
``jobs.send_scheduled_messages``, every minute), it is queued in one writing transaction: the
message marked queued by a conditional update and an outbox row per recipient, so each recipient
gets it once however often the job runs, and an SMTP outage only delays it (the outbox retries).
Each e-mail is merged with its recipient's details when the worker writes it.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..database import begin_write
from ..extensions import db
from ..models import (
    Audience,
    Event,
    EventMessage,
    MessageStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    User,
)
from ..models.registration import ACTIVE_STATUSES
from . import audit, merge_fields, notifications
from .errors import DomainError, NotFound, ValidationFailed

#: The most recipients one selection may name.
MAX_SELECTION = 5000


@dataclass(frozen=True)
class Draft:
    """A message as the organiser wrote it."""

    subject: str
    body: str
    audience: str = Audience.CONFIRMED
    #: The chosen registrations, for ``Audience.SELECTION``.
    registration_ids: tuple[int, ...] = ()
    #: When it is to go out; None: now.
    send_at: datetime | None = None


@dataclass
class Preview:
    subject: str
    text: str
    html: str
    recipient: Registration


@dataclass
class Outcome:
    message: EventMessage
    #: E-mails queued now (0 for a message scheduled for later).
    queued: int
    recipients: list[int] = field(default_factory=list)


class MessageRefused(DomainError):
    code = "message_refused"


def recipients(event_id: int, audience: str, registration_ids=()) -> list[Registration]:
    """The registrations a message to ``audience`` reaches now, each once, in the order they registered."""
    query = select(Registration).where(Registration.event_id == event_id)
    if audience == Audience.ALL:
        query = query.where(Registration.status.in_(ACTIVE_STATUSES))
    elif audience in (Audience.CONFIRMED, Audience.WAITLISTED):
        query = query.where(Registration.status == audience)
    elif audience == Audience.CHECKED_IN:
        query = query.where(Registration.checked_in_at.is_not(None))
    elif audience == Audience.NOT_CHECKED_IN:
        query = query.where(Registration.status == RegistrationStatus.CONFIRMED,
                            Registration.checked_in_at.is_(None))
    elif audience == Audience.CANCELLED:
        query = query.where(Registration.status.in_((RegistrationStatus.CANCELLED,
                                                     RegistrationStatus.LATE_CANCELLED)))
    elif audience == Audience.SELECTION:
        query = query.where(Registration.id.in_(list(registration_ids)[:MAX_SELECTION]))
    else:
        return []
    return list(db.session.scalars(query.order_by(Registration.id)))


def check_draft(event: Event, draft: Draft, now: datetime) -> dict[str, list]:
    """What is wrong with ``draft``, as {field: [messages]}: texts, the time, whom it reaches."""
    errors = merge_fields.check_text(draft.subject, draft.body)
    if draft.audience not in set(Audience):
        errors["to"] = [_l("Choose whom the message goes to.")]
    elif draft.audience == Audience.SELECTION and not draft.registration_ids:
        errors["to"] = [_l("Choose the attendees in the attendee list first.")]
    elif not recipients(event.id, draft.audience, draft.registration_ids):
        errors["to"] = [_l("Nobody is registered in this group: the message would reach no one.")]
    if draft.send_at is not None and draft.send_at <= now:
        errors["send_at"] = [_l("The time has passed: choose a later time, or send it now.")]
    elif draft.send_at is not None and draft.send_at >= max(event.ends_at, now) + timedelta(days=366):
        errors["send_at"] = [_l("Choose a time within a year of the event.")]
    return errors


def send_message(event_id: int, draft: Draft, *, actor: User | None, now: datetime) -> Outcome:
    """Store the message and queue its e-mails now, or schedule it for ``draft.send_at``.

    Nothing is stored when the draft is wrong (``ValidationFailed``, each message beside its field).
    """
    begin_write()
    try:
        event = db.session.get(Event, event_id)
        if event is None:
            raise NotFound(_l("The event does not exist."))
        errors = check_draft(event, draft, now)
        if errors:
            raise ValidationFailed(errors)
        chosen = sorted(set(draft.registration_ids)) if draft.audience == Audience.SELECTION else []
        message = EventMessage(
            event_id=event.id, subject=draft.subject.strip(), body=draft.body.strip(), audience=draft.audience,
            registration_ids=chosen, status=MessageStatus.SCHEDULED, send_at=draft.send_at or now,
            recipients=0, created_at=now, created_by_id=actor.id if actor else None)
        db.session.add(message)
        db.session.flush()
        sent = []
        if draft.send_at is None:
            sent = _queue(message, event, now)
            action = "message.sent"
        else:
            action = "message.scheduled"
        audit.record(action, message, actor=actor, now=now, subject=message.subject,
                     recipients=len(sent), send_at=message.send_at, audience=message.audience)
        db.session.commit()
        return Outcome(message, queued=len(sent), recipients=sent)
    except Exception:
        db.session.rollback()
        raise


def _queue(message: EventMessage, event: Event, now: datetime) -> list[int]:
    """Queue an e-mail per recipient in the transaction in hand; mark the message queued."""
    reached = recipients(event.id, message.audience, message.registration_ids)
    for registration in reached:
        with force_locale(registration.language or "sv"):
            values = notifications.merge_values(registration, event, None)
            subject = notifications.one_line(merge_fields.merge(message.subject, values))
        notifications.queue_with_subject(notifications.MESSAGE, registration, event, now, subject,
                                         message=message.id)
    message.status = MessageStatus.QUEUED
    message.queued_at = now
    message.recipients = len(reached)
    return [registration.id for registration in reached]


def send_scheduled(now: datetime) -> int:
    """Queue every scheduled message whose time has come (each once, however often this runs); how many."""
    due = list(db.session.scalars(select(EventMessage.id).where(
        EventMessage.status == MessageStatus.SCHEDULED, EventMessage.send_at <= now).order_by(EventMessage.send_at)))
    db.session.rollback()
    sent = 0
    for message_id in due:
        begin_write()
        try:
            claimed = db.session.execute(
                update(EventMessage).where(EventMessage.id == message_id,
                                           EventMessage.status == MessageStatus.SCHEDULED)
                .values(status=MessageStatus.QUEUED), execution_options={"synchronize_session": False}).rowcount
            if claimed:
                message = db.session.get(EventMessage, message_id, populate_existing=True)
                reached = _queue(message, message.event, now)
                audit.record("message.sent", message, actor=None, now=now, subject=message.subject,
                             recipients=len(reached), scheduled=True)
                sent += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return sent


def cancel_scheduled(event_id: int, message_id: int, *, actor: User | None, now: datetime) -> EventMessage:
    """Call off a scheduled message before its time."""
    begin_write()
    try:
        message = db.session.get(EventMessage, message_id)
        if message is None or message.event_id != event_id:
            raise NotFound(_l("The message does not exist."))
        called_off = db.session.execute(
            update(EventMessage).where(EventMessage.id == message_id, EventMessage.status == MessageStatus.SCHEDULED)
            .values(status=MessageStatus.CANCELLED), execution_options={"synchronize_session": False}).rowcount
        if not called_off:
            raise MessageRefused(_l("The message has already been sent."))
        audit.record("message.cancelled", message, actor=actor, now=now, subject=message.subject)
        db.session.commit()
        return db.session.get(EventMessage, message_id, populate_existing=True)
    except Exception:
        db.session.rollback()
        raise


def preview(event: Event, draft: Draft, registration_id: int | None, now: datetime) -> Preview | None:
    """The message as one recipient (``registration_id``, else the first) will get it; None when it reaches
    no one. The personal link is shown as where it goes, not as a working one."""
    reached = recipients(event.id, draft.audience, draft.registration_ids)
    if not reached:
        return None
    recipient = next((r for r in reached if r.id == registration_id), reached[0])
    with force_locale(recipient.language or "sv"):
        subject, text, html = notifications.render(
            notifications.MESSAGE, recipient, event, now, link=None, own_subject=draft.subject,
            own_text=draft.body, sample_link=notifications.sample_link())
    return Preview(subject, text, html, recipient)


def send_test(event: Event, draft: Draft, registration_id: int | None, *, actor: User, now: datetime) -> str:
    """Queue the message, as ``registration_id`` would get it, to the organiser's own address; the address."""
    errors = merge_fields.check_text(draft.subject, draft.body)
    if errors:
        raise ValidationFailed(errors)
    reached = recipients(event.id, draft.audience, draft.registration_ids)
    if not reached:
        raise ValidationFailed({"to": [_l("Nobody is registered in this group: the message would reach no one.")]})
    recipient = next((r for r in reached if r.id == registration_id), reached[0])
    begin_write()
    try:
        with force_locale(recipient.language or "sv"):
            values = notifications.merge_values(recipient, event, None)
            subject = notifications.one_line(merge_fields.merge(draft.subject, values))
        notifications.queue_to(notifications.MESSAGE_TEST, recipient, event, now, subject, actor.email,
                               draft_subject=draft.subject, draft_body=draft.body)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return actor.email


def mail_to(registration_id: int, limit: int = 100) -> list[OutboxMessage]:
    """Every e-mail queued about a registration (messages and automatic ones), newest first."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.registration_id == registration_id)
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))


def event_messages(event_id: int) -> list[EventMessage]:
    """The event's messages, newest first."""
    return list(db.session.scalars(select(EventMessage).where(EventMessage.event_id == event_id)
                                   .order_by(EventMessage.send_at.desc(), EventMessage.id.desc())))
