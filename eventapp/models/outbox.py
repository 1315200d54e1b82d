"""Outgoing e-mail: queued in the same transaction as the change that causes it, written and sent
later by the worker (see services.notifications and services.outbox)."""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db


class OutboxStatus(StrEnum):
    PENDING = "pending"
    #: Claimed by a deliverer that is sending it now.
    SENDING = "sending"
    SENT = "sent"
    #: No mail server configured (development): written to instance/mail/ instead of sent.
    KEPT = "kept"
    #: Given up: the server refused it for good, or every retry failed.
    FAILED = "failed"

    @property
    def label(self):
        return {
            OutboxStatus.PENDING: _l("Waiting to be sent"),
            OutboxStatus.SENDING: _l("Being sent"),
            OutboxStatus.SENT: _l("Sent"),
            OutboxStatus.KEPT: _l("Kept, not sent (no mail server)"),
            OutboxStatus.FAILED: _l("Failed"),
        }[self]


class OutboxMessage(db.Model):
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the message is about: confirmation, waitlisted, promoted, reminder … (see notifications).
    kind: Mapped[str] = mapped_column(String(30))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="SET NULL"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    #: An invoice or credit note sent by e-mail (kind "invoice"); its delivery marks the document sent.
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400))
    #: What the e-mail needs beyond its registration or invoice and its event, for writing it when it is
    #: sent: the calendar ``method``, a ``colleague``'s registration id, the ``withdrawn`` meetings.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Which deliverer holds the message while it is being sent, and since when.
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: What the mail server said to the last attempt, or where a kept message was written.
    server_reply: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped["Registration | None"] = relationship()  # noqa: F821 (models/registration.py)

    @property
    def status_label(self):
        return OutboxStatus(self.status).label

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
