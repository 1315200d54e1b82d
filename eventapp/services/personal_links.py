"""Personal links (/r/<token>): random, stored hashed, checked in constant time.

A token is a selector, stored as it is to find the row, followed by a verifier of which only the
SHA-256 is stored; a leaked database therefore gives no working links.
"""
import hashlib
import hmac
import secrets
from datetime import datetime

from ..extensions import db
from ..models import PersonalLink, Registration

SELECTOR_LENGTH = 12
#: Alphabet of check-in codes: no 0/O or 1/I, so a volunteer can type one from a badge.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_token() -> tuple[str, str, str]:
    """(token for the link, selector to store, verifier hash to store)."""
    selector = new_selector()
    verifier, verifier_hash = new_verifier()
    return selector + verifier, selector, verifier_hash


def new_selector() -> str:
    return secrets.token_urlsafe(9)  # 12 characters


def new_verifier() -> tuple[str, str]:
    """(the secret part of a token, its hash to store)."""
    verifier = secrets.token_urlsafe(24)
    return verifier, _hash(verifier)


def split_token(token: str) -> tuple[str, str] | None:
    if len(token) <= SELECTOR_LENGTH or len(token) > 100:
        return None
    return token[:SELECTOR_LENGTH], token[SELECTOR_LENGTH:]


def verifier_matches(verifier: str, stored_hash: str) -> bool:
    return hmac.compare_digest(_hash(verifier), stored_hash)


def new_check_in_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _hash(verifier: str) -> str:
    return hashlib.sha256(verifier.encode()).hexdigest()


def issue_link(registration: Registration, now: datetime) -> str:
    """A fresh personal link for ``registration``, stored hashed; earlier links keep working.

    Each e-mail that carries a link gets its own, because only the hash of a link is kept and the
    link itself cannot be shown again.
    """
    token, selector, verifier_hash = new_token()
    db.session.add(PersonalLink(registration=registration, selector=selector, verifier_hash=verifier_hash,
                                created_at=now))
    return token


def new_link(registration: Registration, now: datetime) -> tuple[str, PersonalLink]:
    """(token, link row) of a fresh personal link for a stored ``registration``, not added to the session."""
    token, selector, verifier_hash = new_token()
    return token, PersonalLink(registration_id=registration.id, selector=selector, verifier_hash=verifier_hash,
                               created_at=now)
