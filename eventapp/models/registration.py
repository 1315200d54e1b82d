"""A person's registration for an event, from sign-up to check-in."""
import uuid
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .event import Event, Question
from .organisation import Organisation


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"
    #: Handed over to a colleague (substitution); the colleague has a registration of their own.
    TRANSFERRED = "transferred"

    @property
    def label(self):
        return {
            RegistrationStatus.CONFIRMED: _l("Confirmed"),
            RegistrationStatus.WAITLISTED: _l("On the waiting list"),
            RegistrationStatus.CANCELLED: _l("Cancelled"),
            RegistrationStatus.LATE_CANCELLED: _l("Cancelled late"),
            RegistrationStatus.TRANSFERRED: _l("Transferred to a colleague"),
        }[self]


ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


def new_calendar_key() -> str:
    """A registration's name in its calendar entries' UIDs: random, so it can be chosen before the row exists."""
    return f"registration-{uuid.uuid4().hex}"


class Registration(db.Model):
    __table_args__ = (
        # Rule 3: one active registration per event and e-mail address.
        Index(
            "uq_registration_active_email",
            "event_id",
            "email_key",
            unique=True,
            sqlite_where=text("status IN ('confirmed', 'waitlisted')"),
            postgresql_where=text("status IN ('confirmed', 'waitlisted')"),
        ),
        Index("ix_registration_event_status", "event_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    #: The address case-folded, for rule 3.
    email_key: Mapped[str] = mapped_column(String(254))
    #: The organisation exactly as the attendee typed it.
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    dietary: Mapped[str] = mapped_column(Text, default="")
    #: The buyer's organisation number for the invoice, formatted NNNNNN-NNNN.
    org_number: Mapped[str] = mapped_column(String(11), default="")
    invoice_reference: Mapped[str] = mapped_column(String(100), default="")
    #: The buyer's postal address for the invoice (mervärdesskattelagen asks for it on every invoice).
    invoice_street: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: NNN NN.
    invoice_postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    invoice_city: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: An extra line for the invoice: a c/o, or the e-mail address a PDF invoice goes to.
    invoice_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The buyer's Peppol participant ID, e.g. "0007:2120000142", for an e-invoice.
    peppol_id: Mapped[str] = mapped_column(String(60), default="", server_default="")
    status: Mapped[str] = mapped_column(String(20))
    #: The language the attendee used; e-mails follow it.
    language: Mapped[str] = mapped_column(String(5), default="sv")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Place in the waiting list: the time of joining it (kept by a substitute).
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The code on the badge's QR code and at check-in.
    check_in_code: Mapped[str] = mapped_column(String(16), unique=True)
    #: Names the registration in calendar invitations' UIDs, so an invite can be written before the
    #: row exists (and reveals nothing of how many registrations there are).
    calendar_key: Mapped[str] = mapped_column(String(64), default=lambda: new_calendar_key())
    #: When the reminder before the event was queued (or skipped); set once, so it goes out once.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the thank-you after the event was queued; set once, so it goes out once.
    thanked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The group booking it was made in (a booking of one for a single paid registration).
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), index=True)
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id"), index=True)
    #: The organisers' own note ("phoned in", "speaker"); never shown to the attendee.
    organiser_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    event: Mapped[Event] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    transferred_to: Mapped["Registration | None"] = relationship(remote_side=[id])
    booking: Mapped["Booking | None"] = relationship()  # noqa: F821 (models.booking)
    answers: Mapped[list["Answer"]] = relationship(back_populates="registration", cascade="all, delete-orphan")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def status_label(self):
        return RegistrationStatus(self.status).label

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def __repr__(self):
        return f"<Registration {self.id} {self.status}>"


class Answer(db.Model):
    """A registration's answer to one of the event's questions."""

    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"),
                                                 primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    value: Mapped[str] = mapped_column(String(500))

    registration: Mapped[Registration] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
