"""What organisers write to attendees: messages of their own, and their own versions of the
automatic e-mails (confirmation, waiting list, reminder, …) per event and language."""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db
from .event import Event
from .user import User


class Audience(StrEnum):
    """Whom a message goes to: the event's registrations of a status, or a selection."""

    ALL = "all"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CHECKED_IN = "checked_in"
    NOT_CHECKED_IN = "not_checked_in"
    CANCELLED = "cancelled"
    SELECTION = "selection"

    @property
    def label(self):
        return {
            Audience.ALL: _l("Everyone registered (confirmed and waiting list)"),
            Audience.CONFIRMED: _l("Everyone confirmed"),
            Audience.WAITLISTED: _l("Everyone on the waiting list"),
            Audience.CHECKED_IN: _l("Everyone checked in"),
            Audience.NOT_CHECKED_IN: _l("Confirmed, not checked in"),
            Audience.CANCELLED: _l("Everyone who cancelled"),
            Audience.SELECTION: _l("The attendees chosen in the list"),
        }[self]


class MessageStatus(StrEnum):
    #: Waiting for its time (``send_at``); the periodic job queues it then.
    SCHEDULED = "scheduled"
    #: Its e-mails are in the outbox.
    QUEUED = "queued"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return {MessageStatus.SCHEDULED: _l("Scheduled"), MessageStatus.QUEUED: _l("Sent to the outbox"),
                MessageStatus.CANCELLED: _l("Not sent")}[self]


class EventMessage(db.Model):
    """An organiser's message to an event's attendees; each recipient's e-mail is an outbox row
    (kind "message") pointing here, merged with the recipient's details when it is sent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: With merge fields ({first_name}, {event}, …) as the organiser wrote it.
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: An ``Audience``; for a selection, ``registration_ids`` are the chosen.
    audience: Mapped[str] = mapped_column(String(20))
    registration_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10))
    #: When it goes out; for one sent at once, when it was sent.
    send_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: How many e-mails were queued.
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def audience_label(self):
        return Audience(self.audience).label

    @property
    def status_label(self):
        return MessageStatus(self.status).label


class EmailText(db.Model):
    """An event's own text of one automatic e-mail in one language, replacing the default's."""

    __table_args__ = (UniqueConstraint("event_id", "kind", "language", name="uq_email_text_event_kind_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: confirmation, waitlisted, promoted, reminder or thank_you.
    kind: Mapped[str] = mapped_column(String(30))
    #: "sv" or "en".
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
