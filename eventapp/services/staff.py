"""Who may work the door of an event: organisers at every event, check-in volunteers at theirs."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..extensions import db
from ..models import CheckinAssignment, Event, Role, User
from . import audit
from .checkin import CHECKIN_CLOSES_AFTER, checkin_closed_reason
from .errors import DomainError, NotFound


class StaffError(DomainError):
    code = "staff_error"
    field = "email"


class DoorForbidden(DomainError):
    code = "forbidden"


def check_door_access(user: User | None, event: Event, now: datetime) -> None:
    """Raise DoorForbidden unless ``user`` may work the event's door, and see its attendees, at ``now``.

    Organisers (and admins) may at every event, at any time. A check-in volunteer only at the events
    assigned, and only while their door is open, from a day before the start until a day after the end:
    the names and addresses of a past or distant event's attendees are none of a volunteer's business.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        raise DoorForbidden(_l("You do not have access to this event's check-in."))
    if user.has_role(Role.ORGANISER):
        return
    if user.role != Role.CHECKIN or db.session.get(CheckinAssignment, (user.id, event.id)) is None:
        raise DoorForbidden(_l("You do not have access to this event's check-in."))
    closed = checkin_closed_reason(event, now)
    if closed is not None:
        raise DoorForbidden(closed)


def may_check_in(user: User | None, event: Event, now: datetime) -> bool:
    """Whether ``check_door_access`` lets ``user`` in at ``now``."""
    try:
        check_door_access(user, event, now)
    except DoorForbidden:
        return False
    return True


def events_at_the_door(user: User, now: datetime) -> list[Event]:
    """The events whose check-in this user may open and that have not closed it yet, soonest first."""
    query = (select(Event).where(Event.cancelled_at.is_(None), Event.ends_at > now - CHECKIN_CLOSES_AFTER)
             .order_by(Event.starts_at))
    if not user.has_role(Role.ORGANISER):
        query = query.join(CheckinAssignment, CheckinAssignment.event_id == Event.id).where(
            CheckinAssignment.user_id == user.id)
    return list(db.session.scalars(query))


def volunteers(event_id: int) -> list[User]:
    """The check-in volunteers assigned to the event, by address."""
    return list(db.session.scalars(
        select(User).join(CheckinAssignment, CheckinAssignment.user_id == User.id)
        .where(CheckinAssignment.event_id == event_id).order_by(User.email)))


def unassigned_volunteers(event_id: int) -> list[User]:
    """Active check-in accounts not yet assigned to the event: the choices of the assign form."""
    assigned = select(CheckinAssignment.user_id).where(CheckinAssignment.event_id == event_id)
    return list(db.session.scalars(
        select(User).where(User.role == Role.CHECKIN, User.active.is_(True), User.id.not_in(assigned))
        .order_by(User.email)))


def assign_volunteer(event_id: int, email: str, *, actor: User | None, now: datetime) -> User:
    """Let the check-in account ``email`` work the door of the event (assigning twice is harmless)."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_l("The event does not exist."))
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise StaffError(_l("There is no account for %(email)s.", email=email.strip()))
    if user.role != Role.CHECKIN:
        raise StaffError(_l("%(email)s is not a check-in account; organisers can already check in everywhere.",
                            email=user.email))
    if db.session.get(CheckinAssignment, (user.id, event.id)) is None:
        assignment = CheckinAssignment(user_id=user.id, event_id=event.id, created_at=now)
        db.session.add(assignment)
        audit.record("checkin.volunteer_assigned", event, actor=actor, now=now, event_id=event.id,
                     volunteer=user.email)
    db.session.commit()
    return user


def unassign_volunteer(event_id: int, user_id: int, *, actor: User | None, now: datetime) -> None:
    """Take the volunteer off the event's door; nothing happens when they were not on it."""
    event = db.session.get(Event, event_id)
    user = db.session.get(User, user_id)
    if event is None or user is None:
        raise NotFound(_l("The volunteer is not assigned to this event."))
    removed = db.session.execute(delete(CheckinAssignment).where(
        CheckinAssignment.event_id == event_id, CheckinAssignment.user_id == user_id)).rowcount
    if removed:
        audit.record("checkin.volunteer_unassigned", event, actor=actor, now=now, event_id=event.id,
                     volunteer=user.email)
    db.session.commit()
