"""Keeping robots off the public form without a captcha: a honeypot field and a minimum fill time.

The form carries a signed timestamp of when it was shown, bound to the visitor's session. A person
needs some seconds to fill it in; a script that posts at once, posts an old or forged stamp, or
posts a stamp shown in another session (one page fetched, its stamp replayed by many robots) is
told to send it again.
"""
import hashlib
import time

from flask import current_app, session
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, TimestampSigner

_SALT = "registration-form-shown"


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.config["SECRET_KEY"], salt=_SALT)


def _session_mark() -> str:
    """A mark of the visitor's session, from its CSRF secret (made now if the session has none)."""
    generate_csrf()
    secret = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), "")
    return hashlib.sha256(f"{_SALT}:{secret}".encode()).hexdigest()[:24]


def new_stamp() -> str:
    """A signed 'the form was shown now, in this session' for the hidden field."""
    return _signer().sign(_session_mark()).decode("ascii")


def seconds_since(stamp: str | None) -> float | None:
    """Seconds since ``stamp`` was issued in this session, or None when it is missing, not ours, from
    another session or older than ``REGISTRATION_FORM_MAX_SECONDS``."""
    if not stamp:
        return None
    try:
        value, issued = _signer().unsign(stamp, max_age=maximum_age_seconds(), return_timestamp=True)
    except (BadSignature, UnicodeError):  # SignatureExpired is a BadSignature
        return None
    if value != _session_mark().encode():
        return None
    return time.time() - issued.timestamp()


def minimum_fill_seconds() -> float:
    """The configured minimum time between showing the form and sending it (0 switches it off)."""
    return float(current_app.config.get("REGISTRATION_MIN_FILL_SECONDS", 0) or 0)


def maximum_age_seconds() -> float:
    """How long a shown form may be sent: a stamp is not a ticket to keep."""
    return float(current_app.config.get("REGISTRATION_FORM_MAX_SECONDS", 3600))
