"""Events, the series they belong to, their agenda and, for courses, their separate meetings."""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db


class EventKind(StrEnum):
    CONFERENCE = "conference"
    SEMINAR = "seminar"
    FORUM = "forum"
    COURSE = "course"

    @property
    def label(self):
        return {
            EventKind.CONFERENCE: _l("Conference"),
            EventKind.SEMINAR: _l("Seminar"),
            EventKind.FORUM: _l("Forum"),
            EventKind.COURSE: _l("Course"),
        }[self]


class Series(db.Model):
    """Recurring events under one name, e.g. "Nowa Nyfiken på" or "Strategiskt forum"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    events: Mapped[list["Event"]] = relationship(back_populates="series", order_by="Event.starts_at")


class Event(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=EventKind.CONFERENCE)
    title: Mapped[str] = mapped_column(String(200))
    #: Shown in the series context, e.g. the forum's theme.
    theme: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: Who arranges it, in the organiser's words ("Nowa Kommunikation i samarbete med K6 Konsulter").
    organiser_name: Mapped[str] = mapped_column(String(200), default="")
    #: Replies and calendar ORGANIZER go here.
    organiser_email: Mapped[str] = mapped_column(String(254), default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Confirmed places; None means no limit.
    capacity: Mapped[int | None] = mapped_column(Integer)
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The first instant at which registration is closed (midnight after the last registration day).
    registration_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Cancelling before this is free; None means the registration deadline.
    cancellation_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Price and fees in öre.
    price: Mapped[int] = mapped_column(Integer, default=0)
    no_show_fee: Mapped[int] = mapped_column(Integer, default=0)
    #: Whether a late cancellation is charged like a no-show.
    charge_late_cancellation: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The fee notice in the organiser's own words, shown on the event page and form.
    fee_notice: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Days before the start at which confirmed attendees are reminded; 0 sends no reminder.
    reminder_days: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    #: The iCalendar SEQUENCE: raised whenever time or place changes or the event is cancelled.
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    series: Mapped[Series | None] = relationship(back_populates="events")
    agenda: Mapped[list["AgendaItem"]] = relationship(
        back_populates="event", order_by="AgendaItem.starts_at", cascade="all, delete-orphan"
    )
    sessions: Mapped[list["EventSession"]] = relationship(
        back_populates="event", order_by="EventSession.starts_at", cascade="all, delete-orphan"
    )
    #: Every question the event has asked, retired ones included (their answers are kept).
    all_questions: Mapped[list["Question"]] = relationship(
        back_populates="event", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def questions(self) -> list["Question"]:
        """The questions the registration form asks now."""
        return [question for question in self.all_questions if not question.retired]

    @property
    def kind_label(self):
        return EventKind(self.kind).label

    @property
    def effective_cancellation_deadline(self) -> datetime:
        return self.cancellation_deadline or self.registration_deadline

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def __repr__(self):
        return f"<Event {self.slug}>"


class AgendaItem(db.Model):
    """A point on the day's programme, with its speakers."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    title: Mapped[str] = mapped_column(String(200))
    speakers: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="agenda")


class EventSession(db.Model):
    """One of several separate meetings that a single registration covers (a course's five meetings)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue: Mapped[str] = mapped_column(String(200), default="")

    event: Mapped[Event] = relationship(back_populates="sessions")


class Question(db.Model):
    """An optional question of the event's registration form, e.g. the target group, or which table
    or session a person wants. With choices it is answered by picking one, without by free text."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(200))
    #: The answers to pick from; empty for a free-text question.
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Taken off the form after people had answered it; the answers stay for the lists.
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    event: Mapped[Event] = relationship(back_populates="all_questions")

    @property
    def field_name(self) -> str:
        return f"question_{self.id}"
