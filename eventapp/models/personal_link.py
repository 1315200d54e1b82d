"""Personal links to a registration (/r/<token>); each e-mail that carries one gets a fresh one."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db
from .registration import Registration


class PersonalLink(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    #: The token's first part, stored as it is to find the row.
    selector: Mapped[str] = mapped_column(String(16), unique=True)
    #: SHA-256 of the token's second part; a leaked database gives no working links.
    verifier_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    registration: Mapped[Registration] = relationship()
