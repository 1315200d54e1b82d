"""Who changed what, when: the audit log of the back office."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db
from .user import User


class AuditEntry(db.Model):
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: None for the attendee themself or the system (e.g. the waiting list promoting someone).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    #: What happened, as a stable verb: "event.published", "registration.cancelled", …
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int] = mapped_column()
    #: The event the change belongs to, for the per-event log.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    #: Changed fields as {"field": [old, new]} or other facts worth keeping.
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
