"""Reminders before an event: each confirmed attendee gets one, however often the job runs."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..database import begin_write
from ..extensions import db
from ..models import Event, Registration, RegistrationStatus
from . import notifications
from .events import MAX_REMINDER_DAYS


@dataclass
class ReminderReport:
    queued: int = 0
    #: Confirmed inside the reminder window: their confirmation already said it all.
    skipped: int = 0


def reminder_due_at(event: Event) -> datetime | None:
    """When the event's reminder goes out; None when it sends none."""
    if not event.reminder_days:
        return None
    return event.starts_at - timedelta(days=event.reminder_days)


def send_reminders(now: datetime) -> ReminderReport:
    """Queue the reminder for every confirmed registration whose event's reminder time has come.

    The registration is stamped (``reminded_at``) by a conditional update in the same transaction
    as the queued message, so two runs at once, or a run repeated, queue each reminder once.
    """
    report = ReminderReport()
    events = db.session.scalars(
        select(Event).where(Event.published.is_(True), Event.cancelled_at.is_(None), Event.starts_at > now,
                            Event.starts_at <= now + timedelta(days=MAX_REMINDER_DAYS))
    ).all()
    event_ids = [event.id for event in events if (due := reminder_due_at(event)) is not None and due <= now]
    db.session.rollback()
    for event_id in event_ids:
        _remind_event(event_id, now, report)
    return report


def _remind_event(event_id: int, now: datetime, report: ReminderReport) -> None:
    begin_write()
    try:
        event = db.session.get(Event, event_id, populate_existing=True)
        due = reminder_due_at(event)
        registrations = db.session.scalars(
            select(Registration).where(Registration.event_id == event_id,
                                       Registration.status == RegistrationStatus.CONFIRMED,
                                       Registration.reminded_at.is_(None)).order_by(Registration.id)
        ).all()
        for registration in registrations:
            claimed = db.session.execute(
                update(Registration).where(Registration.id == registration.id, Registration.reminded_at.is_(None))
                .values(reminded_at=now)
            ).rowcount
            if not claimed:
                continue
            if registration.confirmed_at is not None and registration.confirmed_at >= due:
                report.skipped += 1
            else:
                notifications.reminder(registration, now)
                report.queued += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
