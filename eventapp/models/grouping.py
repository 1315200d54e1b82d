"""Tables and groups within an event: World café tables, groups of 8-10 with a conversation leader."""
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .registration import Registration


class TableGroup(db.Model):
    __table_args__ = (UniqueConstraint("event_id", "number", name="uq_table_group_event_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 … within the event; "Bord 3" unless named.
    number: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(100), default="")
    #: The conversation leader or table host, in the organiser's words.
    leader: Mapped[str] = mapped_column(String(200), default="")

    seats: Mapped[list["GroupSeat"]] = relationship(back_populates="group", cascade="all, delete-orphan")


class GroupSeat(db.Model):
    """A registration's place in one group of its event."""

    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"),
                                                 primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("table_group.id", ondelete="CASCADE"), index=True)

    group: Mapped[TableGroup] = relationship(back_populates="seats")
    registration: Mapped[Registration] = relationship()
