"""Printed name badges: which attendee's badge was printed when, and badge runs rendered in the background."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db
from .event import Event
from .registration import Registration


class BadgePrint(db.Model):
    """One badge printed for one registration; "only those not printed before" reads these."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: None when printed from the command line.
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    layout: Mapped[str] = mapped_column(String(10))

    registration: Mapped[Registration] = relationship()


class BadgeRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    #: The PDF was deleted because someone in it had their personal data erased or purged.
    ERASED = "erased"


class BadgeRun(db.Model):
    """Badges for many attendees, rendered outside the request that asked for them.

    The selection is fixed when the run is started, so its progress has a known total and the
    badges recorded as printed are exactly those in the PDF.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Last sign of life of the process rendering it; a run silent for long has died with it.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10), default=BadgeRunStatus.QUEUED)
    #: The options as chosen: layout, sort, only_new, back_text, agenda.
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Registration ids in print order.
    registration_ids: Mapped[list] = mapped_column(JSON, default=list)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    event: Mapped[Event] = relationship()


class BadgeLogo(db.Model):
    """The logo printed on an event's badges: re-encoded as a PNG on upload, so only pixels are kept."""

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
