"""E-mail addresses: which ones are taken, how they are stored and compared, and how they are sent.

Messages go out as 7-bit ASCII to whatever SMTP server is configured, and
an address with å, ä, ö or any other non-ASCII character before the @ needs SMTPUTF8 from every
server on the way, which the servers of municipalities and agencies cannot be counted on for. Such
an address is refused with a message the person can act on.

A domain in any script is taken: .se has had domains with å, ä, ö, é and ü since 2003, and a domain
has an ASCII spelling (IDNA, "xn--…") that every server understands. An address is stored as the
person typed it, compared by ``email_key`` (so both spellings of a domain are one person) and sent
in its ASCII spelling (``sendable``).
"""
from functools import lru_cache

from email_validator import EmailNotValidError, ValidatedEmail, validate_email
from flask_babel import lazy_gettext as _l

from .errors import InvalidEmailAddress

NOT_AN_ADDRESS = _l("Enter an e-mail address like name@example.org.")
NON_ASCII_BEFORE_AT = _l("We cannot send e-mail to an address with å, ä, ö or other characters outside a–z "
                         "before the @. Enter an address without them.")


class UnsendableAddress(ValueError):
    """A stored address that no message can be sent to (kept from before addresses were checked)."""


@lru_cache(maxsize=1024)
def _validated(value: str) -> ValidatedEmail:
    # Remembered: one registration checks, keys and sends the same address several times over.
    return validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)


def checked_email(value: str, *, field: str = "email") -> str:
    """``value`` as it is stored (as typed), or InvalidEmailAddress (beside ``field``) saying what is wrong."""
    local_part = value.strip().rpartition("@")[0]
    if not local_part.isascii():
        raise InvalidEmailAddress(NON_ASCII_BEFORE_AT, field=field)
    try:
        _validated(value)
    except EmailNotValidError:
        raise InvalidEmailAddress(NOT_AN_ADDRESS, field=field) from None
    return value.strip()


def email_key(address: str) -> str:
    """What makes two addresses one person's: any case, and either spelling of the domain."""
    try:
        return _validated(address).normalized.casefold()
    except EmailNotValidError:  # a lookup with something that is no address, or an anonymised one
        return address.strip().casefold()


def sendable(address: str) -> str:
    """``address`` for the To header, the SMTP envelope and calendars: ASCII, the domain lower-case IDNA."""
    try:
        return _validated(address).ascii_email
    except EmailNotValidError as error:
        if address.isascii():  # an anonymised or older address: any server takes ASCII, and may refuse it
            return address.strip()
        raise UnsendableAddress(str(error)) from None
