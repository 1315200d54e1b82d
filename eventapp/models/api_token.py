"""API tokens: bearer credentials for the REST API, stored only as a hash."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .user import User


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    #: What the token is for, in its owner's words ("badge printer", "CRM sync").
    name: Mapped[str] = mapped_column(String(100), default="")
    #: The first characters of the token, to recognise it in lists without revealing it.
    prefix: Mapped[str] = mapped_column(String(12))
    #: SHA-256 of the whole token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Updated at most once a minute, so busy clients do not turn every read into a write.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
