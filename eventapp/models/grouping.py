"""Tables and groups within an event: World café tables, groups of 8-10 with a conversation leader."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .registration import Registration


def group_label(number: int, name: str) -> str:
    """"Group 3", or "Group 3: Skola" when named: as badges, lists and the door show a group."""
    label = str(_l("Group %(num)d", num=number))
    return f"{label}: {name}" if name else label


class TableGroup(db.Model):
    __table_args__ = (UniqueConstraint("event_id", "number", name="uq_table_group_event_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 … within the event; "Bord 3" unless named.
    number: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(100), default="")
    #: The conversation leader or table host, in the organiser's words.
    leader: Mapped[str] = mapped_column(String(200), default="")
    #: Someone was moved into or out of the group by hand since the proposal.
    edited: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    seats: Mapped[list["GroupSeat"]] = relationship(back_populates="group", cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return group_label(self.number, self.name)


class GroupSeat(db.Model):
    """A registration's place in one group of its event."""

    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"),
                                                 primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("table_group.id", ondelete="CASCADE"), index=True)

    group: Mapped[TableGroup] = relationship(back_populates="seats")
    registration: Mapped[Registration] = relationship()
