"""Certificates of attendance (rule 11): which of the meetings a person came to, with a code that
``/certificates/<code>`` confirms.

A certificate exists once the event has ended, for a confirmed registration that was checked in
(to the event or to any of its meetings). Its code is made the first time it is asked for and kept,
so a printed certificate stays verifiable; what it states is always read from the attendance as it
is stored, so a late correction at the door shows on the next print and on the verification page.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..collation import sort_by_name
from ..database import begin_write
from ..extensions import db
from ..models import Certificate, Event, Registration, RegistrationStatus
from . import notifications, sessions
from .errors import NotFound
from .personal_links import CODE_ALPHABET

CODE_LENGTH = 12
#: Certificates are e-mailed for events that ended this recently (a setting switched on late still works).
SEND_WITHIN = timedelta(days=14)


@dataclass(frozen=True)
class Attendance:
    """What a certificate states: the meetings or sessions attended of those the person had."""

    registration: Registration
    #: The meetings and sessions the person had, with attendance (empty for an event of one meeting).
    meetings: list[sessions.RegistrationSession]

    @property
    def attended(self) -> list[sessions.RegistrationSession]:
        return [m for m in self.meetings if m.checked_in_at is not None]

    @property
    def counted(self) -> bool:
        """Does the certificate say "N of M meetings" (an event of several meetings)?"""
        return len(self.meetings) > 1

    @property
    def attended_anything(self) -> bool:
        return self.registration.checked_in_at is not None or bool(self.attended)


@dataclass(frozen=True)
class IssuedCertificate:
    code: str
    attendance: Attendance
    issued_at: datetime

    @property
    def registration(self) -> Registration:
        return self.attendance.registration

    @property
    def event(self) -> Event:
        return self.registration.event


def attendance_of(registration: Registration) -> Attendance:
    return Attendance(registration, sessions.sessions_of(registration))


def refusal(registration: Registration, now: datetime):
    """Why this registration has no certificate at ``now``, or None when it has one."""
    if now < registration.event.ends_at:
        return _l("The certificate can be downloaded when the event has ended.")
    if registration.status != RegistrationStatus.CONFIRMED or not attendance_of(registration).attended_anything:
        return _l("There is no certificate: you were not checked in at the event.")
    return None


def certificate_for(registration_id: int, now: datetime) -> IssuedCertificate:
    """The registration's certificate, its code made on first use; NotFound when there is none."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("The registration does not exist."))
    reason = refusal(registration, now)
    if reason is not None:
        raise NotFound(reason)
    certificate = _stored(registration.id) or _issue(registration.id, now)
    return IssuedCertificate(certificate.code, attendance_of(certificate.registration), certificate.issued_at)


def certificates_of(event: Event, now: datetime) -> list[IssuedCertificate]:
    """Every certificate of the event (the organiser's bulk print), in order of names."""
    people = sort_by_name(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)))
    return [certificate_for(r.id, now) for r in people if refusal(r, now) is None]


def verify(code: str) -> IssuedCertificate | None:
    """The certificate with this code (as printed; case and spaces ignored), or None."""
    code = "".join(code.split()).upper().replace("-", "")
    if not code or len(code) > 32:
        return None
    certificate = db.session.get(Certificate, code)
    if certificate is None:
        return None
    return IssuedCertificate(certificate.code, attendance_of(certificate.registration), certificate.issued_at)


def formatted_code(code: str) -> str:
    """"ABCD-EFGH-JKLM": easier to read out and type."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def send_after_events(now: datetime) -> int:
    """Queue the certificate e-mail for everyone who attended an ended event that sends them; each
    person once. Returns how many were queued."""
    events = list(db.session.scalars(select(Event).where(
        Event.send_certificates.is_(True), Event.ends_at <= now, Event.ends_at > now - SEND_WITHIN,
        Event.cancelled_at.is_(None))))
    queued = 0
    for event in events:
        for issued in certificates_of(event, now):
            begin_write()
            certificate = db.session.get(Certificate, issued.code, populate_existing=True)
            if certificate.sent_at is not None:
                db.session.rollback()
                continue
            certificate.sent_at = now
            notifications.queue("certificate", issued.registration, event, now)
            db.session.commit()
            queued += 1
    return queued


def _stored(registration_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.registration_id == registration_id))


def _issue(registration_id: int, now: datetime) -> Certificate:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    try:
        db.session.add(Certificate(code=code, registration_id=registration_id, issued_at=now))
        db.session.commit()
    except IntegrityError:  # issued at the same moment by another request
        db.session.rollback()
        return _stored(registration_id)
    return _stored(registration_id)
