"""Keeping robots off the public form without a captcha: a honeypot field and a minimum fill time.

The form carries a signed timestamp of when it was shown. A person needs some seconds to fill it
in; a script that posts at once, or posts an old or forged stamp, is told to send it again.
"""
import time

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner

_SALT = "registration-form-shown"
_PAYLOAD = "form"


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.config["SECRET_KEY"], salt=_SALT)


def new_stamp() -> str:
    """A signed 'the form was shown now' for the hidden field."""
    return _signer().sign(_PAYLOAD).decode("ascii")


def seconds_since(stamp: str | None) -> float | None:
    """Seconds since ``stamp`` was issued, or None when it is missing or not ours."""
    if not stamp:
        return None
    try:
        value, issued = _signer().unsign(stamp, return_timestamp=True)
    except (BadSignature, UnicodeError):
        return None
    if value != _PAYLOAD.encode():
        return None
    return time.time() - issued.timestamp()


def minimum_fill_seconds() -> float:
    """The configured minimum time between showing the form and sending it (0 switches it off)."""
    return float(current_app.config.get("REGISTRATION_MIN_FILL_SECONDS", 0) or 0)
