"""API tokens: created for an account, shown once, stored as a SHA-256 hash, revocable.

A token is 32 random bytes, so its hash can be looked up directly: there is nothing to guess
from timing, and a leaked database gives no working token.
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..database import begin_write
from ..extensions import db
from ..models import ApiToken, User
from . import audit
from .errors import DomainError, NotFound

TOKEN_PREFIX = "ev_"  # noqa: S105 (a prefix, not a secret)
#: last_used_at is written at most this often per token.
TOUCH_INTERVAL = timedelta(minutes=1)


class TokenError(DomainError):
    code = "token_error"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(email: str, *, name: str = "", now: datetime) -> tuple[ApiToken, str]:
    """A new token for the account ``email``: (the stored row, the token to hand over once)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise TokenError(_l("There is no account for %(email)s.", email=email.strip()))
    if not user.active:
        raise TokenError(_l("The account %(email)s is closed.", email=user.email))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip()[:100], prefix=token[:12], token_hash=_hash(token),
                   created_at=now)
    db.session.add(row)
    audit.record("api_token.created", row, actor=None, now=now, owner=user.email, prefix=row.prefix)
    db.session.commit()
    return row, token


def tokens_of(email: str) -> list[ApiToken]:
    """The account's tokens, newest first, revoked ones included."""
    return list(db.session.scalars(
        select(ApiToken).join(User).where(User.email == email.strip().lower())
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(token_id: int, *, now: datetime) -> ApiToken:
    """Stop a token from working; revoking it again changes nothing."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(_l("There is no token number %(num)d.", num=token_id))
    if row.revoked_at is None:
        row.revoked_at = now
        audit.record("api_token.revoked", row, actor=None, now=now, prefix=row.prefix)
    db.session.commit()
    return row


def revoke_tokens_of(email: str, *, now: datetime) -> int:
    """Revoke every working token of the account; the number revoked."""
    rows = [row for row in tokens_of(email) if row.revoked_at is None]
    for row in rows:
        row.revoked_at = now
        audit.record("api_token.revoked", row, actor=None, now=now, prefix=row.prefix)
    db.session.commit()
    return len(rows)


def user_for_token(token: str, *, now: datetime) -> User | None:
    """The active account a working token belongs to, or None. Notes when the token was used."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    user_id, token_id = row.user_id, row.id
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
        begin_write()
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db.session.commit()
    return db.session.get(User, user_id)
