"""What attendees thought of an event: the short form after it (a rating, two questions in words and
the event's own rating questions)."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .registration import Registration


class Feedback(db.Model):
    """One registration's answer to the feedback form; answering again changes it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: Once per registration (unique); the answer stays with the event when the person is erased.
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), unique=True)
    #: The overall rating, 1 (poor) to 5 (very good).
    rating: Mapped[int] = mapped_column(Integer)
    #: "What was good?", in the person's own words (purged with their other free text).
    good: Mapped[str] = mapped_column(Text, default="")
    #: "What could be better?", in the person's own words.
    better: Mapped[str] = mapped_column(Text, default="")
    #: The event's own questions as asked and rated: [{"question": text, "rating": 1-5}].
    ratings: Mapped[list[dict]] = mapped_column(JSON, default=list)
    #: Given while the event showed names to the organiser: only then is the person named in the results.
    named: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    registration: Mapped[Registration] = relationship()
