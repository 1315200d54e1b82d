"""Events, the series they belong to, their agenda and, for courses, their separate meetings."""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .translated import Translatable, in_language


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


class Event(Translatable, db.Model):
    TRANSLATED = ("title", "description")

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=EventKind.CONFERENCE)
    title: Mapped[str] = mapped_column(String(200))
    #: The title in English; empty when there is none (see models.translated).
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Shown in the series context, e.g. the forum's theme.
    theme: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
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
    #: The lower price per person (öre, excluding VAT) of bookings made before ``early_bird_until``.
    early_bird_price: Mapped[int | None] = mapped_column(Integer)
    early_bird_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When a paid event's bookings are invoiced: "on_registration" or "after_event" (models.booking).
    invoice_timing: Mapped[str] = mapped_column(String(20), default="on_registration", server_default="on_registration")
    #: The fee notice in the organiser's own words, shown on the event page and form.
    fee_notice: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Days before the start at which confirmed attendees are reminded; 0 sends no reminder.
    reminder_days: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    #: Whether everyone who attended is sent a certificate of attendance after the event.
    send_certificates: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: Hours after the end at which attended registrations get a thank-you; None sends none.
    thank_you_hours: Mapped[int | None] = mapped_column(Integer)
    #: A link to the material (slides, recordings) given in the thank-you e-mail.
    material_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: The iCalendar SEQUENCE: raised whenever time or place changes or the event is cancelled.
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The event's own questions on the feedback form, each rated 1-5 (beside the overall rating).
    feedback_questions: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: Whether the organiser sees who gave which feedback; anonymous (False) unless the event says so.
    feedback_named: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: The question of the form whose answer is the table or group a person wishes to sit at (a
    #: single- or multiple-choice question; its n-th choice is group n); None for no wishes.
    group_wish_question_id: Mapped[int | None] = mapped_column(Integer)
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
    def meetings(self) -> list["EventSession"]:
        """The meetings every registration covers (a course's), in time order."""
        return [session for session in self.sessions if not session.choosable]

    @property
    def choosable_sessions(self) -> list["EventSession"]:
        """The sessions attendees pick, in time order."""
        return [session for session in self.sessions if session.choosable]

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


class AgendaItem(Translatable, db.Model):
    """A point on the day's programme, with its speakers."""

    TRANSLATED = ("title",)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    speakers: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="agenda")


class EventSession(Translatable, db.Model):
    """A meeting that every registration covers (a course's five meetings), or, when ``choosable``,
    a session attendees pick on the form (an afternoon workshop with places of its own)."""

    TRANSLATED = ("title",)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue: Mapped[str] = mapped_column(String(200), default="")
    #: Picked by attendees on the form rather than covered by every registration.
    choosable: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: Places of a choosable session; None means no limit.
    capacity: Mapped[int | None] = mapped_column(Integer)

    event: Mapped[Event] = relationship(back_populates="sessions")

    def overlaps(self, other: "EventSession") -> bool:
        """Do the two sessions share any moment (one ending as the other starts does not)?"""
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


class QuestionKind(StrEnum):
    """How a question of the registration form is answered."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    CHOICES = "choices"
    YES_NO = "yes_no"

    @property
    def label(self):
        return {
            QuestionKind.TEXT: _l("Short text"),
            QuestionKind.LONG_TEXT: _l("Long text"),
            QuestionKind.CHOICE: _l("Single choice"),
            QuestionKind.CHOICES: _l("Multiple choice"),
            QuestionKind.YES_NO: _l("Yes or no"),
        }[self]

    @property
    def has_choices(self) -> bool:
        """Answered by picking among the organiser's own choices."""
        return self in (QuestionKind.CHOICE, QuestionKind.CHOICES)

    @property
    def free_text(self) -> bool:
        """Answered in the person's own words."""
        return self in (QuestionKind.TEXT, QuestionKind.LONG_TEXT)


#: How the answers of a multiple-choice question are kept in one answer: a line per choice picked.
CHOICES_SEPARATOR = "\n"
YES, NO = "yes", "no"


class Question(Translatable, db.Model):
    """A question of the event's registration form, e.g. the target group, or which table or
    session a person wants: answered in words, by picking one or several of the organiser's
    choices, or yes or no."""

    TRANSLATED = ("text", "help_text")

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: A QuestionKind.
    kind: Mapped[str] = mapped_column(String(20), default=QuestionKind.TEXT, server_default=QuestionKind.TEXT)
    text: Mapped[str] = mapped_column(String(200))
    text_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Shown under the question, e.g. what the answer is used for.
    help_text: Mapped[str] = mapped_column(String(500), default="", server_default="")
    help_text_en: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: The answers to pick from (single and multiple choice); an answer stores the choice as written here.
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The choices in English, in the same order; empty when they are not translated.
    choices_en: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Taken off the form after people had answered it; the answers stay for the lists.
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    event: Mapped[Event] = relationship(back_populates="all_questions")

    @property
    def field_name(self) -> str:
        return f"question_{self.id}"

    @property
    def question_kind(self) -> QuestionKind:
        try:
            return QuestionKind(self.kind)
        except ValueError:  # a kind this version does not know: asked in words
            return QuestionKind.TEXT

    def choice_labels(self) -> list[tuple[str, str]]:
        """(value stored, label in the reader's language) of each choice to pick; the organiser's
        labels know the language they are in (``translated.LocalText``)."""
        if self.question_kind == QuestionKind.YES_NO:
            return [(YES, str(_l("Yes"))), (NO, str(_l("No")))]
        english = list(self.choices_en or ())
        return [(choice, in_language(choice, english[n] if n < len(english) else ""))
                for n, choice in enumerate(self.choices or ())]

    def answer_label(self, value: str) -> str:
        """A stored answer as a reader is shown it: choices by their label, several joined by commas."""
        if not value or self.question_kind.free_text:
            return value
        labels = dict(self.choice_labels())
        return ", ".join(str(labels.get(part, part)) for part in value.split(CHOICES_SEPARATOR))
