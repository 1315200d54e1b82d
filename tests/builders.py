"""Builders for test data: an event or a registration with sensible defaults, any field overridable."""
from datetime import datetime, timedelta
from itertools import count

from eventapp.extensions import db
from eventapp.models import Event
from eventapp.services import booking_mail, notifications, staff_mail
from eventapp.services.registration import Attendee, register_attendee

_numbers = count(1)


def make_event(now: datetime, **fields) -> Event:
    """A published conference 30 days after ``now``, open for registration, 10 places, waiting list."""
    number = next(_numbers)
    starts = fields.pop("starts_at", now + timedelta(days=30))
    values = dict(
        slug=f"event-{number}", kind="conference", title=f"Testkonferens {number}", description="Om integration.",
        venue="Citykonferensen", city="Stockholm", starts_at=starts, ends_at=starts + timedelta(hours=8),
        capacity=10, waitlist_enabled=True, registration_opens_at=now - timedelta(days=1),
        registration_deadline=now + timedelta(days=20), published=True,
    )
    values.update(fields)
    event = Event(**values)
    db.session.add(event)
    db.session.commit()
    return event


def attendee(n: int = 1, **fields) -> Attendee:
    values = dict(first_name="Anna", last_name=f"Andersson {n}", email=f"anna{n}@example.org",
                  organisation="Nacka kommun", job_title="Kommunikatör")
    values.update(fields)
    return Attendee(**values)


def register(event: Event, now: datetime, n: int = 1, **fields):
    return register_attendee(event.id, attendee(n, **fields), now)


_password_hashes: dict[str, str] = {}


def make_user(email: str, role: str, *, password: str = "ett långt lösenord", events=()):  # noqa: S107
    """An account with a role (hashed once per password: argon2 is slow on purpose); a check-in
    account is assigned to ``events``."""
    from eventapp.models import CheckinAssignment, User
    from eventapp.services.accounts import _hasher

    if password not in _password_hashes:
        _password_hashes[password] = _hasher.hash(password)
    user = User(email=email, role=role, password_hash=_password_hashes[password])
    db.session.add(user)
    db.session.flush()
    for event in events:
        db.session.add(CheckinAssignment(user_id=user.id, event_id=event.id))
    db.session.commit()
    return user


def log_in(client, user_id: int) -> None:
    """Start a logged-in session without the login form (whose argon2 check is slow on purpose)."""
    from eventapp.database import utcnow
    from eventapp.models import User

    with client.application.app_context():
        session_id = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
        session["seen"] = int(utcnow().timestamp())


def written(message) -> str:
    """The whole e-mail of an outbox message as the worker writes it when sending it, storing (and
    committing) the link it carries as the worker does, so that the link works."""
    if message.kind in staff_mail.KINDS or message.kind in booking_mail.KINDS:
        text, store = (staff_mail if message.kind in staff_mail.KINDS else booking_mail).compose(message)
        store()
    else:
        text, link = notifications.compose(message)
        if link is not None:
            db.session.add(link)
    db.session.commit()
    return text
