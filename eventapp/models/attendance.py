"""Sessions picked, attendance per meeting or session, and certificates of attendance."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db
from .event import EventSession
from .registration import Registration


class SessionChoice(db.Model):
    """A choosable session a registration picked; it takes one of the session's places while the
    registration is active."""

    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"),
                                                 primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_session.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    registration: Mapped[Registration] = relationship()
    session: Mapped[EventSession] = relationship()


class SessionAttendance(db.Model):
    """A registration checked in to one meeting of a course or one chosen session."""

    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"),
                                                 primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_session.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime())

    registration: Mapped[Registration] = relationship()
    session: Mapped[EventSession] = relationship()


class Certificate(db.Model):
    """A registration's certificate of attendance: the code printed on it confirms it at
    ``/certificates/<code>``."""

    #: Random, from the check-in code alphabet; printed on the certificate.
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When it was queued for e-mail after the event (events that send certificates); set once.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    registration: Mapped[Registration] = relationship()
