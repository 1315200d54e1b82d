"""Check-in at the door: by the badge's code or by a tap on a name, undo, walk-ins, the counts.

Checking in twice is harmless: the second time says when the first was. Check-in is possible from
a day before the event starts until a day after it ends (late corrections: "she was there, we
missed her"), so that a badge scanned weeks early cannot make a no-show look like an attendee.

A walk-in is registered at the door and checked in at once. The registration deadline does not
apply at the door, but capacity does: a walk-in never joins the waiting list and never takes a
place beyond capacity (the room's limit is a safety matter); the organiser raises the capacity
when the room allows more. A walk-in whose address is already on the waiting list takes a free
place if there is one.
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from ..collation import matches, name_key, search_words, sort_by_name
from ..extensions import db
from ..formatting import format_datetime, format_time
from ..models import Event, EventSession, Registration, RegistrationStatus, SessionAttendance, SessionChoice, User
from . import audit, questions, sessions
from .errors import DomainError, EventFull, NotFound
from .personal_links import CODE_ALPHABET, CODE_LENGTH
from .registration import Attendee, active_registration, lock_event, prepare_registration, with_checked_email

CHECKIN_OPENS_BEFORE = timedelta(hours=24)
CHECKIN_CLOSES_AFTER = timedelta(hours=24)
#: Check-in to one meeting or session opens this long before it starts ...
MEETING_OPENS_BEFORE = timedelta(hours=1)
#: ... and closes this long after it ends (late corrections the same day).
MEETING_CLOSES_AFTER = timedelta(hours=12)
#: At most this many names in a search result: a door list is scanned by eye.
SEARCH_LIMIT = 30

_CODE_RE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


class CheckinError(DomainError):
    code = "checkin_error"


class CheckinClosed(CheckinError):
    code = "checkin_closed"


class UnknownCode(CheckinError):
    code = "unknown_code"
    field = "code"


class NotExpected(CheckinError):
    """The person has a registration, but not one that gives a place (cancelled, waiting list)."""

    code = "not_expected"


@dataclass
class CheckinResult:
    registration: Registration
    #: True when the person was already checked in; nothing changed.
    already: bool = False
    #: The meeting or session checked in to; None for the event as a whole.
    session: EventSession | None = None
    #: When the person was checked in to ``session``.
    session_checked_in_at: datetime | None = None

    @property
    def message(self) -> str:
        """What the volunteer is told, in their language."""
        name = self.registration.full_name
        if self.session is not None:
            title = self.session.localised.title
            if self.already:
                return str(_l("%(name)s was already checked in to %(session)s at %(time)s.", name=name,
                              session=title, time=format_time(self.session_checked_in_at)))
            return str(_l("%(name)s is checked in to %(session)s.", name=name, session=title))
        if self.already:
            return str(_l("%(name)s was already checked in at %(time)s.", name=name,
                          time=format_time(self.registration.checked_in_at)))
        return str(_l("%(name)s is checked in.", name=name))


@dataclass(frozen=True)
class DoorCounts:
    checked_in: int
    #: Confirmed registrations: the people expected at the door.
    expected: int


def normalise_code(raw: str) -> str | None:
    """The check-in code in what a scanner or a volunteer typed, or None.

    Accepts lower case, surrounding spaces, a hyphen or space in the middle, and a URL or text
    that ends with the code (a QR code may carry a link).
    """
    text = "".join(raw.split()).upper().replace("-", "")
    if _CODE_RE.fullmatch(text):
        return text
    tail = re.split(r"[/=?#:]", text)[-1]
    return tail if _CODE_RE.fullmatch(tail) else None


def checkin_closed_reason(event: Event, now: datetime):
    """Why checking in is not possible at ``now``, or None while the door is open."""
    if event.is_cancelled:
        return _l("The event has been cancelled.")
    if now < event.starts_at - CHECKIN_OPENS_BEFORE:
        return _l("Check-in opens %(date)s.", date=format_datetime(event.starts_at - CHECKIN_OPENS_BEFORE))
    if now >= event.ends_at + CHECKIN_CLOSES_AFTER:
        return _l("Check-in closed %(date)s.", date=format_datetime(event.ends_at + CHECKIN_CLOSES_AFTER))
    return None


def door_counts(event_id: int, session: EventSession | None = None) -> DoorCounts:
    """'87 checked in of 120': confirmed registrations, and how many of them are checked in (to
    ``session``, a meeting or a chosen session, when given: of those expected at it)."""
    if session is not None:
        expected = len(_expected_at(session))
        return DoorCounts(checked_in=len(meeting_attendance(session)), expected=expected)
    expected, checked_in = db.session.execute(
        select(func.count(), func.count(Registration.checked_in_at)).where(
            Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED)
    ).one()
    return DoorCounts(checked_in=checked_in, expected=expected)


def meeting_attendance(session: EventSession) -> dict[int, datetime]:
    """{registration id: when checked in} for one meeting or session."""
    return dict(db.session.execute(select(SessionAttendance.registration_id, SessionAttendance.checked_in_at)
                                   .where(SessionAttendance.session_id == session.id)).all())


def _expected_at(session: EventSession) -> list[Registration]:
    """Confirmed registrations expected at a meeting (all) or a chosen session (those who picked it)."""
    query = select(Registration).where(Registration.event_id == session.event_id,
                                       Registration.status == RegistrationStatus.CONFIRMED)
    if session.choosable:
        query = query.join(SessionChoice, (SessionChoice.registration_id == Registration.id)
                           & (SessionChoice.session_id == session.id))
    return list(db.session.scalars(query))


def search(event_id: int, query: str, limit: int = SEARCH_LIMIT) -> list[Registration]:
    """Registrations of the event whose name, organisation, e-mail or code contain every word typed,
    ignoring case and accents ("oberg" finds Öberg, see ``collation``). Active registrations first,
    then in Swedish order of names."""
    words = search_words(query)
    if not words:
        return []
    code = normalise_code(query)
    if code is not None:  # a scanned or typed code: one indexed lookup
        exact = db.session.scalar(select(Registration).where(
            Registration.event_id == event_id, Registration.check_in_code == code))
        if exact is not None:
            return [exact]
    rows = db.session.execute(
        select(Registration.id, Registration.first_name, Registration.last_name, Registration.organisation_name,
               Registration.email, Registration.check_in_code, Registration.status)
        .where(Registration.event_id == event_id, Registration.status != RegistrationStatus.TRANSFERRED)
    ).all()
    found = [row for row in rows if matches(words, row.first_name, row.last_name, row.organisation_name,
                                            row.email, row.check_in_code)]
    active = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITLISTED: 1}
    found.sort(key=lambda r: (active.get(r.status, 2), *name_key(r.last_name, r.first_name), r.id))
    return _in_order([row.id for row in found[:limit]])


def not_arrived(event_id: int, session: EventSession | None = None) -> list[Registration]:
    """Confirmed registrations not checked in yet (to ``session`` when given), in Swedish order of
    names: who is still to come."""
    if session is not None:
        arrived = meeting_attendance(session)
        return sort_by_name(r for r in _expected_at(session) if r.id not in arrived)
    return sort_by_name(db.session.scalars(select(Registration).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED,
        Registration.checked_in_at.is_(None))))


def _in_order(ids: list[int]) -> list[Registration]:
    found = {r.id: r for r in db.session.scalars(select(Registration).where(Registration.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids]


def registration_for_code(raw_code: str) -> int:
    """The id of the registration whose badge has this code (as typed or scanned)."""
    code = normalise_code(raw_code)
    if code is None:
        raise UnknownCode(_l("That is not a check-in code: it has 8 letters and digits, as on the badge."))
    registration_id = db.session.scalar(select(Registration.id).where(Registration.check_in_code == code))
    if registration_id is None:
        raise UnknownCode(_l("No registration has the code %(code)s.", code=code))
    return registration_id


def check_in_by_code(event_id: int, raw_code: str, *, actor: User | None, now: datetime,
                     session_id: int | None = None) -> CheckinResult:
    """Check in the holder of the badge with this code (as typed or scanned)."""
    return check_in(event_id, registration_for_code(raw_code), actor=actor, now=now, session_id=session_id)


def meeting_closed_reason(session: EventSession, now: datetime):
    """Why checking in to this meeting or session is not possible at ``now``, or None."""
    opens, closes = session.starts_at - MEETING_OPENS_BEFORE, session.ends_at + MEETING_CLOSES_AFTER
    if now < opens:
        return _l("Check-in to %(session)s opens %(date)s.", session=session.localised.title,
                  date=format_datetime(opens))
    if now >= closes:
        return _l("Check-in to %(session)s closed %(date)s.", session=session.localised.title,
                  date=format_datetime(closes))
    return None


def current_meeting(event: Event, now: datetime) -> EventSession | None:
    """The meeting (of those everyone attends) whose check-in is open at ``now``, the one starting
    nearest to now first; sessions to choose are checked in to when chosen at the door."""
    open_now = [s for s in event.meetings if meeting_closed_reason(s, now) is None]
    return min(open_now, key=lambda s: (abs(s.starts_at - now), s.id), default=None)


def check_in(event_id: int, registration_id: int, *, actor: User | None, now: datetime,
             session_id: int | None = None) -> CheckinResult:
    """Check in a confirmed registration of this event; a second check-in changes nothing.

    ``session_id``: to that meeting of a course or chosen session (rule 11); the person then also
    counts as checked in to the event, so the no-show rule stays per event.
    """
    event = lock_event(event_id)
    try:
        registration = _registration_of(event, registration_id)
        _refuse_if_closed(event, now)
        if session_id is not None:
            return _check_in_to_session(event, registration, session_id, actor=actor, now=now)
        if registration.checked_in_at is not None:
            db.session.rollback()
            return CheckinResult(registration, already=True)
        _refuse_unless_expected(registration)
        registration.checked_in_at = now
        audit.record("registration.checked_in", registration, actor=actor, now=now)
        db.session.commit()
        return CheckinResult(registration)
    except Exception:
        db.session.rollback()
        raise


def undo_check_in(event_id: int, registration_id: int, *, actor: User | None, now: datetime,
                  session_id: int | None = None) -> Registration:
    """Take back a check-in made by mistake. Undoing one that was not made changes nothing.

    ``session_id``: the check-in to that meeting; the person stays checked in to the event while
    they are checked in to any other meeting.
    """
    event = lock_event(event_id)
    try:
        registration = _registration_of(event, registration_id)
        _refuse_if_closed(event, now)
        if session_id is not None:
            return _undo_session_check_in(registration, session_id, actor=actor, now=now)
        if registration.checked_in_at is None:
            db.session.rollback()
            return registration
        audit.record("registration.check_in_undone", registration, actor=actor, now=now,
                     checked_in_at=registration.checked_in_at)
        registration.checked_in_at = None
        db.session.commit()
        return registration
    except Exception:
        db.session.rollback()
        raise


def register_walk_in(event_id: int, attendee: Attendee, *, actor: User | None, now: datetime,
                     session_id: int | None = None) -> CheckinResult:
    """Register someone at the door and check them in (see the module's notes on capacity);
    ``session_id``: to that meeting too (a course's meeting going on)."""
    if session_id is not None:  # refused before anything is stored
        _open_meeting(event_id, session_id, now)
    result = _register_walk_in(event_id, attendee, actor=actor, now=now)
    if session_id is None:
        return result
    return check_in(event_id, result.registration.id, actor=actor, now=now, session_id=session_id)


def _register_walk_in(event_id: int, attendee: Attendee, *, actor: User | None, now: datetime) -> CheckinResult:
    attendee = with_checked_email(attendee)
    event = lock_event(event_id)
    try:
        _refuse_if_closed(event, now)
        existing = active_registration(event, attendee.email)
        if existing is not None and existing.status == RegistrationStatus.CONFIRMED:
            db.session.rollback()
            return check_in(event_id, existing.id, actor=actor, now=now)
        if event.capacity is not None and _confirmed(event) >= event.capacity:
            raise EventFull(_l("All %(num)d places are taken. An organiser can raise the capacity if the room "
                               "allows more.", num=event.capacity))
        if existing is not None:  # on the waiting list: the free place is theirs
            registration = existing
            registration.status = RegistrationStatus.CONFIRMED
            registration.confirmed_at = now
        else:
            new = prepare_registration(event.id, attendee, now, org_number="").insert(
                RegistrationStatus.CONFIRMED, now, questions.answers_to_store(event, attendee.answers))
            registration = db.session.get(Registration, new.id)
        registration.checked_in_at = now
        audit.record("registration.walk_in", registration, actor=actor, now=now,
                     promoted_from_waitlist=existing is not None)
        db.session.commit()
        return CheckinResult(registration)
    except Exception:
        db.session.rollback()
        raise


def _check_in_to_session(event: Event, registration: Registration, session_id: int, *, actor: User | None,
                         now: datetime) -> CheckinResult:
    session = _open_meeting(event.id, session_id, now)
    attended = db.session.get(SessionAttendance, (registration.id, session.id))
    if attended is not None:
        db.session.rollback()
        return CheckinResult(registration, already=True, session=session, session_checked_in_at=attended.checked_in_at)
    _refuse_unless_expected(registration)
    if session.choosable and session.id not in sessions.chosen_ids(registration.id):
        raise NotExpected(_l("%(name)s has not picked %(session)s.", name=registration.full_name,
                             session=session.localised.title))
    db.session.add(SessionAttendance(registration_id=registration.id, session_id=session.id, checked_in_at=now))
    if registration.checked_in_at is None:
        registration.checked_in_at = now
    audit.record("registration.checked_in", registration, actor=actor, now=now, session=session.id)
    db.session.commit()
    return CheckinResult(registration, session=session, session_checked_in_at=now)


def _undo_session_check_in(registration: Registration, session_id: int, *, actor: User | None,
                           now: datetime) -> Registration:
    attended = db.session.get(SessionAttendance, (registration.id, session_id))
    if attended is None:
        db.session.rollback()
        return registration
    db.session.delete(attended)
    db.session.flush()
    if db.session.scalar(select(func.count()).select_from(SessionAttendance).where(
            SessionAttendance.registration_id == registration.id)) == 0:
        registration.checked_in_at = None
    audit.record("registration.check_in_undone", registration, actor=actor, now=now, session=session_id,
                 checked_in_at=attended.checked_in_at)
    db.session.commit()
    return registration


def _open_meeting(event_id: int, session_id: int, now: datetime) -> EventSession:
    """The event's meeting or session, while its check-in is open; NotFound or CheckinClosed otherwise."""
    session = db.session.get(EventSession, session_id)
    if session is None or session.event_id != event_id:
        raise NotFound(_l("This event has no meeting or session number %(id)s.", id=session_id), field="session")
    reason = meeting_closed_reason(session, now)
    if reason is not None:
        raise CheckinClosed(reason, field="session")
    return session


def _confirmed(event: Event) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        and_(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)))


def _registration_of(event: Event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    if registration is None:
        raise NotFound(_l("The registration does not exist."))
    if registration.event_id != event.id:
        raise NotExpected(_l("%(name)s is registered for another event: %(title)s.",
                             name=registration.full_name, title=registration.event.title))
    return registration


def _refuse_if_closed(event: Event, now: datetime) -> None:
    reason = checkin_closed_reason(event, now)
    if reason is not None:
        raise CheckinClosed(reason)


def _refuse_unless_expected(registration: Registration) -> None:
    status = registration.status
    if status == RegistrationStatus.CONFIRMED:
        return
    if status == RegistrationStatus.WAITLISTED:
        raise NotExpected(_l("%(name)s is on the waiting list and has no place. Register them as a walk-in if "
                             "there is room.", name=registration.full_name))
    if status == RegistrationStatus.TRANSFERRED:
        raise NotExpected(_l("%(name)s handed the place over to %(colleague)s.", name=registration.full_name,
                             colleague=registration.transferred_to.full_name if registration.transferred_to else "–"))
    raise NotExpected(_l("%(name)s cancelled the registration.", name=registration.full_name))
