"""Organisations attendees come from: the public registers (municipalities, regions, agencies)
and the free organisations attendees type in."""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    REGION = "region"
    AGENCY = "agency"
    NONPROFIT = "nonprofit"
    COMPANY = "company"
    OTHER = "other"

    @property
    def label(self):
        return KIND_LABELS[self]


KIND_LABELS = {
    OrganisationKind.MUNICIPALITY: _l("Municipality"),
    OrganisationKind.REGION: _l("Region"),
    OrganisationKind.AGENCY: _l("Government agency"),
    OrganisationKind.NONPROFIT: _l("Non-profit organisation"),
    OrganisationKind.COMPANY: _l("Company"),
    OrganisationKind.OTHER: _l("Other"),
}


class County(db.Model):
    """A Swedish county (län) with its SCB code."""

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The name as shown, e.g. "Nacka kommun" or "Scouterna".
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=OrganisationKind.OTHER)
    #: Swedish organisation number, formatted NNNNNN-NNNN.
    org_number: Mapped[str | None] = mapped_column(String(11))
    #: SCB municipality code ("0182") for municipalities.
    municipality_code: Mapped[str | None] = mapped_column(String(4), unique=True)
    county_code: Mapped[str | None] = mapped_column(ForeignKey("county.code"))
    #: Stable id of a register entry ("kommun:0182", "myndighet:202100-2965"); None for free organisations.
    register_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    county: Mapped[County | None] = relationship()
    aliases: Mapped[list["OrganisationAlias"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self):
        return OrganisationKind(self.kind).label

    @property
    def from_register(self) -> bool:
        return self.register_id is not None

    def __repr__(self):
        return f"<Organisation {self.name!r}>"


class OrganisationAlias(db.Model):
    """A normalised spelling that leads to an organisation ("nacka", "nacka kommun")."""

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)

    organisation: Mapped[Organisation] = relationship(back_populates="aliases")
