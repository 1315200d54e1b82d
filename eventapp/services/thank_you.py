"""The thank-you after an event: sent ``thank_you_hours`` after its end to those who came, once each.

Those who came are the confirmed who were checked in; at an event where nobody was checked in (the
door did not use check-in) every confirmed registration gets it.
"""
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update

from ..database import begin_write
from ..extensions import db
from ..models import Event, Registration, RegistrationStatus
from . import notifications

#: The latest a thank-you may be set to go out after the event, in hours (two weeks).
MAX_HOURS = 336


def thank_you_due_at(event: Event) -> datetime | None:
    if event.thank_you_hours is None:
        return None
    return event.ends_at + timedelta(hours=event.thank_you_hours)


def send_thank_yous(now: datetime) -> int:
    """Queue the thank-yous that have come due; how many."""
    events = db.session.scalars(select(Event).where(
        Event.thank_you_hours.is_not(None), Event.cancelled_at.is_(None), Event.ends_at <= now,
        Event.ends_at > now - timedelta(hours=MAX_HOURS + 24))).all()
    due = [event.id for event in events if thank_you_due_at(event) <= now]
    db.session.rollback()
    return sum(_thank_event(event_id, now) for event_id in due)


def _thank_event(event_id: int, now: datetime) -> int:
    begin_write()
    try:
        event = db.session.get(Event, event_id, populate_existing=True)
        confirmed = (Registration.event_id == event_id) & (Registration.status == RegistrationStatus.CONFIRMED)
        came = Registration.checked_in_at.is_not(None)
        anyone_checked_in = db.session.scalar(select(exists().where(confirmed, came)))
        query = select(Registration).where(confirmed, Registration.thanked_at.is_(None))
        if anyone_checked_in:
            query = query.where(came)
        queued = 0
        for registration in db.session.scalars(query.order_by(Registration.id)).all():
            claimed = db.session.execute(
                update(Registration).where(Registration.id == registration.id, Registration.thanked_at.is_(None))
                .values(thanked_at=now), execution_options={"synchronize_session": False}).rowcount
            if claimed:
                notifications.queue("thank_you", registration, event, now)
                queued += 1
        db.session.commit()
        return queued
    except Exception:
        db.session.rollback()
        raise
