"""Sessions to choose (rule 10): the workshops and parallel tracks attendees pick, each with its
own places.

A pick takes one of the session's places while the registration is active (confirmed or on the
waiting list), so a place held is never given twice. Picks are checked for what they are (a
choosable session of this event, no two at the same time) before anything is stored; places are
counted and taken inside the event's writing transaction (``registration.lock_event``), which
serialises every decision about the event's places on both databases. A session that filled up
while the form was being sent is left out and the registration is kept without it.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update

from ..extensions import db
from ..ids import parse_id
from ..models import Event, EventSession, Registration, SessionAttendance, SessionChoice
from ..models.registration import ACTIVE_STATUSES
from .errors import NotFound, ValidationFailed

FIELD = "sessions"
#: At most this many sessions picked at once (a form sends no more).
MAX_PICKS = 50


@dataclass(frozen=True)
class RegistrationSession:
    """A meeting or chosen session of a registration, with its attendance."""

    session: EventSession
    checked_in_at: datetime | None
    chosen: bool

    @property
    def id(self) -> int:
        return self.session.id


def _refuse(message) -> None:
    raise ValidationFailed({FIELD: [message]})


def session_ids(values: Iterable) -> list[int]:
    """The ids in what a form or an API sent, without repeats; ValidationFailed for anything else."""
    ids: list[int] = []
    for value in values or ():
        session_id = None if isinstance(value, bool) else parse_id(str(value).strip())
        if session_id is None:
            _refuse(_l("Pick the sessions from the list."))
        if session_id not in ids:
            ids.append(session_id)
    if len(ids) > MAX_PICKS:
        _refuse(_l("Pick at most %(num)d sessions.", num=MAX_PICKS))
    return ids


def picked(event: Event | int, ids: Iterable[int]) -> list[EventSession]:
    """The event's choosable sessions with these ids, checked: each exists, belongs to the event, is
    choosable, and no two overlap. ValidationFailed (field ``sessions``) otherwise; only reads."""
    ids = list(ids)
    if not ids:
        return []
    event_id = event if isinstance(event, int) else event.id
    found = {s.id: s for s in db.session.scalars(select(EventSession).where(EventSession.id.in_(ids)))}
    sessions = []
    for session_id in ids:
        session = found.get(session_id)
        if session is None:
            _refuse(_l("There is no session number %(id)d.", id=session_id))
        if session.event_id != event_id:
            _refuse(_l("“%(title)s” is a session of another event.", title=session.localised.title))
        if not session.choosable:
            _refuse(_l("“%(title)s” is not a session to choose: everyone attends it.", title=session.localised.title))
        sessions.append(session)
    sessions.sort(key=lambda s: (s.starts_at, s.id))
    for first, second in zip(sessions, sessions[1:], strict=False):
        if first.overlaps(second):
            _refuse(_l("“%(first)s” and “%(second)s” are at the same time: pick one of them.",
                       first=first.localised.title, second=second.localised.title))
    return sessions


def places_taken(event_id: int) -> dict[int, int]:
    """{session id: places taken by active registrations} for the event's choosable sessions."""
    rows = db.session.execute(
        select(SessionChoice.session_id, func.count())
        .join(Registration, Registration.id == SessionChoice.registration_id)
        .join(EventSession, EventSession.id == SessionChoice.session_id)
        .where(EventSession.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES))
        .group_by(SessionChoice.session_id))
    return dict(rows.all())


def places_left(session: EventSession, taken: dict[int, int]) -> int | None:
    """Free places of a session given ``places_taken``; None without a limit."""
    if session.capacity is None:
        return None
    return max(session.capacity - taken.get(session.id, 0), 0)


def full_sessions(event: Event) -> set[int]:
    """Ids of the event's choosable sessions that have no place left."""
    if not event.choosable_sessions:
        return set()
    taken = places_taken(event.id)
    return {s.id for s in event.choosable_sessions if places_left(s, taken) == 0}


def check_picks(event: Event, ids: Iterable[int]) -> list[EventSession]:
    """``picked``, and refused when one of them is full as it stands: for a form to say so beside the
    field and keep the rest (the places are only taken under the event's lock)."""
    sessions = picked(event, ids)
    no_place = full_sessions(event) if sessions else set()
    full = [s for s in sessions if s.id in no_place]
    if full:
        _refuse(_l("“%(title)s” is fully booked: pick another session or none.", title=full[0].localised.title))
    return sessions


def take_places(registration_id: int, sessions: list[EventSession], now: datetime) -> list[EventSession]:
    """Give the registration a place in each session that has one; return the sessions that were full.

    Call inside the event's writing transaction, with sessions checked by ``picked``.
    """
    if not sessions:
        return []
    taken = places_taken(sessions[0].event_id)
    full = [s for s in sessions if places_left(s, taken) == 0]
    kept = [s for s in sessions if s not in full]
    if kept:
        db.session.execute(insert(SessionChoice.__table__), [
            {"registration_id": registration_id, "session_id": s.id, "chosen_at": now} for s in kept])
    return full


def change_choices(registration_id: int, ids: Iterable[int], now: datetime) -> list[EventSession]:
    """The attendee's new picks from the personal page, until the registration deadline: places kept
    where they were already held, taken where free; a full session is refused and nothing changes.
    Returns the sessions now picked."""
    from .registration import lock_event  # the registration service calls this module

    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("The registration does not exist."))
    sessions = picked(registration.event_id, ids)
    event = lock_event(registration.event_id)
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if not registration.is_active:
            _refuse(_l("Only an active registration can pick sessions."))
        if now >= event.registration_deadline:
            _refuse(_l("Sessions could be changed until the last day to register."))
        held = set(db.session.scalars(select(SessionChoice.session_id).where(
            SessionChoice.registration_id == registration_id)))
        taken = places_taken(event.id)
        full = [s for s in sessions if s.id not in held and places_left(s, taken) == 0]
        if full:
            _refuse(_l("“%(title)s” is fully booked: pick another session or none.", title=full[0].localised.title))
        wanted = {s.id for s in sessions}
        db.session.execute(delete(SessionChoice).where(SessionChoice.registration_id == registration_id,
                                                       SessionChoice.session_id.not_in(wanted)))
        new = [s for s in sessions if s.id not in held]
        if new:
            db.session.execute(insert(SessionChoice.__table__), [
                {"registration_id": registration_id, "session_id": s.id, "chosen_at": now} for s in new])
        db.session.commit()
        return sessions
    except Exception:
        db.session.rollback()
        raise


def hand_over(registration_id: int, to_registration_id: int) -> None:
    """A colleague sent instead takes the sessions picked, places and all (inside the event's lock)."""
    db.session.execute(update(SessionChoice).where(SessionChoice.registration_id == registration_id)
                       .values(registration_id=to_registration_id))


def chosen_ids(registration_id: int) -> set[int]:
    return set(db.session.scalars(select(SessionChoice.session_id).where(
        SessionChoice.registration_id == registration_id)))


def sessions_of(registration: Registration) -> list[RegistrationSession]:
    """The registration's meetings (a course's, all of them) and the sessions it picked, in time order,
    with when the person was checked in to each."""
    return sessions_of_many([registration]).get(registration.id, [])


def sessions_of_many(registrations: list[Registration]) -> dict[int, list[RegistrationSession]]:
    """``sessions_of`` for several registrations of one or more events, in two queries."""
    if not registrations:
        return {}
    ids = [r.id for r in registrations]
    chosen: dict[int, set[int]] = {}
    for registration_id, session_id in db.session.execute(select(
            SessionChoice.registration_id, SessionChoice.session_id).where(SessionChoice.registration_id.in_(ids))):
        chosen.setdefault(registration_id, set()).add(session_id)
    attended: dict[tuple[int, int], datetime] = {
        (row.registration_id, row.session_id): row.checked_in_at for row in db.session.execute(select(
            SessionAttendance.registration_id, SessionAttendance.session_id, SessionAttendance.checked_in_at)
            .where(SessionAttendance.registration_id.in_(ids)))}
    result = {}
    for registration in registrations:
        mine = chosen.get(registration.id, set())
        result[registration.id] = [
            RegistrationSession(s, attended.get((registration.id, s.id)), s.choosable)
            for s in registration.event.sessions if not s.choosable or s.id in mine]
    return result


def attendees_per_session(event: Event) -> dict[int, int]:
    """{session id: people checked in} for the event's sessions."""
    rows = db.session.execute(
        select(SessionAttendance.session_id, func.count())
        .join(EventSession, EventSession.id == SessionAttendance.session_id)
        .where(EventSession.event_id == event.id).group_by(SessionAttendance.session_id))
    return dict(rows.all())


@dataclass(frozen=True)
class SessionFigures:
    """A line of the statistics: a session's places taken (choosable ones) and people checked in."""

    session: EventSession
    taken: int | None
    checked_in: int


def session_statistics(event: Event) -> list[SessionFigures]:
    """Places taken per session to choose and people checked in per meeting or session, in time order."""
    if not event.sessions:
        return []
    taken, came = places_taken(event.id), attendees_per_session(event)
    return [SessionFigures(s, taken.get(s.id, 0) if s.choosable else None, came.get(s.id, 0))
            for s in event.sessions]


def chosen_titles(event: Event) -> dict[int, str]:
    """{registration id: the titles of the sessions it picked, in time order} for the door list."""
    if not event.choosable_sessions:
        return {}
    titles: dict[int, list[str]] = {}
    rows = db.session.execute(select(SessionChoice.registration_id, EventSession.title)
                              .join(EventSession, EventSession.id == SessionChoice.session_id)
                              .where(EventSession.event_id == event.id)
                              .order_by(EventSession.starts_at, EventSession.id))
    for registration_id, title in rows:
        titles.setdefault(registration_id, []).append(title)
    return {registration_id: ", ".join(names) for registration_id, names in titles.items()}


def export_columns(event: Event) -> tuple[list[str], dict[int, list[str]]]:
    """The attendee list's columns about sessions: the sessions picked and, for an event of several
    meetings, how many the person attended ({registration id: values}); none without sessions."""
    if not event.sessions:
        return [], {}
    registrations = list(db.session.scalars(select(Registration).where(Registration.event_id == event.id)))
    mine = sessions_of_many(registrations)
    headers, meetings = [], len(event.meetings)
    if event.choosable_sessions:
        headers.append(_("Sessions chosen"))
    if meetings > 1:
        headers.append(_("Meetings attended"))
    values = {}
    for registration in registrations:
        row = []
        if event.choosable_sessions:
            row.append(", ".join(str(m.session.localised.title) for m in mine[registration.id] if m.chosen))
        if meetings > 1:
            came = sum(1 for m in mine[registration.id] if not m.chosen and m.checked_in_at is not None)
            row.append(_("%(attended)d of %(total)d", attended=came, total=meetings))
        values[registration.id] = row
    return headers, values
