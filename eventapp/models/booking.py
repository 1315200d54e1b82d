"""Group bookings (one booker, several people) and the discount codes of paid events."""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db
from .event import Event


class InvoiceTiming(StrEnum):
    ON_REGISTRATION = "on_registration"
    AFTER_EVENT = "after_event"

    @property
    def label(self):
        return {InvoiceTiming.ON_REGISTRATION: _l("When the booking is made"),
                InvoiceTiming.AFTER_EVENT: _l("After the event")}[self]


class DiscountCode(db.Model):
    """A code that takes a percentage or an amount off an event's price, for at most ``max_uses`` bookings."""

    __table_args__ = (UniqueConstraint("event_id", "code", name="uq_discount_code_event_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: As the organiser wrote it, in capitals; typed case-insensitively.
    code: Mapped[str] = mapped_column(String(40))
    #: Per cent off (1-100), or None when ``amount`` is set.
    percent: Mapped[int | None] = mapped_column(Integer)
    #: Öre off the price per person, excluding VAT, or None when ``percent`` is set.
    amount: Mapped[int | None] = mapped_column(Integer)
    #: None: no limit.
    max_uses: Mapped[int | None] = mapped_column(Integer)
    #: Bookings that used it; raised under the event's lock, so it never passes ``max_uses``.
    uses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The code cannot be used from this moment; None: until registration closes.
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()

    def price_after(self, price: int) -> int:
        """The price per person with this code, never below nothing."""
        if self.percent is not None:
            return max(price - price * self.percent // 100, 0)
        return max(price - (self.amount or 0), 0)


class Booking(db.Model):
    """One booker's registration of several people (or of themself) in one form: the people share
    the buyer's details, one invoice, and the group link (``/g/<token>``) the booker manages them by."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    booker_first_name: Mapped[str] = mapped_column(String(200))
    booker_last_name: Mapped[str] = mapped_column(String(200))
    booker_email: Mapped[str] = mapped_column(String(254))
    #: The language the booker used; the summary e-mail follows it.
    language: Mapped[str] = mapped_column(String(5), default="sv")
    #: Whether the booker is one of the people booked.
    booker_attending: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The booker's own registration when they attend (no foreign key: the registration refers to the
    #: booking); erasing that person erases the booker here too.
    booker_registration_id: Mapped[int | None] = mapped_column(Integer)
    #: The group link: the selector stored as it is, only the verifier's SHA-256 (see personal_links).
    link_selector: Mapped[str] = mapped_column(String(16), unique=True)
    link_verifier_hash: Mapped[str] = mapped_column(String(64))
    discount_code_id: Mapped[int | None] = mapped_column(ForeignKey("discount_code.id"), index=True)
    #: The price per person excluding VAT in öre, fixed when booked (early bird and code applied).
    unit_price: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Why the booking's invoice could not be issued yet (shown to finance); empty when none is held back.
    invoice_held_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    discount_code: Mapped[DiscountCode | None] = relationship()

    @property
    def booker_name(self) -> str:
        return f"{self.booker_first_name} {self.booker_last_name}"

    def __repr__(self):
        return f"<Booking {self.id}>"
