"""Back-office accounts."""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class Role(StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"
    FINANCE = "finance"
    CHECKIN = "checkin"

    @property
    def label(self):
        return {
            Role.ADMIN: _l("Administrator"),
            Role.ORGANISER: _l("Organiser"),
            Role.FINANCE: _l("Finance"),
            Role.CHECKIN: _l("Check-in volunteer"),
        }[self]


class User(UserMixin, db.Model):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    #: Empty until an invited person chooses a password (no password then matches it).
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Moved on by logging out, a new password or deactivation: a session logged in under an
    #: earlier version is over (services.accounts.end_sessions).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_label(self):
        return Role(self.role).label

    def get_id(self) -> str:
        """What a session keeps of its account: the id and the session version it was logged in under."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role) -> bool:
        return self.role == Role.ADMIN or self.role in roles


class StaffLinkPurpose(StrEnum):
    INVITATION = "invitation"
    RESET = "password_reset"


class StaffLink(db.Model):
    """A link sent by e-mail with which a staff member chooses a password: an invitation or a reset.

    Like personal links, the token is a selector followed by a verifier of which only the SHA-256
    is stored. A link works once, until ``expires_at``.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    selector: Mapped[str] = mapped_column(String(16), unique=True)
    verifier_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When the link was used, or made void (a newer link, a deactivated account).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
